package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
	"github.com/facteur/facteur/store/storetest"
)

func TestOpenConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		cfg  store.Config
		code string
		msg  string
	}{
		{"nothing", store.Config{}, facteur.EINVALID, "database: set either"},
		{"both", store.Config{SQLitePath: "x.db", PostgresURL: "postgres://h/db"}, facteur.EINVALID, "not both"},
		{"bad url", store.Config{PostgresURL: "postgres://u:secret@h:notaport/db"}, facteur.EINVALID, "postgres_url: cannot parse"},
		{"one connection", store.Config{PostgresURL: "postgres://h/db?pool_max_conns=1"}, facteur.EINVALID, "pool_max_conns must be at least 2"},
		{"unreachable", store.Config{PostgresURL: "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2"}, facteur.EUNAVAILABLE, "cannot reach PostgreSQL at postgres://u:xxxxx@127.0.0.1:1/db"},
		{"sqlite in a missing folder", store.Config{SQLitePath: filepath.Join(t.TempDir(), "missing", "f.db")}, facteur.EINVALID, "sqlite_path: cannot open"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db, err := store.Open(ctx, c.cfg)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if got := facteur.ErrorCode(err); got != c.code {
				t.Errorf("code = %q, want %q (%v)", got, c.code, err)
			}
			if msg := facteur.ErrorMessage(err); !strings.Contains(msg, c.msg) || strings.Contains(msg, "secret") {
				t.Errorf("message = %q, want it to contain %q and no password", msg, c.msg)
			}
		})
	}
}

// TestSQLiteFile checks where the database file goes, a path that is not
// URI-safe included, and the settings every connection has.
func TestSQLiteFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "a b?c#d%20e", "facteur.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, store.Config{SQLitePath: path})
	if db.Dialect() != "sqlite" || db.SQL() == nil || db.Pool() != nil {
		t.Fatalf("Dialect %q, SQL %v, Pool %v", db.Dialect(), db.SQL(), db.Pool())
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2"} {
		var got string
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if n := db.SQL().Stats().MaxOpenConnections; n != 1 {
		t.Errorf("max open connections = %d, want 1", n)
	}
}

func TestPostgresHandles(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.Postgres(t))
	if db.Dialect() != "postgres" || db.SQL() != nil || db.Pool() == nil {
		t.Fatalf("Dialect %q, SQL %v, Pool %v", db.Dialect(), db.SQL(), db.Pool())
	}
}
