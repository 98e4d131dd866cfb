package sftp_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/sftp"
)

func TestParseSFTPConfig(t *testing.T) {
	t.Parallel()
	key, pub, err := sftp.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	keyJSON, _ := json.Marshal(key)
	pubJSON, _ := json.Marshal(pub)
	tests := []struct {
		name, json string
		want       string // "" for valid, else the start of the message
	}{
		{"password", `{"host":"sftp.example.com","user":"u","password":"p","directory":"/in"}`, ""},
		{"key and port", `{"host":"192.0.2.1","port":2222,"user":"u","private_key":` + string(keyJSON) + `,"directory":"/in","overwrite":true,"timeout":5}`, ""},
		{"both and host key", `{"host":"::1","user":"u","password":"p","private_key":` + string(keyJSON) + `,"host_key":` + string(pubJSON) + `,"directory":"/"}`, ""},
		{"known_hosts host key", `{"host":"h","user":"u","password":"p","directory":"/in","host_key":"h ` + strings.TrimSuffix(pub, " facteur") + `"}`, ""},
		{"empty", ``, "host:"},
		{"no host", `{"user":"u","password":"p","directory":"/in"}`, "host:"},
		{"url host", `{"host":"sftp://h","user":"u","password":"p","directory":"/in"}`, "host: give the host name alone"},
		{"host with port", `{"host":"h:22","user":"u","password":"p","directory":"/in"}`, "host:"},
		{"host like an option", `{"host":"-oProxyCommand=sh","user":"u","password":"p","directory":"/in"}`, "host: \"-oProxyCommand=sh\" is not a host name"},
		{"host with an empty label", `{"host":"a..example","user":"u","password":"p","directory":"/in"}`, "host:"},
		{"bad port", `{"host":"h","port":70000,"user":"u","password":"p","directory":"/in"}`, "port:"},
		{"port as text", `{"host":"h","port":"22","user":"u","password":"p","directory":"/in"}`, "port: expected a whole number"},
		{"no user", `{"host":"h","password":"p","directory":"/in"}`, "user:"},
		{"no credentials", `{"host":"h","user":"u","directory":"/in"}`, "password: give a password or a private_key"},
		{"bad key", `{"host":"h","user":"u","private_key":"ssh-ed25519 AAAA","directory":"/in"}`, "private_key:"},
		{"bad host key", `{"host":"h","user":"u","password":"p","host_key":"nope","directory":"/in"}`, "host_key:"},
		{"no directory", `{"host":"h","user":"u","password":"p"}`, "directory:"},
		{"relative directory", `{"host":"h","user":"u","password":"p","directory":"in"}`, "directory: \"in\" is not an absolute path"},
		{"negative timeout", `{"host":"h","user":"u","password":"p","directory":"/in","timeout":-1}`, "timeout:"},
		{"unknown field", `{"host":"h","user":"u","password":"p","directory":"/in","path":"/x"}`, "path: unknown field"},
		{"two objects", `{"host":"h","user":"u","password":"p","directory":"/in"}{}`, "config:"},
		{"not JSON", `{"host":`, "config:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := sftp.ParseConfig(json.RawMessage(tc.json))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ParseConfig: %v", err)
				}
				if _, err := sftp.New(cfg, deliver.Env{}); err != nil {
					t.Errorf("New: %v", err)
				}
				return
			}
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("error %v, want code invalid", err)
			}
			if msg := facteur.ErrorMessage(err); !strings.HasPrefix(msg, tc.want) {
				t.Errorf("message %q, want it to start with %q", msg, tc.want)
			}
		})
	}
}

// A passphrase-protected key is refused with a message saying so.
func TestSFTPConfigPassphraseKey(t *testing.T) {
	t.Parallel()
	_, priv, err := ed25519Key()
	if err != nil {
		t.Fatal(err)
	}
	cfg := sftp.Config{Host: "h", User: "u", PrivateKey: priv, Directory: "/in"}
	err = cfg.Validate()
	if msg := facteur.ErrorMessage(err); !strings.Contains(msg, "passphrase") {
		t.Errorf("Validate: %v, want a message about the passphrase", err)
	}
}

func TestGenerateKeyPair(t *testing.T) {
	t.Parallel()
	priv, pub, err := sftp.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n") {
		t.Errorf("private key is not OpenSSH PEM: %.40q", priv)
	}
	if !strings.HasPrefix(pub, "ssh-ed25519 AAAA") || !strings.HasSuffix(pub, " facteur") || strings.Contains(pub, "\n") {
		t.Errorf("public key %q, want one authorized_keys line ending in the comment facteur", pub)
	}
	k, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(pub))
	if err != nil || comment != "facteur" {
		t.Fatalf("ParseAuthorizedKey(%q) = comment %q, %v", pub, comment, err)
	}
	signer, err := ssh.ParsePrivateKey([]byte(priv))
	if err != nil {
		t.Fatal(err)
	}
	if string(signer.PublicKey().Marshal()) != string(k.Marshal()) {
		t.Error("the public key is not the private key's")
	}
	got, err := sftp.Config{PrivateKey: priv}.PublicKey()
	if err != nil || got != pub {
		t.Errorf("PublicKey() = %q, %v; want %q", got, err, pub)
	}
	if got, err := (sftp.Config{Password: "p"}).PublicKey(); got != "" || err != nil {
		t.Errorf("PublicKey() without a key = %q, %v; want \"\"", got, err)
	}
	priv2, _, _ := sftp.GenerateKeyPair()
	if priv2 == priv {
		t.Error("two calls generated the same key")
	}
}

// ed25519Key returns a new Ed25519 private key in OpenSSH PEM form,
// protected by a passphrase.
func ed25519Key() (ed25519.PublicKey, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		return nil, "", err
	}
	return pub, string(pem.EncodeToMemory(block)), nil
}
