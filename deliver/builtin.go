package deliver

import (
	"encoding/json"
	"net"
	"strconv"

	"github.com/facteur/facteur"
)

// SFTPKind is the registration of SFTP destinations (D3).
func SFTPKind() Kind {
	return Kind{
		Name: facteur.DestinationSFTP,
		Help: "a directory on a partner's SSH server",
		Fields: []Field{
			{Name: "host", Type: "text", Help: "Host", Required: true},
			{Name: "port", Type: "number", Help: "Port"},
			{Name: "user", Type: "text", Help: "User", Required: true},
			{Name: "password", Type: "password", Help: "Password", Secret: true},
			{Name: "private_key", Type: "textarea", Help: "Private key", Secret: true},
			{Name: "host_key", Type: "text", Help: "Host key"},
			{Name: "directory", Type: "text", Help: "Directory", Required: true},
			{Name: "overwrite", Type: "checkbox", Help: "Overwrite a different file of the same name"},
			{Name: "timeout", Type: "number", Help: "Timeout (seconds)"},
		},
		FileStorage: true, Overwrite: true, TempNames: true,
		Open: func(config json.RawMessage, env Env) (facteur.Deliverer, error) {
			cfg, err := ParseSFTPConfig(config)
			if err != nil {
				return nil, err
			}
			return NewSFTP(cfg, env)
		},
		Endpoints: func(config json.RawMessage) []string {
			cfg, err := ParseSFTPConfig(config)
			if err != nil {
				return nil
			}
			port := cfg.Port
			if port == 0 {
				port = sftpDefaultPort
			}
			return []string{"https://" + net.JoinHostPort(cfg.Host, strconv.Itoa(port))}
		},
		Where: func(config json.RawMessage) string {
			cfg, err := ParseSFTPConfig(config)
			if err != nil {
				return ""
			}
			return cfg.User + "@" + cfg.Host + ":" + cfg.Directory
		},
		PublicKey: func(config json.RawMessage) string {
			cfg, err := ParseSFTPConfig(config)
			if err != nil {
				return ""
			}
			key, _ := cfg.PublicKey()
			return key
		},
		NewKey: withNewKey,
	}
}

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

// withNewKey returns an SFTP config with a newly generated Ed25519 private
// key, and the key's public half.
func withNewKey(config json.RawMessage) (json.RawMessage, string, error) {
	private, public, err := GenerateKeyPair()
	if err != nil {
		return nil, "", err
	}
	m := map[string]any{}
	if len(config) > 0 {
		if err := json.Unmarshal(config, &m); err != nil {
			return nil, "", facteur.Errorf(facteur.EINVALID, "config: not a JSON object")
		}
	}
	m["private_key"] = private
	out, err := json.Marshal(m)
	return out, public, err
}
