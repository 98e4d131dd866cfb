package deliver

import (
	"encoding/json"

	"github.com/facteur/facteur"
)

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
