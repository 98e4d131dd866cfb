package sftp

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// SFTP defaults.
const (
	sftpDefaultPort    = 22
	sftpDefaultTimeout = 30 * time.Second
	sftpMaxTimeout     = 3600 // seconds
	keyComment         = "facteur"
)

// Config is the JSON config of an "sftp" destination (PRODUCT D3): a
// directory on a partner's SSH server.
type Config struct {
	// Host is the server's host name or IP address. Required.
	Host string `json:"host"`
	// Port is the server's SSH port. Default 22.
	Port int `json:"port,omitempty"`
	// User is the login. Required.
	User string `json:"user"`
	// Password logs in with a password. Secret: never returned by the API.
	Password string `json:"password,omitempty" secret:"true"`
	// PrivateKey logs in with a key: an unencrypted private key in OpenSSH
	// PEM form (see GenerateKeyPair). Secret. At least one of Password and
	// PrivateKey is required; with both, the key is tried first.
	PrivateKey string `json:"private_key,omitempty" secret:"true"`
	// HostKey is the server's public host key in authorized_keys form
	// ("ssh-ed25519 AAAA…"). Only that key is accepted. Empty: the key the
	// server presents on the first successful login is recorded here.
	HostKey string `json:"host_key,omitempty"`
	// Directory is the absolute path, on the server, of the directory files
	// are delivered to. Required. It must exist and be writable by User;
	// Facteur never creates it.
	Directory string `json:"directory"`
	// Overwrite replaces an existing file of the same name whose content
	// differs. Default false: such a delivery fails with ECONFLICT.
	Overwrite bool `json:"overwrite"`
	// Timeout, in seconds, bounds connecting and logging in, and any wait
	// for the server during a transfer. Default 30.
	Timeout int `json:"timeout,omitempty"`
}

// ParseConfig decodes the config of an SFTP destination and validates
// it. It fails with EINVALID naming the field at fault, also for a field it
// does not know.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, facteur.Errorf(facteur.EINVALID, "host: give the host name or IP address of the SFTP server")
	}
	if err := deliver.DecodeConfig(raw, &cfg, "an SFTP destination has host, port, user, password, private_key, host_key, directory, overwrite and timeout", nil); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate checks the fields of the config without connecting; it fails
// with EINVALID naming the field.
func (c Config) Validate() error {
	host := strings.TrimSpace(c.Host)
	switch {
	case host == "":
		return facteur.Errorf(facteur.EINVALID, "host: give the host name or IP address of the SFTP server")
	case strings.Contains(host, "://"):
		return facteur.Errorf(facteur.EINVALID, "host: give the host name alone, such as sftp.example.com, without %q", host[:strings.Index(host, "://")+3])
	case strings.ContainsAny(host, " /@\t\r\n\x00") || (strings.Contains(host, ":") && net.ParseIP(host) == nil):
		return facteur.Errorf(facteur.EINVALID, "host: %q is not a host name or IP address; give the port in \"port\"", c.Host)
	case !facteur.IsHostName(host):
		return facteur.Errorf(facteur.EINVALID, "host: %q is not a host name or IP address: use letters, digits, dots and dashes, not starting with a dash (e.g. sftp.example.com)", c.Host)
	case c.Port < 0 || c.Port > 65535:
		return facteur.Errorf(facteur.EINVALID, "port: %d is not a port number; the SSH port is usually 22", c.Port)
	case strings.TrimSpace(c.User) == "":
		return facteur.Errorf(facteur.EINVALID, "user: give the user name to log in as")
	case strings.ContainsAny(c.User, "\x00\r\n"):
		return facteur.Errorf(facteur.EINVALID, "user: the user name contains a control character")
	case c.Password == "" && c.PrivateKey == "":
		return facteur.Errorf(facteur.EINVALID, "password: give a password or a private_key to log in with")
	case strings.TrimSpace(c.Directory) == "":
		return facteur.Errorf(facteur.EINVALID, "directory: give the absolute path of the directory on the server, such as /upload")
	case strings.ContainsRune(c.Directory, 0):
		return facteur.Errorf(facteur.EINVALID, "directory: the path contains a NUL character")
	case !strings.HasPrefix(c.Directory, "/"):
		return facteur.Errorf(facteur.EINVALID, "directory: %q is not an absolute path; give the full path on the server, such as /upload", c.Directory)
	case c.Timeout < 0 || c.Timeout > sftpMaxTimeout:
		return facteur.Errorf(facteur.EINVALID, "timeout: give a number of seconds between 1 and %d, or leave it out for %d", sftpMaxTimeout, int(sftpDefaultTimeout/time.Second))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"user", c.User, 256}, {"password", c.Password, 1024}, {"private_key", c.PrivateKey, 16 << 10}, {"host_key", c.HostKey, 16 << 10}} {
		if len(f.v) > f.max {
			return facteur.Errorf(facteur.EINVALID, "%s: at most %d bytes (this one has %d)", f.name, f.max, len(f.v))
		}
	}
	if err := deliver.CheckDirPath("directory", c.Directory); err != nil {
		return err
	}
	if c.PrivateKey != "" {
		if _, err := c.signer(); err != nil {
			return err
		}
	}
	if c.HostKey != "" {
		if _, err := parseHostKey(c.HostKey); err != nil {
			return err
		}
	}
	return nil
}

