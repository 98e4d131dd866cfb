package sftp

import (
	"context"
	"path"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
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
	cfg    Config // as configured; never changed, so read without the lock
	env    deliver.Env
	signer ssh.Signer       // nil without a private key
	now    func() time.Time // the clock that names Test's file

	mu      sync.Mutex
	hostKey ssh.PublicKey // nil until known
}

var (
	_ facteur.Deliverer = (*SFTP)(nil)
)

// New returns the deliverer of an SFTP destination. It fails with
// EINVALID when cfg is not valid; it does not connect.
func New(cfg Config, env deliver.Env) (*SFTP, error) {
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
	p, err := deliver.ArtifactPayload(a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	return s.deliver(ctx, p)
}

// Test logs in, checks the directory and delivers a small text file named
// "facteur-test-<UTC time>.txt" the same two-step way as Deliver. It
// returns the file's location, or the error a delivery would meet.
func (s *SFTP) Test(ctx context.Context) (facteur.Delivery, error) {
	return s.deliver(ctx, deliver.TestPayload(s.now(), s.where()))
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
	tmp := path.Join(s.cfg.dir(), deliver.TempName(".facteur-check"))
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
func (s *SFTP) deliver(ctx context.Context, p deliver.Payload) (facteur.Delivery, error) {
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
	return facteur.Delivery{Location: s.where() + "/" + p.Name}, nil
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
