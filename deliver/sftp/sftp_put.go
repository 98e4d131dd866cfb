package sftp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/internal/faultpoint"
)

const (
	// createExcl opens a new file for writing, failing if it exists.
	createExcl = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	// sftpHashLimit is the largest existing file that is downloaded to be
	// compared when overwriting is allowed anyway: past it, uploading again
	// costs no more than comparing. Without overwrite, a file of the right
	// size is always compared, so that a retried delivery whose first
	// attempt did arrive is not taken for a conflict.
	sftpHashLimit = 64 << 20
	// sftpCleanupTimeout bounds the removal of a temporary file after a
	// failure, which may need a new connection.
	sftpCleanupTimeout = 10 * time.Second
)

// checkDir checks that the destination directory exists.
func (s *SFTP) checkDir(ctx context.Context, ss *sftpSession) error {
	fi, err := ss.client.Stat(s.cfg.dir())
	switch {
	case err != nil:
		return s.dirError(ctx, err)
	case !fi.IsDir():
		return facteur.Errorf(facteur.EINVALID, "%s on the server is not a directory. Correct the directory.", s.cfg.dir())
	}
	return nil
}

// put delivers p in two steps on an open session: temporary file, verify,
// rename.
func (s *SFTP) put(ctx context.Context, ss *sftpSession, p deliver.Payload) error {
	if err := s.checkDir(ctx, ss); err != nil {
		return err
	}
	final := path.Join(s.cfg.dir(), p.Name)
	switch same, err := s.compare(ctx, ss, final, p); {
	case err != nil:
		return err
	case same:
		return nil
	}
	tmp, err := s.upload(ctx, ss, p)
	if err != nil {
		return err
	}
	faultpoint.Reach(faultpoint.BeforeRename)
	if err := s.publish(ctx, ss, tmp, final, p); err != nil {
		s.removeTemp(ss, tmp)
		return err
	}
	return nil
}

// compare reports whether final already holds p's content. A different
// file there fails with ECONFLICT unless overwriting is allowed.
func (s *SFTP) compare(ctx context.Context, ss *sftpSession, final string, p deliver.Payload) (same bool, err error) {
	fi, err := ss.client.Lstat(final)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, s.dirError(ctx, err)
	case fi.IsDir():
		return false, facteur.Errorf(facteur.ECONFLICT, "A directory named %s already exists in %s. Remove it or change the file name template.", p.Name, s.cfg.dir())
	case fi.Mode().IsRegular() && fi.Size() == p.Size && (!s.cfg.Overwrite || p.Size < sftpHashLimit):
		sum, err := hashRemote(ss, final)
		switch {
		case err == nil && sum == strings.ToLower(p.SHA256):
			return true, nil
		case errors.Is(err, os.ErrPermission):
			// A drop box may let us write but not read: we cannot tell.
		case err != nil:
			return false, s.uploadError(ctx, err)
		}
	}
	if !s.cfg.Overwrite {
		return false, s.conflict(p.Name)
	}
	return false, nil
}

// conflict is the error of a different file already under the final name.
func (s *SFTP) conflict(name string) error {
	return facteur.Errorf(facteur.ECONFLICT, "A different file named %s already exists in %s on the server. Enable overwrite or change the file name template.", name, s.cfg.dir())
}

// upload copies p to a new hidden file of the directory and checks its
// size on the server and the SHA-256 of the bytes sent. It returns the
// file's path; on failure it removes the file.
func (s *SFTP) upload(ctx context.Context, ss *sftpSession, p deliver.Payload) (_ string, err error) {
	src, err := p.Open()
	if err != nil {
		return "", facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()

	tmp := path.Join(s.cfg.dir(), deliver.TempName(p.Name))
	f, err := ss.client.OpenFile(tmp, createExcl)
	if err != nil {
		return "", s.uploadError(ctx, err)
	}
	defer func() {
		if err != nil {
			s.removeTemp(ss, tmp)
		}
	}()

	h := sha256.New()
	// Concurrent writes keep up to 64 requests in flight: the link's
	// latency is paid once, not per 32 KiB packet.
	n, err := f.ReadFromWithConcurrency(deliver.ContextReader(ctx, io.TeeReader(deliver.SpoolReader(src), h)), 0)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		if errors.As(err, new(deliver.SpoolError)) {
			return "", facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
		}
		return "", s.uploadError(ctx, ss.cause(err))
	}
	if n != p.Size {
		return "", facteur.Errorf(facteur.EINTERNAL, "The exported file %s should be %d bytes but %d were read from the spool; export it again.", p.Name, p.Size, n)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != strings.ToLower(p.SHA256) {
		return "", facteur.Errorf(facteur.EINTERNAL, "The exported file %s does not match its SHA-256 (got %s, want %s); export it again.", p.Name, sum, p.SHA256)
	}
	fi, err := ss.client.Stat(tmp)
	if err != nil {
		return "", s.uploadError(ctx, err)
	}
	if fi.Size() != p.Size {
		err = errors.New("size mismatch")
		return "", facteur.WrapError(facteur.EUNAVAILABLE, err, "Connection failed. Upload failed due to an error: the server stored %d bytes of the %d sent.", fi.Size(), p.Size)
	}
	return tmp, nil
}

// publish gives the verified temporary file its final name. Without
// overwrite, a plain SFTP rename refuses to replace an existing file, so a
// file another program wrote there since compare is never lost. With
// overwrite, posix-rename@openssh.com replaces the old file atomically; a
// server without it gets remove then rename.
func (s *SFTP) publish(ctx context.Context, ss *sftpSession, tmp, final string, p deliver.Payload) error {
	if !s.cfg.Overwrite {
		err := ss.client.Rename(tmp, final)
		if err == nil || ctx.Err() != nil {
			return s.renameError(ctx, err)
		}
		// Someone delivered under that name meanwhile: maybe the same file,
		// by a concurrent attempt of the same run.
		if _, statErr := ss.client.Lstat(final); statErr == nil {
			if same, err := s.compare(ctx, ss, final, p); err != nil {
				return err
			} else if !same {
				return s.conflict(p.Name)
			}
			s.removeTemp(ss, tmp)
			return nil
		}
		return s.uploadError(ctx, err)
	}
	if _, ok := ss.client.HasExtension("posix-rename@openssh.com"); ok {
		return s.renameError(ctx, ss.client.PosixRename(tmp, final))
	}
	if err := ss.client.Remove(final); err != nil && !errors.Is(err, os.ErrNotExist) {
		return s.uploadError(ctx, err)
	}
	return s.renameError(ctx, ss.client.Rename(tmp, final))
}

// renameError explains a failed rename; nil stays nil.
func (s *SFTP) renameError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return s.uploadError(ctx, err)
}

// removeTemp removes a temporary file after a failure, best effort and
// within sftpCleanupTimeout even if the delivery was cancelled. When the
// session is gone (a cut connection), it tries once on a new one. A file
// left behind is hidden and ends in .partial; consumers ignore it.
func (s *SFTP) removeTemp(ss *sftpSession, tmp string) {
	ctx, cancel := context.WithTimeout(context.Background(), sftpCleanupTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = ss.raw.Close() })
	err := ss.client.Remove(tmp)
	stop()
	if err == nil || errors.Is(err, os.ErrNotExist) || isStatus(err) {
		return
	}
	fresh, err := s.connect(ctx)
	if err != nil {
		return
	}
	defer fresh.close()
	_ = fresh.client.Remove(tmp)
}

// hashRemote downloads a file of the server and returns its SHA-256 in hex.
func hashRemote(ss *sftpSession, name string) (string, error) {
	f, err := ss.client.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := f.WriteTo(h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
