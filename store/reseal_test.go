package store_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
	"github.com/facteur/facteur/store"
	"github.com/facteur/facteur/store/storetest"
)

func rawKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, secret.KeySize)
	rand.Read(k)
	return k
}

// TestResealSurvivesACrash: a key rotation stopped half-way leaves every
// credential readable with both keys, and running it again finishes it.
func TestResealSurvivesACrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "facteur.db")
	oldKey, newKey := rawKey(t), rawKey(t)
	oldRing, _ := secret.New(oldKey)
	db, err := store.Open(ctx, store.Config{SQLitePath: path, Keyring: oldRing})
	if err != nil {
		t.Fatal(err)
	}
	var dsns []string
	for i := 0; i < 4; i++ {
		src := &facteur.Source{Name: fmt.Sprint("s", i), DSN: fmt.Sprintf("postgres://u:pw%d@h/db", i)}
		if err := db.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		dsns = append(dsns, src.DSN)
	}
	dest := &facteur.Destination{Name: "d", Kind: facteur.DestinationWebhook, Config: json.RawMessage(`{"url":"https://x.example/h","secret":"0123456789abcdef01"}`)}
	if err := db.CreateDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(ctx, "mail", json.RawMessage(`{"password":"pw"}`)); err != nil {
		t.Fatal(err)
	}
	rep := &facteur.Report{Name: "r", SourceID: 1, SQL: "SELECT 1"}
	if err := db.CreateReport(ctx, rep); err != nil {
		t.Fatal(err)
	}
	keyed := &facteur.Schedule{Name: "keyed", ReportID: rep.ID, DestinationID: dest.ID, Calendar: facteur.Calendar{Frequency: facteur.Daily}, HMACKey: "the schedule's hmac key"}
	plain := &facteur.Schedule{Name: "plain", ReportID: rep.ID, DestinationID: dest.ID, Calendar: facteur.Calendar{Frequency: facteur.Daily}}
	for _, sc := range []*facteur.Schedule{keyed, plain} {
		if err := db.CreateSchedule(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	both, _ := secret.New(newKey, oldKey)
	db, err = store.Open(ctx, store.Config{SQLitePath: path, Keyring: both})
	if err != nil {
		t.Fatal(err)
	}
	crash, stop := context.WithCancel(ctx)
	n, err := db.Reseal(crash, both, func(done int) {
		if done == 2 {
			stop()
		}
	})
	if err == nil || n != 2 {
		t.Fatalf("interrupted reseal: %d, %v", n, err)
	}
	check := func(db *store.DB) {
		t.Helper()
		list, err := db.Sources(ctx)
		if err != nil || len(list) != 4 {
			t.Fatalf("sources: %v", err)
		}
		for i, s := range list {
			if s.DSN != dsns[i] {
				t.Fatalf("source %d reads %q", i, s.DSN)
			}
		}
		if d, err := db.Destination(ctx, dest.ID); err != nil || string(d.Config) != string(dest.Config) {
			t.Fatalf("destination: %v", err)
		}
		if v, err := db.Setting(ctx, "mail"); err != nil || string(v) != `{"password":"pw"}` {
			t.Fatalf("setting: %s %v", v, err)
		}
		// A schedule's hmac key is resealed; a schedule without one keeps none.
		if sc, err := db.Schedule(ctx, keyed.ID); err != nil || sc.HMACKey != keyed.HMACKey {
			t.Fatalf("keyed schedule: %v %v", sc, err)
		}
		if sc, err := db.Schedule(ctx, plain.ID); err != nil || sc.HMACKeySet || sc.HMACKey != "" {
			t.Fatalf("schedule without a key: %+v %v", sc, err)
		}
	}
	check(db) // half old, half new: all readable
	if n, err := db.Reseal(ctx, both, nil); err != nil || n < 5 {
		t.Fatalf("finishing the reseal: %d %v", n, err)
	}
	db.Close()

	newRing, _ := secret.New(newKey)
	db, err = store.Open(ctx, store.Config{SQLitePath: path, Keyring: newRing})
	if err != nil {
		t.Fatal(err)
	}
	check(db)
	if n, err := db.Reseal(ctx, newRing, nil); err != nil || n != 0 {
		t.Fatalf("a second reseal rewrote %d values (%v)", n, err)
	}
	db.Close()
	if _, err := store.Open(ctx, store.Config{SQLitePath: path, Keyring: oldRing}); err == nil || !strings.Contains(err.Error(), "not the one") {
		t.Fatalf("the old key still opens the store: %v", err)
	}
}

// TestResealPostgres runs a full reseal on PostgreSQL (json columns).
func TestResealPostgres(t *testing.T) {
	ctx := context.Background()
	cfg := postgresConfig(t)
	oldKey, newKey := rawKey(t), rawKey(t)
	cfg.Keyring, _ = secret.New(oldKey)
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dest := &facteur.Destination{Name: "d", Kind: facteur.DestinationFolder, Config: json.RawMessage(`{"path": "/srv"}`)}
	if err := db.CreateDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg.Keyring, _ = secret.New(newKey, oldKey)
	db, err = store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.Reseal(ctx, cfg.Keyring, nil); err != nil || n != 2 { // the destination and the key check
		t.Fatalf("reseal: %d %v", n, err)
	}
	db.Close()
	cfg.Keyring, _ = secret.New(newKey)
	db, err = store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, err := db.Destination(ctx, dest.ID); err != nil || string(d.Config) != `{"path": "/srv"}` {
		t.Fatalf("after reseal: %v %v", d, err)
	}
}

func postgresConfig(t *testing.T) store.Config { return storetest.Postgres(t) }
