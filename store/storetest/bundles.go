package storetest

import (
	"reflect"
	"testing"

	"github.com/facteur/facteur"
)

// testBundles: a dashboard schedule keeps its further reports and their
// packaging, and a bundle's run keeps its files, spool paths included,
// saved with the run's own summary.
func testBundles(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	more := &facteur.Report{Name: "agents", SQL: "SELECT * FROM agents", SourceID: f.src.ID, Fields: []facteur.Field{{Name: "id"}, {Name: "email", Sensitive: true}}}
	must(t, s.CreateReport(ctx, more))
	sc := f.schedule(t, ctx, s, "Nightly dashboard", nil)
	sc.Bundle = &facteur.Bundle{Packaging: facteur.PackFiles, Reports: []facteur.BundleReport{{ReportID: more.ID, IncludeFields: []string{"email"},
		Obfuscate: []facteur.FieldRule{{Field: "id", Method: facteur.ObfuscateHash}}, Params: facteur.ParamValues{"since": facteur.TextValue("2026-01-01")}}}}
	sc.Options.Confirmation = true
	sc.Options.ConfirmationFile = &facteur.ConfirmationFile{Name: "DONE_{run_id}.txt", Format: facteur.ConfirmText}
	must(t, s.UpdateSchedule(ctx, sc))
	got, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Bundle, sc.Bundle) || !reflect.DeepEqual(got.Options, sc.Options) {
		t.Fatalf("schedule's bundle %s options %s, want %s %s", js(got.Bundle), js(got.Options), js(sc.Bundle), js(sc.Options))
	}
	got.Bundle = nil // back to one report
	must(t, s.UpdateSchedule(ctx, got))
	if again, err := s.Schedule(ctx, sc.ID); err != nil || again.Bundle != nil {
		t.Fatalf("bundle removed: %v %s", err, js(again.Bundle))
	}

	run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerManual}
	must(t, s.CreateRun(ctx, run))
	if r, err := s.Run(ctx, run.ID); err != nil || r.Files != nil {
		t.Fatalf("a new run has files: %v %s", err, js(r))
	}
	run.Files = []facteur.RunFile{
		{Name: "tickets.csv", ReportID: f.rep.ID, ReportName: "tickets", Rows: 3, Bytes: 40, SHA256: "aa", ContentSHA256: "aa", Path: "/spool/run-1.part1.csv", Location: "/srv/drop/tickets.csv"},
		{Name: "agents.csv.age", ReportID: more.ID, ReportName: "agents", Rows: 2, Bytes: 300, SHA256: "bb", PlainBytes: 30, PlainSHA256: "cc", Path: "/spool/run-1.part2.csv.age"},
	}
	run.Rows, run.Bytes, run.Packaging = 5, 340, facteur.PackFiles
	must(t, s.UpdateRun(ctx, run))
	r, err := s.Run(ctx, run.ID)
	must(t, err)
	if !reflect.DeepEqual(r.Files, run.Files) || r.Packaging != facteur.PackFiles || r.Files[1].Path != "/spool/run-1.part2.csv.age" {
		t.Fatalf("run files %s, want %s", js(r.Files), js(run.Files))
	}
	runs, err := s.Runs(ctx, facteur.RunFilter{ScheduleID: sc.ID})
	must(t, err)
	if len(runs) != 1 || !reflect.DeepEqual(runs[0].Files, run.Files) {
		t.Fatalf("listed run's files %s", js(runs))
	}
}
