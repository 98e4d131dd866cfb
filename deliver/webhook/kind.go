package webhook

import (
	"encoding/json"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Kind is the registration of webhook destinations (D6).
func Kind() deliver.Kind {
	return deliver.Kind{
		Name: facteur.DestinationWebhook,
		Help: "a signed POST to a partner's HTTP(S) endpoint",
		Fields: []deliver.Field{
			{Name: "url", Type: "text", Help: "URL", Required: true},
			{Name: "secret", Type: "password", Help: "Signing secret", Secret: true, Required: true},
			{Name: "mode", Type: "select", Options: []string{"file", "json"}, Help: "What is posted"},
			{Name: "timeout", Type: "number", Help: "Timeout (seconds)"},
			{Name: "headers", Type: "headers", Help: "Headers", Secret: true},
		},
		FileStorage: true, Metadata: true,
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			cfg, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return New(cfg, env, env.Links)
		},
		Where: func(config json.RawMessage) string {
			if cfg, err := ParseConfig(config); err == nil {
				return cfg.URL
			}
			return ""
		},
		Endpoints: func(config json.RawMessage) []string {
			if cfg, err := ParseConfig(config); err == nil {
				return []string{cfg.URL}
			}
			return nil
		},
	}
}
