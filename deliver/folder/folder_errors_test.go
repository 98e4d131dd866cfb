package folder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/facteur/facteur"
)

// Every error met while writing says whether a retry can help.
func TestFolderIOErrorCodes(t *testing.T) {
	t.Parallel()
	f := &Folder{dir: "/srv/exports"}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	pathErr := func(errno syscall.Errno) error {
		return fmt.Errorf("write: %w", &fs.PathError{Op: "write", Path: "/srv/exports/.a.partial", Err: errno})
	}
	tests := []struct {
		ctx   context.Context
		err   error
		code  string
		retry bool
	}{
		{context.Background(), pathErr(syscall.ENOSPC), facteur.EUNAVAILABLE, true},
		{context.Background(), pathErr(syscall.EDQUOT), facteur.EUNAVAILABLE, true},
		{context.Background(), pathErr(syscall.EIO), facteur.EUNAVAILABLE, true},
		{context.Background(), pathErr(syscall.ESTALE), facteur.EUNAVAILABLE, true},
		{context.Background(), pathErr(syscall.EACCES), facteur.EINVALID, false},
		{context.Background(), pathErr(syscall.EPERM), facteur.EINVALID, false},
		{context.Background(), pathErr(syscall.EROFS), facteur.EINVALID, false},
		{context.Background(), pathErr(syscall.ENOENT), facteur.EINVALID, false},
		{context.Background(), pathErr(syscall.ENAMETOOLONG), facteur.EINVALID, false},
		{context.Background(), context.DeadlineExceeded, facteur.EUNAVAILABLE, true},
		{context.Background(), context.Canceled, facteur.ECANCELLED, false},
		{cancelled, errors.New("read: file already closed"), facteur.ECANCELLED, false},
	}
	for _, tc := range tests {
		got := f.ioError(tc.ctx, tc.err)
		if facteur.ErrorCode(got) != tc.code || facteur.Retryable(got) != tc.retry {
			t.Errorf("ioError(%v) = %v (code %q, retryable %v), want code %q, retryable %v",
				tc.err, got, facteur.ErrorCode(got), facteur.Retryable(got), tc.code, tc.retry)
		}
		if !errors.Is(got, tc.err) && tc.ctx.Err() == nil {
			t.Errorf("ioError(%v) = %v does not wrap its cause", tc.err, got)
		}
	}
}
