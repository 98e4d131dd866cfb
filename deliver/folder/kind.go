package folder

import (
	"context"
	"encoding/json"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Kind is the registration of folder destinations (D5): they write
// on Facteur's own machine, so only administrators create them.
func Kind() deliver.Kind {
	return deliver.Kind{
		Name: facteur.DestinationFolder,
		Help: "a directory on the machine that runs Facteur",
		Fields: []deliver.Field{
			{Name: "path", Type: "text", Help: "Path", Required: true},
			{Name: "overwrite", Type: "checkbox", Help: "Overwrite a different file of the same name"},
		},
		Role: facteur.RoleAdmin, Overwrite: true, TempNames: true,
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			cfg, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return New(cfg)
		},
		Where: func(config json.RawMessage) string {
			if cfg, err := ParseConfig(config); err == nil {
				return cfg.Path
			}
			return ""
		},
	}
}

var _ deliver.Validator = (*Folder)(nil)

// Validate reports whether the directory exists and is writable.
func (f *Folder) Validate(ctx context.Context) error { return f.checkDir() }
