package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsAtRest: a source's password never reaches the database file
// in clear, the key file is private, and a wrong key stops the start.
func TestSecretsAtRest(t *testing.T) {
	data := t.TempDir()
	n := startServe(t, data)
	const canary = "CANARY-pw-93b1"
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "crm", "dsn": "postgres://reader:" + canary + "@db.example.org/crm"}, nil)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "hook", "kind": "webhook", "config": map[string]any{"url": "https://hooks.example.org/in", "secret": canary + "-webhook"}}, nil)
	n.stop()
	if !strings.Contains(n.out.String(), "Created the secret key") {
		t.Errorf("first start did not say it created the key:\n%s", n.out)
	}
	fi, err := os.Stat(filepath.Join(data, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v %v", fi, err)
	}
	for _, f := range []string{"facteur.db", "facteur.db-wal"} {
		if b, _ := os.ReadFile(filepath.Join(data, f)); strings.Contains(string(b), canary) {
			t.Fatalf("%s holds a password in clear", f)
		}
	}

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), "FACTEUR_SECRET_KEY=d3JvbmcgYnV0IHdlbGwgZm9ybWVkIDMyLWJ5dGUgayE=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not the one this database's secrets were encrypted with") {
		t.Fatalf("start with a wrong key: %v\n%s", err, out)
	}
	n = startServe(t, data) // the right key, from secret.key
	var srcs []map[string]any
	n.must(200, "GET", "/api/v1/sources", nil, &srcs)
	if len(srcs) != 1 || strings.Contains(srcs[0]["dsn"].(string), canary) {
		t.Fatalf("sources after restart: %v", srcs)
	}
}

// TestSecretsRotate: `facteur secrets rotate` encrypts every credential
// again under a new key file; Facteur starts with it and reads them.
func TestSecretsRotate(t *testing.T) {
	data := t.TempDir()
	n := startServe(t, data)
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "crm", "dsn": "postgres://reader:pw@db.example.org/crm"}, nil)
	n.stop()
	before, _ := os.ReadFile(filepath.Join(data, "secret.key"))

	out, err := exec.Command(bin, "secrets", "rotate", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "credentials again under the new key") {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	after, _ := os.ReadFile(filepath.Join(data, "secret.key"))
	if string(before) == string(after) {
		t.Fatal("the key file did not change")
	}
	if _, err := os.Stat(filepath.Join(data, "secret.key.new")); !os.IsNotExist(err) {
		t.Fatalf("secret.key.new left behind: %v", err)
	}
	// The old key no longer opens the store.
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), "FACTEUR_SECRET_KEY="+strings.TrimSpace(string(before)))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "not the one") {
		t.Fatalf("the old key still starts Facteur: %v\n%s", err, out)
	}
	n = startServe(t, data)
	var srcs []map[string]any
	n.must(200, "GET", "/api/v1/sources", nil, &srcs)
	if len(srcs) != 1 || srcs[0]["dsn"] != "postgres://reader:xxxxx@db.example.org/crm" {
		t.Fatalf("sources after rotation: %v", srcs)
	}
}
