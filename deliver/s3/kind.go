package s3

import (
	"encoding/json"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Kind is the registration of S3 destinations (D4).
func Kind() deliver.Kind {
	return deliver.Kind{
		Name: facteur.DestinationS3,
		Help: "a bucket of Amazon S3 or an S3-compatible store",
		Fields: []deliver.Field{
			{Name: "bucket", Type: "text", Help: "Bucket", Required: true},
			{Name: "prefix", Type: "text", Help: "Prefix"},
			{Name: "region", Type: "text", Help: "Region"},
			{Name: "endpoint", Type: "text", Help: "Endpoint"},
			{Name: "access_key_id", Type: "text", Help: "Access key ID", Required: true},
			{Name: "secret_access_key", Type: "password", Help: "Secret access key", Secret: true, Required: true},
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
				return "s3://" + cfg.Bucket + "/" + cfg.Prefix
			}
			return ""
		},
		Endpoints: func(config json.RawMessage) []string {
			if cfg, err := ParseConfig(config); err == nil && cfg.Endpoint != "" {
				return []string{cfg.Endpoint}
			}
			return nil
		},
	}
}