// addr returns host:port, with the default port.
func (c Config) addr() string {
	port := c.Port
	if port == 0 {
		port = sftpDefaultPort
	}
	return net.JoinHostPort(strings.TrimSpace(c.Host), strconv.Itoa(port))
}

// timeout returns the configured timeout, or the default.
func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return sftpDefaultTimeout
	}
	return time.Duration(c.Timeout) * time.Second
}

// dir returns the cleaned directory path.
func (c Config) dir() string { return path.Clean(c.Directory) }

// signer parses the private key; it fails with EINVALID.
func (c Config) signer() (ssh.Signer, error) {
	s, err := ssh.ParsePrivateKey([]byte(c.PrivateKey))
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, facteur.Errorf(facteur.EINVALID, "private_key: the key is protected by a passphrase; give a key without one (Facteur can generate one)")
	case err != nil:
		return nil, facteur.WrapError(facteur.EINVALID, err, "private_key: not a private key in OpenSSH PEM form (-----BEGIN OPENSSH PRIVATE KEY-----)")
	}
	return s, nil
}

// PublicKey returns the authorized_keys line of the config's private key,
// with the comment "facteur", to give to the partner; "" when the config
// has no private key. It fails with EINVALID when the key does not parse.
func (c Config) PublicKey() (string, error) {
	if c.PrivateKey == "" {
		return "", nil
	}
	s, err := c.signer()
	if err != nil {
		return "", err
	}
	return authorizedKey(s.PublicKey()), nil
}

// GenerateKeyPair returns a new Ed25519 private key (OpenSSH PEM) and its
// public key in authorized_keys format with comment "facteur".
func GenerateKeyPair() (privatePEM, authorizedKeyLine string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, keyComment)
	if err != nil {
		return "", "", fmt.Errorf("encode private key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", "", fmt.Errorf("encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(block)), authorizedKey(sshPub), nil
}

// authorizedKey renders a public key as an authorized_keys line.
func authorizedKey(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + keyComment
}

// parseHostKey reads a host key in authorized_keys form, or as a
// known_hosts line; it fails with EINVALID.
func parseHostKey(s string) (ssh.PublicKey, error) {
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err == nil {
		return k, nil
	}
	if _, _, k, _, _, err2 := ssh.ParseKnownHosts([]byte(s)); err2 == nil {
		return k, nil
	}
	return nil, facteur.WrapError(facteur.EINVALID, err, "host_key: not a public key such as \"ssh-ed25519 AAAA…\" (the server's /etc/ssh/ssh_host_ed25519_key.pub, or ssh-keyscan's output); leave it empty to record the key on the first connection")
}
