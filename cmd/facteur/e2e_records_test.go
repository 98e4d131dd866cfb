package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
	"github.com/facteur/facteur/store"
)

// crashBin is facteur built with the facteurcrash tag: FACTEUR_TEST_CRASH_AT
// names an audited action at which it kills itself (SIGKILL) just before
// writing the action's audit entry.
var crashBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "facteur-crash-bin-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "facteur")
	if out, err := exec.Command("go", "build", "-tags", "facteurcrash", "-o", path, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build facteur with facteurcrash: %v\n%s", err, out)
	}
	return path, nil
})

// TestAuditCommitsWithChange kills the server (SIGKILL) after an audited
// action has made its change and before its audit entry is written: after
// a restart there is neither the change nor the entry. Done again without
// the kill, there are both.
func TestAuditCommitsWithChange(t *testing.T) {
	crash, err := crashBin()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	srcPath := filepath.Join(data, "src.db")
	sdb, err := sql.Open("sqlite", srcPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec("CREATE TABLE items (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	outbox := t.TempDir()

	n := startServe(t, data)
	token := n.token
	var src, kept struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "src", "dsn": "sqlite:" + srcPath}, &src)
	report := func(name string) map[string]any {
		return map[string]any{"name": name, "source_id": src.ID, "table": "items", "fields": []map[string]any{{"name": "id"}}}
	}
	n.must(201, "POST", "/api/v1/reports", report("to delete"), &kept)
	n.stop()

	type action struct {
		audit, method, path string
		body                any
		// done reports whether the change is in the store.
		done func(n *node) bool
	}
	named := func(list, name string) func(n *node) bool {
		return func(n *node) bool {
			var objs []struct{ Name string }
			n.must(200, "GET", list, nil, &objs)
			for _, o := range objs {
				if o.Name == name {
					return true
				}
			}
			return false
		}
	}
	for _, a := range []action{
		{"report.create", "POST", "/api/v1/reports", report("new report"), named("/api/v1/reports", "new report")},
		{"destination.create", "POST", "/api/v1/destinations",
			map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, named("/api/v1/destinations", "drop")},
		{"report.delete", "DELETE", fmt.Sprintf("/api/v1/reports/%d", kept.ID), nil,
			func(n *node) bool { return !named("/api/v1/reports", "to delete")(n) }},
	} {
		entries := func(n *node) int {
			var list []json.RawMessage
			n.must(200, "GET", "/api/v1/audit?action="+a.audit, nil, &list)
			return len(list)
		}
		body, _ := json.Marshal(a.body)
		send := func(n *node) (*http.Response, error) {
			req, _ := http.NewRequest(a.method, n.base+a.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			return http.DefaultClient.Do(req)
		}

		n := startServe(t, data)
		before := entries(n)
		n.stop()

		c := startBinary(t, crash, data, []string{"FACTEUR_TEST_CRASH_AT=" + a.audit})
		if resp, err := send(c); err == nil {
			resp.Body.Close()
			t.Fatalf("%s: answered %d; the server should have died before answering", a.audit, resp.StatusCode)
		}
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the server did not die", a.audit)
		}

		n = startServe(t, data)
		if done, audited := a.done(n), entries(n)-before; done || audited != 0 {
			t.Fatalf("%s killed before its audit entry: change in the store %v, %d audit entries; want neither", a.audit, done, audited)
		}
		resp, err := send(n)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s: %d", a.audit, resp.StatusCode)
		}
		if done, audited := a.done(n), entries(n)-before; !done || audited != 1 {
			t.Fatalf("%s: change in the store %v, %d audit entries; want both", a.audit, done, audited)
		}
		n.stop()
	}
}

