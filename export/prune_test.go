package export_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/store"
)

// TestPruneSpool: old spooled files go, except the latest successful file
// of each schedule; recent files stay.
func TestPruneSpool(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(dir, "f.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := &facteur.Source{Name: "s", DSN: "sqlite:/x.db"}
	mustOK(t, db.CreateSource(ctx, src))
	rep := &facteur.Report{Name: "r", SourceID: src.ID, Table: "t"}
	mustOK(t, db.CreateReport(ctx, rep))
	dest := &facteur.Destination{Name: "d", Kind: "folder", Config: []byte(`{"path":"/tmp"}`)}
	mustOK(t, db.CreateDestination(ctx, dest))
	sc := &facteur.Schedule{Name: "s", ReportID: rep.ID, DestinationID: dest.ID, Calendar: facteur.Calendar{Frequency: "daily"}}
	sc.SetDefaults()
	mustOK(t, db.CreateSchedule(ctx, sc))

	spool := filepath.Join(dir, "spool")
	mustOK(t, os.Mkdir(spool, 0o755))
	old := time.Now().Add(-10 * 24 * time.Hour)
	var files []string
	for i, status := range []string{facteur.RunSucceeded, facteur.RunSucceeded, facteur.RunFailed, facteur.RunSucceeded} {
		run := &facteur.Run{ScheduleID: sc.ID, ReportID: rep.ID, DestinationID: dest.ID, Trigger: facteur.TriggerManual, Status: status}
		mustOK(t, db.CreateRun(ctx, run))
		path := filepath.Join(spool, "run-"+itoa(run.ID)+".csv")
		mustOK(t, os.WriteFile(path, []byte("x"), 0o644))
		if i < 3 { // the last one is recent
			mustOK(t, os.Chtimes(path, old, old))
		}
		files = append(files, path)
	}
	// The newest successful run is the recent one: every old file may go.
	r := &export.Runner{Store: db, Spool: spool}
	n, err := r.PruneSpool(ctx, 7*24*time.Hour)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d (%v), want 3", n, err)
	}
	if _, err := os.Stat(files[3]); err != nil {
		t.Fatalf("recent file pruned: %v", err)
	}
	// Once old, the latest successful file stays anyway.
	mustOK(t, os.Chtimes(files[3], old, old))
	if n, err := r.PruneSpool(ctx, 7*24*time.Hour); err != nil || n != 0 {
		t.Fatalf("pruned the latest successful file: %d %v", n, err)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
