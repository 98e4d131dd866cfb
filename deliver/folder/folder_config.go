package folder

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Config is the JSON config of a "folder" destination (PRODUCT D5):
// a directory on the machine that runs Facteur, often a mounted share that
// another program picks files up from.
type Config struct {
	// Path is the absolute path of the directory files are delivered to.
	// Required. It must exist and be writable by the Facteur process when a
	// file is delivered; Facteur never creates it.
	Path string `json:"path"`
	// Overwrite replaces an existing file of the same name whose content
	// differs. Default false: such a delivery fails, so that a file another
	// program has not picked up yet is never lost. A file with the same
	// content is never rewritten either way.
	Overwrite bool `json:"overwrite"`
}

// ParseConfig decodes the config of a folder destination and
// validates it. It fails with EINVALID naming the field at fault, also for
// a field it does not know.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, facteur.Errorf(facteur.EINVALID, "path: give the absolute path of the directory to deliver to")
	}
	if err := deliver.DecodeConfig(raw, &cfg, `a folder destination has "path" and "overwrite"`, nil); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate checks the fields of the config without touching the disk; it
// fails with EINVALID naming the field. Whether the directory exists and is
// writable is checked when delivering, since a share may be mounted later.
func (c Config) Validate() error {
	switch {
	case strings.TrimSpace(c.Path) == "":
		return facteur.Errorf(facteur.EINVALID, "path: give the absolute path of the directory to deliver to")
	case strings.ContainsRune(c.Path, 0):
		return facteur.Errorf(facteur.EINVALID, "path: the path contains a NUL character")
	case !filepath.IsAbs(c.Path):
		return facteur.Errorf(facteur.EINVALID, "path: %q is not an absolute path; give the full path, such as /srv/exports", c.Path)
	}
	return deliver.CheckDirPath("path", c.Path)
}
