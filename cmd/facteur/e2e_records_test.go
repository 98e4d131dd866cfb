package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
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
