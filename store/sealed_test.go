package store_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
	"github.com/facteur/facteur/store"
)

func ring(t *testing.T) *secret.Keyring {
	t.Helper()
	k := make([]byte, secret.KeySize)
	rand.Read(k)
	r, err := secret.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSecretsAtRest: credentials never reach the database file in clear,
// and a wrong key stops the store from opening.
func TestSecretsAtRest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "facteur.db")
	key := ring(t)
	db, err := store.Open(ctx, store.Config{SQLitePath: path, Keyring: key})
	if err != nil {
		t.Fatal(err)
	}
	const canary = "CANARY-s3cret-7f3a"
	src := &facteur.Source{Name: "crm", DSN: "postgres://reader:" + canary + "@db.example/crm"}
	if err := db.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	dest := &facteur.Destination{Name: "partner", Kind: facteur.DestinationSFTP, Config: json.RawMessage(`{"host":"h","user":"u","password":"` + canary + `","directory":"/in"}`)}
	if err := db.CreateDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(ctx, "mail", json.RawMessage(`{"host":"smtp.example.org","password":"`+canary+`"}`)); err != nil {
		t.Fatal(err)
	}
	rep := &facteur.Report{Name: "r", SourceID: src.ID, SQL: "SELECT 1"}
	if err := db.CreateReport(ctx, rep); err != nil {
		t.Fatal(err)
	}
	sc := &facteur.Schedule{Name: "s", ReportID: rep.ID, DestinationID: dest.ID, Calendar: facteur.Calendar{Frequency: facteur.Daily},
		Obfuscate: []facteur.FieldRule{{Field: "email", Method: facteur.ObfuscateHMAC}}, HMACKey: canary + "-hmac-key"}
	if err := db.CreateSchedule(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if back, err := db.Schedule(ctx, sc.ID); err != nil || back.HMACKey != sc.HMACKey || !back.HMACKeySet {
		t.Fatalf("schedule's hmac key read back: %v %v", back, err)
	}
	got, err := db.Source(ctx, src.ID)
	if err != nil || got.DSN != src.DSN {
		t.Fatalf("read back: %v %v", got, err)
	}
	var raw string
	db.SQL().QueryRow("SELECT dsn FROM sources").Scan(&raw)
	if !strings.HasPrefix(raw, secret.Prefix) {
		t.Fatalf("stored DSN is not sealed: %q", raw)
	}
	db.Close()
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), canary) {
			t.Fatalf("%s holds a secret in clear", filepath.Base(f))
		}
	}

	if _, err := store.Open(ctx, store.Config{SQLitePath: path, Keyring: ring(t)}); facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(err.Error(), "not the one this database's secrets were encrypted with") {
		t.Fatalf("opened with a wrong key: %v", err)
	}
	db, err = store.Open(ctx, store.Config{SQLitePath: path, Keyring: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, err := db.Destination(ctx, dest.ID); err != nil || string(d.Config) != string(dest.Config) {
		t.Fatalf("destination after reopening: %v %v", d, err)
	}
}
