package export

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/filewrite"
)

// An export's errors say at which stage they happened (see
// facteur.StageError); the stage that meets an error marks it, once.

// sourceError marks an error of the database or of reading its rows. The
// source package has already said what it means (EINVALID for a query the
// database refused, EUNAVAILABLE for a connection lost mid-way…).
func sourceError(err error) error { return facteur.WithStage(facteur.StageSource, err) }

// encodeError marks an error of a format encoder or compressor. One that
// says nothing a user can act on is a bug: EINTERNAL, not retried.
func encodeError(err error) error {
	if err == nil || facteur.ErrorStage(err) != "" {
		return err
	}
	var e *facteur.Error
	if !errors.As(err, &e) {
		err = facteur.WrapError(facteur.EINTERNAL, err, "Writing the file failed because of an error in Facteur itself, which trying again will not fix; please report it with this run's log")
	}
	return &facteur.StageError{Stage: facteur.StageEncode, Err: err}
}

// spoolError marks an error met while writing the file into the spool
// directory dir. The spool is Facteur's own disk, not the report's fault:
// every such error is EUNAVAILABLE, retried with backoff while an
// administrator makes room or repairs the disk. Its message does not
// promise a retry: the last attempt, too, says it.
func spoolError(dir string, err error) error {
	if err == nil {
		return nil
	}
	var e *facteur.Error
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		free := "too little space"
		if n, ok := filewrite.Free(dir); ok {
			free = byteSize(n)
		}
		e = facteur.WrapError(facteur.EUNAVAILABLE, err, "The spool directory %s has %s free; the export needed more. Make room, or keep files for less time (--keep-files).", dir, free)
	case errors.Is(err, syscall.EROFS):
		e = facteur.WrapError(facteur.EUNAVAILABLE, err, "The spool directory %s is on a read-only file system; mount it read-write.", dir)
	case errors.Is(err, fs.ErrPermission):
		e = facteur.WrapError(facteur.EUNAVAILABLE, err, "The spool directory %s is not writable by the Facteur process; fix its permissions.", dir)
	default:
		e = facteur.WrapError(facteur.EUNAVAILABLE, err, "Writing the file into the spool directory %s failed.", dir)
	}
	return &facteur.StageError{Stage: facteur.StageSpool, Err: e}
}

// byteSize writes n bytes for a person: "12 MB", "1.5 MB", "640 KB".
func byteSize(n int64) string {
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GB", 30}, {"MB", 20}, {"KB", 10}} {
		if n >= 1<<u.shift {
			if v := float64(n) / float64(int64(1)<<u.shift); v < 10 {
				return fmt.Sprintf("%.1f %s", v, u.name)
			}
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
