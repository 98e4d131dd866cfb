package deliver

import (
	"context"
	"encoding/json"
	"net"
	"strconv"

	"github.com/facteur/facteur"
)

// kinds lists the destination kinds, for error messages.
const kinds = "folder, sftp, s3, webhook or email"

// Open returns the deliverer of a destination, after checking its kind and
// settings. It fails with EINVALID naming what to fix.
func Open(d *facteur.Destination, env Env) (facteur.Deliverer, error) {
	env.DestinationID, env.DestinationName = d.ID, d.Name
	switch d.Kind {
	case facteur.DestinationFolder:
		cfg, err := ParseFolderConfig(d.Config)
		if err != nil {
			return nil, err
		}
		return NewFolder(cfg)
	case facteur.DestinationSFTP:
		cfg, err := ParseSFTPConfig(d.Config)
		if err != nil {
			return nil, err
		}
		return NewSFTP(cfg, env)
	case facteur.DestinationS3:
		cfg, err := ParseS3Config(d.Config)
		if err != nil {
			return nil, err
		}
		return NewS3(cfg, env)
	case facteur.DestinationWebhook:
		cfg, err := ParseWebhookConfig(d.Config)
		if err != nil {
			return nil, err
		}
		return NewWebhook(cfg, env, env.Links)
	case facteur.DestinationEmail:
		cfg, err := ParseEmailConfig(d.Config)
		if err != nil {
			return nil, err
		}
		return NewEmail(cfg, env)
	case "":
		return nil, facteur.Errorf(facteur.EINVALID, "kind: choose the kind of destination: %s", kinds)
	}
	return nil, facteur.Errorf(facteur.EINVALID, "kind: unknown destination kind %q; use %s", d.Kind, kinds)
}

// Validator is implemented by deliverers whose settings can be checked
// without contacting anyone (a folder exists and is writable): the API
// runs it when a destination is saved. Remote destinations are not contacted on save, since the
// partner may not have authorised the key yet: Send test, or the first run,
// checks them.
type Validator interface {
	Validate(ctx context.Context) error
}

var (
	_ Validator = (*Folder)(nil)
)

// Validate reports whether the directory exists and is writable.
func (f *Folder) Validate(ctx context.Context) error { return f.checkDir() }

// PublicKey returns the public key a partner must authorise for a
// destination (the authorized_keys line of an SFTP destination's private
// key), or "" when it has none.
func PublicKey(d *facteur.Destination) string {
	if d.Kind != facteur.DestinationSFTP {
		return ""
	}
	cfg, err := ParseSFTPConfig(d.Config)
	if err != nil {
		return ""
	}
	key, _ := cfg.PublicKey()
	return key
}

// WithNewKey returns an SFTP destination's config with a newly generated
// Ed25519 private key, and the key's public half for the partner.
func WithNewKey(d *facteur.Destination) (json.RawMessage, string, error) {
	if d.Kind != facteur.DestinationSFTP {
		return nil, "", facteur.Errorf(facteur.EINVALID, "generate_key: only SFTP destinations use a key pair")
	}
	private, public, err := GenerateKeyPair()
	if err != nil {
		return nil, "", err
	}
	m := map[string]any{}
	if len(d.Config) > 0 {
		if err := json.Unmarshal(d.Config, &m); err != nil {
			return nil, "", facteur.Errorf(facteur.EINVALID, "config: not a JSON object")
		}
	}
	m["private_key"] = private
	config, err := json.Marshal(m)
	return config, public, err
}

// Endpoints returns the network addresses a destination connects to, as
// URLs, so that the outbound policy can check them when it is saved (the
// dialer checks them again at every connection).
func Endpoints(d *facteur.Destination) []string {
	switch d.Kind {
	case facteur.DestinationSFTP:
		if cfg, err := ParseSFTPConfig(d.Config); err == nil {
			port := cfg.Port
			if port == 0 {
				port = sftpDefaultPort
			}
			return []string{"https://" + net.JoinHostPort(cfg.Host, strconv.Itoa(port))}
		}
	case facteur.DestinationS3:
		if cfg, err := ParseS3Config(d.Config); err == nil && cfg.Endpoint != "" {
			return []string{cfg.Endpoint}
		}
	case facteur.DestinationWebhook:
		if cfg, err := ParseWebhookConfig(d.Config); err == nil {
			return []string{cfg.URL}
		}
	}
	return nil
}

// Recipients returns the addresses an e-mail destination sends to, and
// nil for other kinds, so that the policy's recipient rule can be applied
// by whoever saves, tests or runs it.
func Recipients(d *facteur.Destination) ([]string, error) {
	if d.Kind != facteur.DestinationEmail {
		return nil, nil
	}
	c, err := ParseEmailConfig(d.Config)
	if err != nil {
		return nil, err
	}
	return c.To, nil
}
