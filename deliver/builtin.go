package deliver

import (
	"encoding/json"

	"github.com/facteur/facteur"
)

// S3Kind is the registration of S3 destinations (D4).
func S3Kind() Kind {
	return Kind{
		Name: facteur.DestinationS3,
		Help: "a bucket of Amazon S3 or an S3-compatible store",
		Fields: []Field{
			{Name: "bucket", Type: "text", Help: "Bucket", Required: true},
			{Name: "prefix", Type: "text", Help: "Prefix"},
			{Name: "region", Type: "text", Help: "Region"},
			{Name: "endpoint", Type: "text", Help: "Endpoint"},
			{Name: "access_key_id", Type: "text", Help: "Access key ID", Required: true},
			{Name: "secret_access_key", Type: "password", Help: "Secret access key", Secret: true, Required: true},
			{Name: "overwrite", Type: "checkbox", Help: "Overwrite a different file of the same name"},
		},
		FileStorage: true, Overwrite: true, Metadata: true,
		Open: func(config json.RawMessage, env Env) (facteur.Deliverer, error) {
			cfg, err := ParseS3Config(config)
			if err != nil {
				return nil, err
			}
			return NewS3(cfg, env)
		},
		Where: func(config json.RawMessage) string {
			if cfg, err := ParseS3Config(config); err == nil {
				return "s3://" + cfg.Bucket + "/" + cfg.Prefix
			}
			return ""
		},
		Endpoints: func(config json.RawMessage) []string {
			if cfg, err := ParseS3Config(config); err == nil && cfg.Endpoint != "" {
				return []string{cfg.Endpoint}
			}
			return nil
		},
	}
}

// WebhookKind is the registration of webhook destinations (D6).
func WebhookKind() Kind {
	return Kind{
		Name: facteur.DestinationWebhook,
		Help: "a signed POST to a partner's HTTP(S) endpoint",
		Fields: []Field{
			{Name: "url", Type: "text", Help: "URL", Required: true},
			{Name: "secret", Type: "password", Help: "Signing secret", Secret: true, Required: true},
			{Name: "mode", Type: "select", Options: []string{"file", "json"}, Help: "What is posted"},
			{Name: "timeout", Type: "number", Help: "Timeout (seconds)"},
			{Name: "headers", Type: "headers", Help: "Headers", Secret: true},
		},
		FileStorage: true, Metadata: true,
		Open: func(config json.RawMessage, env Env) (facteur.Deliverer, error) {
			cfg, err := ParseWebhookConfig(config)
			if err != nil {
				return nil, err
			}
			return NewWebhook(cfg, env, env.Links)
		},
		Where: func(config json.RawMessage) string {
			if cfg, err := ParseWebhookConfig(config); err == nil {
				return cfg.URL
			}
			return ""
		},
		Endpoints: func(config json.RawMessage) []string {
			if cfg, err := ParseWebhookConfig(config); err == nil {
				return []string{cfg.URL}
			}
			return nil
		},
	}
}
