package deliver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
)

// SFTP delivers artifacts into a directory of an SSH server (PRODUCT D3).
// Files are uploaded under a hidden temporary name in the target directory,
// their size checked on the server and their bytes against the artifact's
// SHA-256 on the way, then renamed to the final name (C5).
//
// The server's host key is pinned: only the configured key is accepted, or,
// when none is configured, the key presented on the first successful login
// is recorded (and saved through Env.SaveConfig) and required from then on.
type SFTP struct {
	cfg    SFTPConfig // as configured; never changed, so read without the lock
	env    Env
	signer ssh.Signer       // nil without a private key
	now    func() time.Time // the clock that names Test's file

	mu      sync.Mutex
	hostKey ssh.PublicKey // nil until known
}

var (
	_ facteur.Deliverer = (*SFTP)(nil)
	_ Checker           = (*SFTP)(nil)
)

// NewSFTP returns the deliverer of an SFTP destination. It fails with
// EINVALID when cfg is not valid; it does not connect.
func NewSFTP(cfg SFTPConfig, env Env) (*SFTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &SFTP{cfg: cfg, env: env, now: time.Now}
	if cfg.PrivateKey != "" {
		signer, err := cfg.signer()
		if err != nil {
			return nil, err
		}
		s.signer = signer
	}
	if cfg.HostKey != "" {
		k, err := parseHostKey(cfg.HostKey)
		if err != nil {
			return nil, err
		}
		s.hostKey = k
	}
	return s, nil
}

// Deliver uploads the artifact into the directory under a.Name and returns
// its location, sftp://user@host:port/dir/name. Delivering a file whose
// content is already there under that name succeeds without rewriting it.
// A different file of that name is replaced only when the destination
// allows overwriting; otherwise Deliver fails with ECONFLICT.
//
// Errors: EUNAVAILABLE (retryable) when the server cannot be reached or the
// connection fails during the upload; EUNAUTHORIZED for refused credentials
// or a changed host key; EINVALID for a bad file name or a directory that is
// missing or not writable; EINTERNAL for a spooled file that does not match
// its size or SHA-256. On failure, the temporary file is removed.
func (s *SFTP) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	if err := ValidateFileName(a.Name); err != nil {
		return facteur.Delivery{}, err
	}
	if a.Size < 0 || !validSHA256(a.SHA256) {
		return facteur.Delivery{}, facteur.Errorf(facteur.EINTERNAL, "The exported file %s has no valid size or SHA-256; export it again.", a.Name)
	}
	return s.deliver(ctx, payload{name: a.Name, size: a.Size, sha256: a.SHA256, open: a.Open})
}

// Test logs in, checks the directory and delivers a small text file named
// "facteur-test-<UTC time>.txt" the same two-step way as Deliver. It
// returns the file's location, or the error a delivery would meet.
func (s *SFTP) Test(ctx context.Context) (facteur.Delivery, error) {
	now := s.now().UTC()
	name := "facteur-test-" + now.Format("20060102T150405Z") + ".txt"
	body := fmt.Appendf(nil, "This is a test file written by Facteur on %s UTC to check that it can deliver files to %s. You may delete it.\n",
		now.Format("2006-01-02 15:04:05"), s.where())
	sum := sha256.Sum256(body)
	return s.deliver(ctx, payload{
		name:   name,
		size:   int64(len(body)),
		sha256: hex.EncodeToString(sum[:]),
		open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
	})
}

// Check logs in and checks that the directory exists and is writable,
// without delivering anything: it creates an empty hidden temporary file
// and removes it at once. Errors are those of Deliver.
func (s *SFTP) Check(ctx context.Context) error {
	ss, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer ss.close()
	if err := s.checkDir(ctx, ss); err != nil {
		return err
	}
	tmp := path.Join(s.cfg.dir(), tempName(".facteur-check"))
	f, err := ss.client.OpenFile(tmp, createExcl)
	if err != nil {
		return s.uploadError(ctx, err)
	}
	closeErr := f.Close()
	if err := ss.client.Remove(tmp); err != nil {
		return s.uploadError(ctx, err)
	}
	if closeErr != nil {
		return s.uploadError(ctx, closeErr)
	}
	return nil
}

// deliver connects and puts p.
func (s *SFTP) deliver(ctx context.Context, p payload) (facteur.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return facteur.Delivery{}, s.netError(ctx, err)
	}
	ss, err := s.connect(ctx)
	if err != nil {
		return facteur.Delivery{}, err
	}
	defer ss.close()
	if err := s.put(ctx, ss, p); err != nil {
		return facteur.Delivery{}, err
	}
	return facteur.Delivery{Location: s.where() + "/" + p.name}, nil
}

// where names the destination directory as a URL, for locations and
// messages: sftp://user@host:port/dir (without a trailing slash).
func (s *SFTP) where() string {
	dir := s.cfg.dir()
	if dir == "/" {
		dir = ""
	}
	return "sftp://" + s.cfg.User + "@" + s.cfg.addr() + dir
}
