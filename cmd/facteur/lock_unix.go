//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/facteur/facteur"
)

// lockData takes the data directory's lock file for this process, so that
// one `facteur serve` at a time uses the embedded database: its start takes
// every export left running for abandoned, which is true only when no other
// process runs them. The lock ends with the process, however it ends.
func lockData(data string) (unlock func(), err error) {
	path := filepath.Join(data, "serve.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, facteur.Errorf(facteur.ECONFLICT, "data: another facteur serve is running on %s; the embedded database allows one (use --database postgres://... for several nodes)", data)
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() { f.Close() }, nil
}