// TestRotateRefusedWhileServing: `facteur secrets rotate` refuses while a
// node serves and writes credentials, and changes nothing: the key files
// stay, and every credential reads with the key the node has.
func TestRotateRefusedWhileServing(t *testing.T) {
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data)
	keyBefore, _ := os.ReadFile(filepath.Join(data, "secret.key"))
	stop := make(chan struct{})
	wrote := make(chan int)
	go func() { // a user saving credentials meanwhile
		i := 0
		defer func() { wrote <- i }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			body, _ := json.Marshal(map[string]any{"name": fmt.Sprint("drop ", i), "kind": "folder",
				"config": map[string]any{"path": outbox}})
			req, _ := http.NewRequest("POST", n.base+"/api/v1/destinations", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+n.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			if resp.StatusCode == 201 {
				i++
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // some writes before the rotation; not an assertion
	out, err := exec.Command(bin, "secrets", "rotate", "--data", data).CombinedOutput()
	close(stop)
	created := <-wrote
	if err == nil || !strings.Contains(string(out), "Facteur is serving on") || !strings.Contains(string(out), "stop every node first, then run the rotation") {
		t.Fatalf("rotate while serving: %v\n%s", err, out)
	}
	if keyAfter, _ := os.ReadFile(filepath.Join(data, "secret.key")); !bytes.Equal(keyBefore, keyAfter) {
		t.Fatal("the refused rotation changed secret.key")
	}
	if _, err := os.Stat(filepath.Join(data, "secret.key.new")); !os.IsNotExist(err) {
		t.Fatalf("the refused rotation left secret.key.new: %v", err)
	}
	var list []map[string]any
	n.must(200, "GET", "/api/v1/destinations", nil, &list)
	if created == 0 || len(list) != created {
		t.Fatalf("%d destinations listed, %d created", len(list), created)
	}
	n.stop()
	n = startServe(t, data) // the same key still reads everything
	n.must(200, "GET", "/api/v1/destinations", nil, &list)
	if len(list) != created {
		t.Fatalf("after a restart: %d destinations listed, %d created", len(list), created)
	}
}

// TestRotateInterrupted kills `facteur secrets rotate` (keys in the
// environment) part-way through 3,000 destinations: a node given the old
// key alone refuses to start and says how to finish; with both keys it
// serves everything; the rotation run again finishes, and the new key
// alone then serves everything.
func TestRotateInterrupted(t *testing.T) {
	data := t.TempDir()
	oldKey, newKey := randomKey(t), randomKey(t)
	withOld := []string{"FACTEUR_SECRET_KEY=" + oldKey, "FACTEUR_NEW_SECRET_KEY="}
	withBoth := []string{"FACTEUR_SECRET_KEY=" + oldKey, "FACTEUR_NEW_SECRET_KEY=" + newKey}
	withNew := []string{"FACTEUR_SECRET_KEY=" + newKey, "FACTEUR_NEW_SECRET_KEY="}
	admin := []string{"FACTEUR_ADMIN_EMAIL=" + testAdmin, "FACTEUR_ADMIN_PASSWORD=" + testPassword}

	n := startServeEnv(t, data, append(admin, withOld...))
	n.stop()
	const count = 3000
	seedDestinations(t, data, oldKey, count)

	rotate := exec.Command(bin, "secrets", "rotate", "--data", data)
	rotate.Env = append(os.Environ(), withBoth...)
	stdout, err := rotate.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	rotate.Stderr = os.Stderr
	if err := rotate.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.Contains(sc.Text(), "so far") {
		t.Fatalf("rotate: %q before any progress", sc.Text())
	}
	_ = rotate.Process.Kill() // SIGKILL, part-way
	_ = rotate.Wait()

	// Until its heartbeat is stale, the killed rotation counts as running.
	// A node that started anyway would serve until killed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	serve.Env = append(os.Environ(), withBoth...)
	if out, err := serve.CombinedOutput(); err == nil || !strings.Contains(string(out), "a key rotation is running on") {
		t.Fatalf("serve during a rotation: %v\n%s", err, out)
	}
	time.Sleep(store.NodeStale + time.Second)

	serve = exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	serve.Env = append(os.Environ(), withOld...)
	out, err := serve.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "A key rotation was interrupted") || !strings.Contains(string(out), "facteur secrets rotate") {
		t.Fatalf("serve with the old key alone after an interrupted rotation: %v\n%s", err, out)
	}

	listAll := func(n *node) {
		t.Helper()
		var list []map[string]any
		n.must(200, "GET", "/api/v1/destinations", nil, &list)
		if len(list) != count {
			t.Fatalf("%d destinations listed, want %d", len(list), count)
		}
	}
	n = startServeEnv(t, data, withBoth)
	n.token = n.login(testAdmin, testPassword)
	listAll(n)
	n.stop()

	rotate = exec.Command(bin, "secrets", "rotate", "--data", data)
	rotate.Env = append(os.Environ(), withBoth...)
	if out, err := rotate.CombinedOutput(); err != nil || !strings.Contains(string(out), "credentials again under the new key") {
		t.Fatalf("rotate again: %v\n%s", err, out)
	}
	n = startServeEnv(t, data, withNew)
	n.token = n.login(testAdmin, testPassword)
	listAll(n)
	n.stop()
}

// randomKey returns a new master key as FACTEUR_SECRET_KEY takes it.
func randomKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// seedDestinations stores count webhook destinations, sealed under key,
// in the SQLite store of data.
func seedDestinations(t *testing.T, data, key string, count int) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.New(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(data, "facteur.db"), Keyring: ring})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.InTx(ctx, func(tx facteur.Store, _ any) error {
		for i := range count {
			d := &facteur.Destination{Name: fmt.Sprint("hook ", i), Kind: facteur.DestinationWebhook, OwnerID: 1,
				Config: json.RawMessage(fmt.Sprintf(`{"url":"https://hooks.example.org/%d","secret":"s3cret-%d"}`, i, i))}
			if err := tx.CreateDestination(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSaveConfigKeepsChange: a delivery that records the SFTP host key it
// saw writes the config it read at its start; a password changed
// meanwhile stays, and the save fails. Without a change, the key is
// recorded.
func TestSaveConfigKeepsChange(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(t.TempDir(), "facteur.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := &facteur.Destination{Name: "partner", Kind: facteur.DestinationSFTP,
		Config: json.RawMessage(`{"host":"sftp.example.org","user":"u","password":"old","directory":"/in"}`)}
	if err := db.CreateDestination(ctx, d); err != nil {
		t.Fatal(err)
	}
	seen := json.RawMessage(`{"host":"sftp.example.org","user":"u","password":"old","directory":"/in","host_key":"ssh-ed25519 AAAA"}`)
	save := saveConfig(db)

	changed, err := db.Destination(ctx, d.ID) // a user changes the password during the delivery
	if err != nil {
		t.Fatal(err)
	}
	changed.Config = json.RawMessage(`{"host":"sftp.example.org","user":"u","password":"new","directory":"/in"}`)
	if err := db.UpdateDestination(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if err := save(ctx, d.ID, seen); facteur.ErrorCode(err) != facteur.ECONFLICT {
		t.Fatalf("save over a change: %v, want a conflict", err)
	}
	got, _ := db.Destination(ctx, d.ID)
	if !strings.Contains(string(got.Config), `"password":"new"`) {
		t.Fatalf("the user's change was overwritten: %s", got.Config)
	}

	seen = json.RawMessage(`{"host":"sftp.example.org","user":"u","password":"new","directory":"/in","host_key":"ssh-ed25519 AAAA"}`)
	if err := save(ctx, d.ID, seen); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Destination(ctx, d.ID)
	if !strings.Contains(string(got.Config), `"host_key":"ssh-ed25519 AAAA"`) || !strings.Contains(string(got.Config), `"password":"new"`) {
		t.Fatalf("host key not recorded: %s", got.Config)
	}
}
