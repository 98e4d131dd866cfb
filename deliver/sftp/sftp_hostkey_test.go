package sftp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/delivertest"
	"github.com/facteur/facteur/deliver/sftp"
)

// fingerprint returns the SHA256:… fingerprint of a public key line.
func fingerprint(t *testing.T, line string) string {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		t.Fatalf("parse key %q: %v", line, err)
	}
	return ssh.FingerprintSHA256(k)
}

// A server presenting another key than the pinned one is refused, with the
// fingerprints of both, and nothing is delivered.
func TestSFTPHostKeyChanged(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	_, pinned, err := sftp.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.config(t, dir)
	cfg.HostKey = pinned
	d := newSFTP(t, cfg, deliver.Env{SaveConfig: func(context.Context, int64, json.RawMessage) error {
		t.Error("SaveConfig called with a pinned host key")
		return nil
	}})

	_, err = d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	want := "Host key changed: the server at " + cfg.Host + ":" + srv.port + " presented ssh-ed25519 " + fingerprint(t, srv.hostKey) +
		" but " + fingerprint(t, pinned) + " is pinned. If the partner really changed it, update the destination's host key."
	wantError(t, err, facteur.EUNAUTHORIZED, false, want)
	wantError(t, d.Check(t.Context()), facteur.EUNAUTHORIZED, false, want)
	_, err = d.Test(t.Context())
	wantError(t, err, facteur.EUNAUTHORIZED, false, want)
	if files := remoteFiles(t, srv.client(t), dir); len(files) != 0 {
		t.Errorf("%d files delivered to a server with the wrong host key", len(files))
	}
	if got := d.HostKey(); fingerprint(t, got) != fingerprint(t, pinned) {
		t.Errorf("HostKey() = %q, want the pinned key", got)
	}
}

// Without a host key, the first successful login records the server's key
// and saves the config with it, secrets included; later logins require it.
func TestSFTPHostKeyPinnedOnFirstUse(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	cfg := srv.config(t, dir)
	cfg.HostKey = ""
	var (
		mu    sync.Mutex
		saved []json.RawMessage
	)
	env := deliver.Env{DestinationID: 42, SaveConfig: func(_ context.Context, id int64, config json.RawMessage) error {
		mu.Lock()
		defer mu.Unlock()
		if id != 42 {
			t.Errorf("SaveConfig(id=%d), want 42", id)
		}
		saved = append(saved, config)
		return nil
	}}
	d := newSFTP(t, cfg, env)
	if d.HostKey() != "" {
		t.Errorf("HostKey() = %q before any login", d.HostKey())
	}
	for range 3 {
		if _, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n"))); err != nil {
			t.Fatal(err)
		}
	}
	if len(saved) != 1 {
		t.Fatalf("SaveConfig called %d times, want once", len(saved))
	}
	got, err := sftp.ParseConfig(saved[0])
	if err != nil {
		t.Fatalf("the saved config does not parse: %v\n%s", err, saved[0])
	}
	want := cfg
	want.HostKey = got.HostKey
	if got != want {
		t.Errorf("saved config = %+v\nwant %+v", got, want)
	}
	if fingerprint(t, got.HostKey) != fingerprint(t, srv.hostKey) {
		t.Errorf("saved host_key %q, want the server's %q", got.HostKey, srv.hostKey)
	}
	if d.HostKey() != got.HostKey {
		t.Errorf("HostKey() = %q, want %q", d.HostKey(), got.HostKey)
	}
	var m map[string]any
	if err := json.Unmarshal(saved[0], &m); err != nil {
		t.Fatal(err)
	}
	if m["password"] != srv.password {
		t.Errorf("saved JSON lost the password: %s", saved[0])
	}
}

// A host key that cannot be recorded fails the delivery before anything
// is sent, and is tried again the next time.
func TestSFTPHostKeySaveFails(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	dir := srv.newRemoteDir(t)
	cfg := srv.keyConfig(dir)
	cfg.HostKey = ""
	fail := true
	d := newSFTP(t, cfg, deliver.Env{SaveConfig: func(context.Context, int64, json.RawMessage) error {
		if fail {
			return errors.New("database is locked")
		}
		return nil
	}})
	_, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n")))
	wantError(t, err, facteur.EUNAVAILABLE, true, "Cannot record the host key")
	if files := remoteFiles(t, srv.client(t), dir); len(files) != 0 {
		t.Errorf("%d files delivered although the host key was not recorded", len(files))
	}
	if d.HostKey() != "" {
		t.Errorf("HostKey() = %q after a failed save", d.HostKey())
	}
	fail = false
	if _, err := d.Deliver(t.Context(), delivertest.NewArtifact(t, "a.csv", []byte("x\n"))); err != nil {
		t.Fatal(err)
	}
	if d.HostKey() == "" {
		t.Error("HostKey() is empty after a successful save")
	}
}

// A server that no longer offers the pinned key's type is refused too.
func TestSFTPHostKeyTypeGone(t *testing.T) {
	t.Parallel()
	srv := testSFTPServer(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.keyConfig(srv.dir)
	cfg.HostKey = string(ssh.MarshalAuthorizedKey(pub))
	err = newSFTP(t, cfg, deliver.Env{}).Check(t.Context())
	wantError(t, err, facteur.EUNAUTHORIZED, false, "Host key changed: the server at "+cfg.Host+":"+srv.port+" has no ssh-rsa host key any more (it offers ssh-ed25519), and "+ssh.FingerprintSHA256(pub)+" is pinned.")
}
