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
