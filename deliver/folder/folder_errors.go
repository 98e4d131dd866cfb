package folder

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"github.com/facteur/facteur"
)

// pathError explains an error met while looking at the folder's directory.
func (f *Folder) pathError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return facteur.WrapError(facteur.EINVALID, err, "Directory %s does not exist. Create it or correct the path.", f.dir)
	case errors.Is(err, fs.ErrPermission):
		return facteur.WrapError(facteur.EINVALID, err, "Directory %s is not writable by the Facteur process (user %s).", f.dir, processUser())
	case errors.Is(err, syscall.EROFS):
		return facteur.WrapError(facteur.EINVALID, err, "Directory %s is on a read-only file system. Choose another directory or mount it read-write.", f.dir)
	case errors.Is(err, syscall.ENAMETOOLONG):
		return facteur.WrapError(facteur.EINVALID, err, "Directory %s: the path or one of its names is too long for the file system. Choose a shorter path.", f.dir)
	}
	// Anything else (an I/O error, a share that went away) may pass.
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Directory %s cannot be read.", f.dir)
}

// ioError explains an error met while writing into the folder. A full
// disk, or any failure other than a setting to correct, is EUNAVAILABLE:
// trying again later may succeed.
func (f *Folder) ioError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return facteur.WrapError(facteur.ECANCELLED, err, "The delivery to %s was cancelled.", f.dir)
	case errors.Is(err, context.DeadlineExceeded):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "The delivery to %s took too long and was stopped.", f.dir)
	case ctx.Err() != nil:
		return f.ioError(ctx, ctx.Err())
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "Not enough space in directory %s: the disk is full. Free some space; the delivery will be tried again.", f.dir)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS), errors.Is(err, syscall.ENAMETOOLONG):
		return f.pathError(err)
	}
	return facteur.WrapError(facteur.EUNAVAILABLE, err, "Writing to directory %s failed.", f.dir)
}

// processUser names the user the Facteur process runs as, for messages
// about permissions.
func processUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(os.Getuid())
}
