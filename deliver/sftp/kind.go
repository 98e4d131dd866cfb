package sftp

import (
	"encoding/json"
	"net"
	"strconv"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Kind is the registration of SFTP destinations (D3).
func Kind() deliver.Kind {
	return deliver.Kind{
		Name: facteur.DestinationSFTP,
		Help: "a directory on a partner's SSH server",
		Fields: []deliver.Field{
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
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			cfg, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return New(cfg, env)
		},
		Endpoints: func(config json.RawMessage) []string {
			cfg, err := ParseConfig(config)
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
			cfg, err := ParseConfig(config)
			if err != nil {
				return ""
			}
			return cfg.User + "@" + cfg.Host + ":" + cfg.Directory
		},
		PublicKey: func(config json.RawMessage) string {
			cfg, err := ParseConfig(config)
			if err != nil {
				return ""
			}
			key, _ := cfg.PublicKey()
			return key
		},
		NewKey: withNewKey,
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
