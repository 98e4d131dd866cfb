package facteur

import (
	"errors"
	"io"
	"os"
)

func openFile(path string) (io.ReadCloser, error) { return os.Open(path) }

func asAny[T any](err error, target *T) bool { return errors.As(err, target) }
