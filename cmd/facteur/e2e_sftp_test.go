package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// sftpEnv returns the test sshd's settings, failing when they are missing.
func sftpEnv(t *testing.T) (addr, user, password, dir string) {
	t.Helper()
	addr = os.Getenv("FACTEUR_TEST_SFTP_ADDR")
	if addr == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_SFTP_ADDR=skip")
	}
	if addr == "" {
		t.Fatal("FACTEUR_TEST_SFTP_ADDR is not set: run scripts/test.sh, or eval \"$(scripts/servers/sshd.sh)\"")
	}
	return addr, os.Getenv("FACTEUR_TEST_SFTP_USER"), os.Getenv("FACTEUR_TEST_SFTP_PASSWORD"), os.Getenv("FACTEUR_TEST_SFTP_DIR")
}

// TestSFTPThroughTheAPI: an SFTP destination created through the API
// records the server's host key on Send test, never shows its password or
// private key, and receives the file of Run now.
func TestSFTPThroughTheAPI(t *testing.T) {
	addr, user, password, dir := sftpEnv(t)
	host, port, _ := strings.Cut(addr, ":")
	n := startServe(t, t.TempDir())
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)

	var dest struct {
		ID         int64
		Config     map[string]any
		SecretsSet []string `json:"secrets_set"`
		PublicKey  string   `json:"public_key"`
	}
	var port64 int
	fmt.Sscan(port, &port64)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner SFTP", "kind": "sftp", "config": map[string]any{
		"host": host, "port": port64, "user": user, "password": password, "directory": dir}}, &dest)
	if _, shown := dest.Config["password"]; shown || len(dest.SecretsSet) != 1 || dest.SecretsSet[0] != "password" {
		t.Fatalf("created destination shows %+v", dest)
	}
	var test struct{ Location string }
	n.must(200, "POST", fmt.Sprintf("/api/v1/destinations/%d/test", dest.ID), nil, &test)
	if !strings.HasPrefix(test.Location, "sftp://"+user+"@") {
		t.Fatalf("test location %q", test.Location)
	}
	os.Remove(filepath.Join(dir, filepath.Base(test.Location)))
	n.must(200, "GET", fmt.Sprintf("/api/v1/destinations/%d", dest.ID), nil, &dest)
	if hk, _ := dest.Config["host_key"].(string); !strings.HasPrefix(hk, "ssh-") || dest.Config["password"] != nil {
		t.Fatalf("host key not recorded on first connection, or password shown: %+v", dest.Config)
	}

	name := fmt.Sprintf("items-%d.csv", os.Getpid())
	var sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": name, "calendar": map[string]any{"frequency": "daily"}}, &sc)
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	r := n.waitRun(run.ID)
	t.Cleanup(func() { os.Remove(filepath.Join(dir, name)) })
	got, err := os.ReadFile(filepath.Join(dir, name))
	if r.Status != facteur.RunSucceeded || err != nil || string(got) != "id,label\n1,one\n2,two\n" {
		t.Fatalf("run %s %s; file %q %v", r.Status, r.Error, got, err)
	}

	// A generated key pair: the public key is shown, the private key never.
	var keyed struct {
		Config    map[string]any
		PublicKey string `json:"public_key"`
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Keyed", "kind": "sftp", "generate_key": true,
		"config": map[string]any{"host": host, "port": port64, "user": user, "directory": dir}}, &keyed)
	if !strings.HasPrefix(keyed.PublicKey, "ssh-ed25519 ") || keyed.Config["private_key"] != nil {
		t.Fatalf("generated key: %+v", keyed)
	}
}
