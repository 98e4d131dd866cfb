package folder

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/internal/faultpoint"
	"github.com/facteur/facteur/internal/filewrite"
)

// checkDir checks that the folder's directory is there.
func (f *Folder) checkDir() error {
	fi, err := os.Stat(f.dir)
	switch {
	case err != nil:
		return f.pathError(err)
	case !fi.IsDir():
		return facteur.Errorf(facteur.EINVALID, "%s is not a directory. Correct the path.", f.dir)
	}
	return nil
}

// compare reports whether final already holds p's content. A different
// file there fails with ECONFLICT unless overwriting is allowed.
func (f *Folder) compare(ctx context.Context, final string, p deliver.Payload) (same bool, err error) {
	fi, err := os.Lstat(final)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, f.pathError(err)
	case fi.IsDir():
		return false, facteur.Errorf(facteur.ECONFLICT, "A directory named %s already exists in %s. Remove it or change the file name template.", p.Name, f.dir)
	case fi.Mode().IsRegular() && fi.Size() == p.Size:
		sum, err := deliver.HashFile(ctx, final)
		if err != nil {
			return false, f.ioError(ctx, err)
		}
		if sum == strings.ToLower(p.SHA256) {
			return true, nil
		}
	}
	if !f.overwrite {
		return false, f.conflict(p.Name)
	}
	return false, nil
}

// conflict is the error of a different file already under the final name.
func (f *Folder) conflict(name string) error {
	return facteur.Errorf(facteur.ECONFLICT, "A different file named %s already exists in %s. Enable overwrite or change the file name template.", name, f.dir)
}

// writeTemp copies p into a new hidden file of the folder, syncs it and
// checks its size and SHA-256. It returns the file's path; on failure it
// removes the file.
func (f *Folder) writeTemp(ctx context.Context, p deliver.Payload) (path string, err error) {
	src, err := p.Open()
	if err != nil {
		return "", facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()

	tmp, err := createTemp(f.dir, p.Name)
	if err != nil {
		return "", f.ioError(ctx, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			removeQuietly(tmp.Name())
		}
	}()
	faultpoint.Reach(faultpoint.Upload)

	// The copy is hashed and written on a goroutine of its own while the
	// next piece is read, and handed to the disk as it goes.
	// Buffers no larger than the file: small runs are most runs.
	size := int(min(max(p.Size, 4096), deliver.CopyBufferSize))
	hashed := filewrite.NewHashed(tmp)
	w := filewrite.NewAsync(hashed, size)
	n, err := io.CopyBuffer(w, deliver.ContextReader(ctx, deliver.SpoolReader(src)), make([]byte, size))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.As(err, new(deliver.SpoolError)) {
			return "", facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
		}
		return "", f.ioError(ctx, err)
	}
	if err := tmp.Sync(); err != nil {
		return "", f.ioError(ctx, err)
	}
	if err := tmp.Close(); err != nil {
		return "", f.ioError(ctx, err)
	}
	fi, err := os.Stat(tmp.Name())
	if err != nil {
		return "", f.ioError(ctx, err)
	}
	if n != p.Size || fi.Size() != p.Size {
		return "", facteur.Errorf(facteur.EINTERNAL, "The exported file %s should be %d bytes but %d were copied; export it again.", p.Name, p.Size, fi.Size())
	}
	if _, sum := hashed.Sum(); sum != strings.ToLower(p.SHA256) {
		return "", facteur.Errorf(facteur.EINTERNAL, "The copy of the exported file %s does not match its SHA-256 (got %s, want %s); export it again.", p.Name, sum, p.SHA256)
	}
	return tmp.Name(), nil
}

// publish gives the verified temporary file its final name and syncs the
// directory, so that the rename survives a crash. Without overwrite, the
// file is hard-linked to its final name, which fails if any file has taken
// that name since compare: another program's file is never replaced.
func (f *Folder) publish(ctx context.Context, tmp, final string, p deliver.Payload) error {
	if !f.overwrite {
		err := os.Link(tmp, final)
		switch {
		case err == nil:
			removeQuietly(tmp)
			return f.syncDir()
		case errors.Is(err, fs.ErrExist):
			// Someone delivered under that name meanwhile: maybe the same
			// file, by a concurrent attempt of the same run.
			if same, err := f.compare(ctx, final, p); err != nil {
				return err
			} else if !same {
				return f.conflict(p.Name)
			}
			removeQuietly(tmp)
			return nil
		}
		// The file system cannot hard-link (some network shares): check
		// once more and rename.
		if _, err := os.Lstat(final); err == nil {
			return f.conflict(p.Name)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return f.ioError(ctx, err)
	}
	return f.syncDir()
}

// syncDir flushes the directory entry of a rename to disk. File systems
// that cannot sync a directory are not an error.
func (f *Folder) syncDir() error {
	if runtime.GOOS == "windows" {
		return nil // a directory cannot be opened for syncing there
	}
	d, err := os.Open(f.dir)
	if err != nil {
		return f.pathError(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return f.pathError(err)
	}
	return nil
}

// createTemp creates a new, empty file in dir with a name consumers
// ignore: ".<name>.<random>.partial". Its permissions are those of any new
// file (0666 less the umask), so that the delivered file can be read by
// whoever picks it up.
func createTemp(dir, name string) (*os.File, error) {
	for range 100 {
		tmp := filepath.Join(dir, deliver.TempName(name))
		fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return fh, err
	}
	return nil, &fs.PathError{Op: "create", Path: dir, Err: fs.ErrExist}
}

// removeQuietly removes a temporary file. A failure leaves a hidden file
// that consumers ignore; there is nothing better to do with it.
func removeQuietly(path string) { _ = os.Remove(path) }
