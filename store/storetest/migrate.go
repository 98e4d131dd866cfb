package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/store"
)

// schemaVersions returns how many distinct versions and how many rows
// Facteur's migration table holds (equal when each migration was applied
// once; versions need not be contiguous), and River's migration rows.
func schemaVersions(t *testing.T, ctx context.Context, db *store.DB) (facteurVersion, facteurRows, riverRows int64) {
	t.Helper()
	facteurVersion = queryInt(t, ctx, db, "SELECT count(DISTINCT version_id) FROM facteur_migration WHERE version_id > 0")
	facteurRows = queryInt(t, ctx, db, "SELECT count(*) FROM facteur_migration WHERE version_id > 0")
	riverRows = queryInt(t, ctx, db, "SELECT count(*) FROM river_migration")
	return
}

// testMigrateTwice reopens a database: the migrations find nothing to do
// and the records are still there.
func testMigrateTwice(t *testing.T, newDB NewDatabase) {
	cfg := newDB(t)
	ctx := testContext(t)
	db, err := store.Open(ctx, cfg)
	must(t, err)
	src := &facteur.Source{Name: "crm", DSN: "sqlite:/crm.db"}
	must(t, db.CreateSource(ctx, src))
	v, n, river := schemaVersions(t, ctx, db)
	if v < 1 || n < 1 || n > v || river < 1 { // versions may skip numbers, never repeat
		t.Fatalf("after the first Open: facteur version %d (%d rows), river %d migrations", v, n, river)
	}
	must(t, db.Close())

	db = Open(t, cfg)
	got, err := db.Source(ctx, src.ID)
	must(t, err)
	if got.Name != "crm" {
		t.Fatalf("source after reopening = %s", js(got))
	}
	v2, n2, river2 := schemaVersions(t, ctx, db)
	if v2 != v || n2 != n || river2 != river {
		t.Fatalf("reopening applied migrations again: facteur %d/%d → %d/%d, river %d → %d", v, n, v2, n2, river, river2)
	}
}

// testMigrateOutOfOrder: a database that has every migration but a lower
// numbered one (released after the higher ones) gets it at the next Open.
// The report chart's migration, 00007, is taken out and must come back.
func testMigrateOutOfOrder(t *testing.T, newDB NewDatabase) {
	cfg := newDB(t)
	ctx := testContext(t)
	db, err := store.Open(ctx, cfg)
	must(t, err)
	if queryInt(t, ctx, db, "SELECT count(*) FROM facteur_migration WHERE version_id > 7") == 0 {
		t.Fatal("no migration above 00007: the test needs one")
	}
	for _, q := range []string{"ALTER TABLE reports DROP COLUMN chart", "DELETE FROM facteur_migration WHERE version_id = 7"} {
		if db.Dialect() == store.DialectSQLite {
			_, err = db.SQL().ExecContext(ctx, q)
		} else {
			_, err = db.Pool().Exec(ctx, q)
		}
		must(t, err)
	}
	must(t, db.Close())

	db = Open(t, cfg)
	src := &facteur.Source{Name: "crm", DSN: "sqlite:/crm.db"}
	must(t, db.CreateSource(ctx, src))
	r := &facteur.Report{Name: "sales", SourceID: src.ID, Table: "sales",
		Chart: &facteur.Chart{Type: facteur.ChartLine, X: "day", Y: []string{"total"}}}
	must(t, db.CreateReport(ctx, r))
	got, err := db.Report(ctx, r.ID)
	must(t, err)
	if got.Chart == nil || got.Chart.X != "day" {
		t.Fatalf("report after the missing migration = %s", js(got))
	}
}

// testMigrateConcurrently opens one fresh database from two handles at
// once, as two nodes starting together: both succeed, each migration is
// applied once.
func testMigrateConcurrently(t *testing.T, newDB NewDatabase) {
	cfg := newDB(t)
	ctx, cancel := context.WithTimeout(testContext(t), time.Minute)
	defer cancel()
	var (
		wg  sync.WaitGroup
		dbs [4]*store.DB
	)
	for i := range dbs {
		wg.Go(func() {
			db, err := store.Open(ctx, cfg)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			t.Cleanup(func() { _ = db.Close() })
		}
	}
	if t.Failed() {
		return
	}
	v, n, river := schemaVersions(t, ctx, dbs[0])
	if v < 1 || n < 1 || n > v || river < 1 { // versions may skip numbers, never repeat
		t.Fatalf("facteur version %d (%d rows), river %d migrations", v, n, river)
	}
	for i, db := range dbs {
		src := &facteur.Source{Name: "crm", DSN: "sqlite:/crm.db"}
		if err := db.CreateSource(ctx, src); err != nil {
			t.Fatalf("handle %d: %v", i, err)
		}
	}
}
