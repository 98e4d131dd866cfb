package gcs

import (
	"encoding/json"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Endpoints of Google's public APIs a destination connects to, for the
// outbound policy.
const (
	publicEndpoint = "https://storage.googleapis.com"
	tokenEndpoint  = "https://oauth2.googleapis.com"
)

// Kind is the registration of Cloud Storage destinations (D7).
func Kind() deliver.Kind {
	return deliver.Kind{
		Name: facteur.DestinationGCS,
		Help: "a bucket of Google Cloud Storage",
		Fields: []deliver.Field{
			{Name: "bucket", Type: "text", Help: "Bucket", Required: true},
			{Name: "prefix", Type: "text", Help: "Prefix"},
			{Name: "credentials_json", Type: "textarea", Help: "Service account JSON key (empty: the server's default credentials)", Secret: true},
			{Name: "endpoint", Type: "text", Help: "Endpoint (a private endpoint or an emulator)"},
			{Name: "overwrite", Type: "checkbox", Help: "Overwrite a different file of the same name"},
		},
		FileStorage: true, Overwrite: true, Metadata: true,
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			cfg, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return New(cfg, env)
		},
		Where: func(config json.RawMessage) string {
			if cfg, err := ParseConfig(config); err == nil {
				return "gs://" + cfg.Bucket + "/" + cfg.Prefix
			}
			return ""
		},
		Endpoints: func(config json.RawMessage) []string {
			cfg, err := ParseConfig(config)
			switch {
			case err != nil:
				return nil
			case cfg.Endpoint != "":
				return []string{cfg.Endpoint}
			}
			return []string{publicEndpoint, tokenEndpoint}
		},
	}
}
