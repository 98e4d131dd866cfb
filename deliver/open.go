package deliver

import (
	"context"

	"github.com/facteur/facteur"
)

// Open returns the deliverer of a destination, after checking its kind and
// settings. It fails with EINVALID naming what to fix.
func Open(d *facteur.Destination, env Env) (facteur.Deliverer, error) {
	env.DestinationID = d.ID
	switch d.Kind {
	case facteur.DestinationFolder:
		cfg, err := ParseFolderConfig(d.Config)
		if err != nil {
			return nil, err
		}
		return NewFolder(cfg)
	case "":
		return nil, facteur.Errorf(facteur.EINVALID, "kind: choose the kind of destination: folder")
	}
	return nil, facteur.Errorf(facteur.EINVALID, "kind: unknown destination kind %q; use folder", d.Kind)
}

// Checker is implemented by deliverers that can check their settings
// cheaply, without delivering anything, when a destination is saved.
type Checker interface {
	Check(ctx context.Context) error
}

var _ Checker = (*Folder)(nil)

// Check reports whether the directory exists and is writable.
func (f *Folder) Check(ctx context.Context) error { return f.checkDir() }
