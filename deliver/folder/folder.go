package folder

import (
	"context"
	"path/filepath"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/internal/faultpoint"
)

// Folder delivers artifacts into a directory on the machine that runs
// Facteur (PRODUCT D5). Files are written under a hidden temporary name in
// the same directory, synced to disk, verified and renamed (C5), so that a
// program watching the directory never sees a partial file under the final
// name.
type Folder struct {
	dir       string
	overwrite bool
	now       func() time.Time // the clock that names Test's file
}

var _ facteur.Deliverer = (*Folder)(nil)

// New returns the deliverer of a folder destination. It fails with
// EINVALID when cfg is not valid; the directory itself is checked on each
// delivery, since a share may be mounted or created later.
func New(cfg Config) (*Folder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Folder{dir: filepath.Clean(cfg.Path), overwrite: cfg.Overwrite, now: time.Now}, nil
}

// Deliver copies the artifact into the folder under a.Name and returns its
// absolute path. Delivering a file whose content is already there under
// that name succeeds without rewriting it. A different file of that name
// is replaced only when the destination allows overwriting; otherwise
// Deliver fails with ECONFLICT. A bad file name or directory fails with
// EINVALID, a full disk with EUNAVAILABLE (facteur.Retryable reports true),
// a spooled file that does not match its size or SHA-256 with EINTERNAL.
// On failure, nothing is left in the folder.
func (f *Folder) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	p, err := deliver.ArtifactPayload(a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	return f.put(ctx, p)
}

// Test checks that the directory exists and is writable by delivering a
// small text file named "facteur-test-<UTC time>.txt", the same two-step
// way as Deliver. It returns the file's absolute path, or the error a
// delivery would meet.
func (f *Folder) Test(ctx context.Context) (facteur.Delivery, error) {
	return f.put(ctx, deliver.TestPayload(f.now(), f.dir))
}

// put delivers p in two steps: temporary file, verify, rename.
func (f *Folder) put(ctx context.Context, p deliver.Payload) (facteur.Delivery, error) {
	final := filepath.Join(f.dir, p.Name)
	done := facteur.Delivery{Location: final}
	if err := f.checkDir(); err != nil {
		return facteur.Delivery{}, err
	}

	// A file already there with the same content is the same delivery
	// (idempotent re-delivery); one with other content is a conflict
	// unless overwriting is allowed.
	switch same, err := f.compare(ctx, final, p); {
	case err != nil:
		return facteur.Delivery{}, err
	case same:
		return done, nil
	}

	tmp, err := f.writeTemp(ctx, p)
	if err != nil {
		return facteur.Delivery{}, err
	}
	faultpoint.Reach(faultpoint.BeforeRename)
	if err := f.publish(ctx, tmp, final, p); err != nil {
		removeQuietly(tmp)
		return facteur.Delivery{}, err
	}
	return done, nil
}
