package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// fixture is a source, a report over it and a destination, for tests that
// need a schedule.
type fixture struct {
	src *facteur.Source
	rep *facteur.Report
	dst *facteur.Destination
}

func seed(t *testing.T, ctx context.Context, s facteur.Store) fixture {
	t.Helper()
	f := fixture{
		src: &facteur.Source{Name: "crm", DSN: "postgres://reader:secret@db.example:5432/crm"},
		rep: &facteur.Report{Name: "tickets", SQL: "SELECT * FROM tickets", Fields: []facteur.Field{{Name: "id"}, {Name: "email", Sensitive: true}}},
		dst: &facteur.Destination{Name: "drop", Kind: facteur.DestinationFolder, Config: json.RawMessage(`{"path":"/srv/drop"}`)},
	}
	must(t, s.CreateSource(ctx, f.src))
	f.rep.SourceID = f.src.ID
	must(t, s.CreateReport(ctx, f.rep))
	must(t, s.CreateDestination(ctx, f.dst))
	return f
}

// schedule records an enabled daily schedule of the fixture's report.
func (f fixture) schedule(t *testing.T, ctx context.Context, s facteur.Store, name string, next *time.Time) *facteur.Schedule {
	t.Helper()
	sc := &facteur.Schedule{
		Name: name, ReportID: f.rep.ID, DestinationID: f.dst.ID,
		Format:   facteur.FormatOptions{Format: facteur.FormatCSV},
		Calendar: facteur.Calendar{Frequency: facteur.Daily, At: "06:00", TimeZone: "Europe/Paris"},
		Enabled:  true, NextRunAt: next,
	}
	must(t, s.CreateSchedule(ctx, sc))
	return sc
}

// checkStamps checks that Create set fresh timestamps in UTC, to the µs.
func checkStamps(t *testing.T, before time.Time, created, updated time.Time) {
	t.Helper()
	for _, v := range []time.Time{created, updated} {
		if v.Location() != time.UTC || v.Nanosecond()%1000 != 0 {
			t.Errorf("timestamp %v: want UTC truncated to the microsecond", v)
		}
		if v.Before(before.Truncate(time.Microsecond)) || v.After(time.Now().Add(time.Second)) {
			t.Errorf("timestamp %v: want about now (%v)", v, before)
		}
	}
}

func testSources(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	before := time.Now()
	src := &facteur.Source{Name: "crm", DSN: "postgres://reader:secret@db.example:5432/crm"}
	must(t, s.CreateSource(ctx, src))
	if src.ID == 0 || src.Kind != facteur.SourcePostgres {
		t.Fatalf("created source: id %d kind %q, want an id and kind postgres", src.ID, src.Kind)
	}
	checkStamps(t, before, src.CreatedAt, src.UpdatedAt)

	got, err := s.Source(ctx, src.ID)
	must(t, err)
	if !reflect.DeepEqual(got, src) || got.DSN != src.DSN {
		t.Fatalf("Source = %s (dsn %q)\nwant %s (dsn %q)", js(got), got.DSN, js(src), src.DSN)
	}

	second := &facteur.Source{Name: "local", DSN: "sqlite:/var/lib/app.db"}
	must(t, s.CreateSource(ctx, second))
	time.Sleep(2 * time.Millisecond) // so that UpdatedAt moves
	src.Name, src.DSN = "crm replica", "mysql://reader@replica:3306/crm"
	src.AcceptExtraRights = true
	src.Rights = facteur.SourceRights{CheckedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), Extra: []string{"FILE on *.*"}}
	must(t, s.UpdateSource(ctx, src))
	if src.Kind != facteur.SourceMySQL || !src.UpdatedAt.After(src.CreatedAt) {
		t.Fatalf("updated source: kind %q, created %v updated %v", src.Kind, src.CreatedAt, src.UpdatedAt)
	}
	list, err := s.Sources(ctx)
	must(t, err)
	if len(list) != 2 || !reflect.DeepEqual(list[0], src) || !reflect.DeepEqual(list[1], second) {
		t.Fatalf("Sources = %s\nwant [%s, %s]", js(list), js(src), js(second))
	}

	// A Test saves what it found, and nothing else of the source.
	src.Rights = facteur.SourceRights{CheckedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), Notes: []string{"read-only"}}
	must(t, s.SetSourceRights(ctx, src.ID, src.Rights))
	got, err = s.Source(ctx, src.ID)
	must(t, err)
	if !reflect.DeepEqual(got, src) {
		t.Fatalf("after SetSourceRights: %s\nwant %s", js(got), js(src))
	}
	wantCode(t, s.SetSourceRights(ctx, 9999, src.Rights), facteur.ENOTFOUND)

	_, err = s.Source(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
	wantCode(t, s.UpdateSource(ctx, &facteur.Source{ID: 9999, Name: "x", DSN: "sqlite:/x.db"}), facteur.ENOTFOUND)
	wantCode(t, s.DeleteSource(ctx, 9999), facteur.ENOTFOUND)
	wantCode(t, s.CreateSource(ctx, &facteur.Source{Name: "x", DSN: "oracle://db"}), facteur.EINVALID)
	wantCode(t, s.CreateSource(ctx, &facteur.Source{Name: " ", DSN: "sqlite:/x.db"}), facteur.EINVALID)

	must(t, s.DeleteSource(ctx, second.ID))
	_, err = s.Source(ctx, second.ID)
	wantCode(t, err, facteur.ENOTFOUND)
}

func testReports(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	src := &facteur.Source{Name: "crm", DSN: "sqlite:/crm.db"}
	must(t, s.CreateSource(ctx, src))

	before := time.Now()
	r := &facteur.Report{
		Name: "agents", SourceID: src.ID, Table: "agents",
		Fields: []facteur.Field{
			{Name: "id"}, {Name: "full_name", Sensitive: true}, {Name: "city"},
			{Name: "notes", Extra: true}, {Name: "é \"quoted\" ✓"},
		},
		CreatedColumn: "created_at", UpdatedColumn: "updated_at",
		Chart: &facteur.Chart{Type: facteur.ChartBar, X: "city", Y: []string{"id", "é \"quoted\" ✓"}, Title: "Agents by city ✓"},
	}
	must(t, s.CreateReport(ctx, r))
	checkStamps(t, before, r.CreatedAt, r.UpdatedAt)
	got, err := s.Report(ctx, r.ID)
	must(t, err)
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("Report = %s\nwant %s", js(got), js(r))
	}

	r.Table, r.SQL = "", "SELECT id, city FROM agents WHERE city <> '?'"
	r.Fields, r.Chart = nil, nil
	must(t, s.UpdateReport(ctx, r))
	got, err = s.Report(ctx, r.ID)
	must(t, err)
	if got.SQL != r.SQL || got.Table != "" || got.Fields == nil || len(got.Fields) != 0 || got.Chart != nil {
		t.Fatalf("updated report = %s: want the new SQL, no table, fields [] and no chart", js(got))
	}
	bad := *got
	bad.Fields = []facteur.Field{{Name: "id"}, {Name: "city"}}
	bad.Chart = &facteur.Chart{Type: facteur.ChartLine, X: "city", Y: []string{"total"}}
	err = s.UpdateReport(ctx, &bad)
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != `chart.y[0]: the report has no field "total"` {
		t.Errorf("message = %q", msg)
	}
	list, err := s.Reports(ctx)
	must(t, err)
	if len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("Reports = %s", js(list))
	}

	_, err = s.Report(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
	missing := &facteur.Report{ID: 9999, Name: "x", SourceID: src.ID, Table: "t"}
	wantCode(t, s.UpdateReport(ctx, missing), facteur.ENOTFOUND)
	err = s.CreateReport(ctx, &facteur.Report{Name: "x", SourceID: 9999, Table: "t"})
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != "source_id: there is no source 9999" {
		t.Errorf("message = %q", msg)
	}
	wantCode(t, s.CreateReport(ctx, &facteur.Report{Name: "x", SourceID: src.ID}), facteur.EINVALID)
	wantCode(t, s.DeleteReport(ctx, 9999), facteur.ENOTFOUND)
	must(t, s.DeleteReport(ctx, r.ID))
	list, err = s.Reports(ctx)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("Reports after delete = %s", js(list))
	}
}

func testDestinations(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	// Key order, spacing and unicode are kept byte for byte.
	config := json.RawMessage(`{"path": "/srv/drop", "b": [1, 2.50, null], "a": {"é": "✓"}}`)
	d := &facteur.Destination{Name: "drop", Kind: facteur.DestinationFolder, Config: config, RawCells: true}
	before := time.Now()
	must(t, s.CreateDestination(ctx, d))
	checkStamps(t, before, d.CreatedAt, d.UpdatedAt)
	got, err := s.Destination(ctx, d.ID)
	must(t, err)
	if !got.RawCells {
		t.Fatal("RawCells not kept")
	}
	if string(got.Config) != string(config) {
		t.Fatalf("Config = %s, want %s", got.Config, config)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("Destination = %s\nwant %s", js(got), js(d))
	}

	d.Name, d.Config = "sftp", nil
	must(t, s.UpdateDestination(ctx, d))
	got, err = s.Destination(ctx, d.ID)
	must(t, err)
	if got.Name != "sftp" || string(got.Config) != "{}" {
		t.Fatalf("updated destination = %s: want name sftp and config {}", js(got))
	}
	// Encryption is kept, and taken away again (files in clear).
	got.Encryption = &facteur.Encryption{Method: facteur.EncryptAge, Recipients: []string{"age1x", "age1y"}}
	must(t, s.UpdateDestination(ctx, got))
	enc, err := s.Destination(ctx, d.ID)
	must(t, err)
	if !reflect.DeepEqual(enc, got) {
		t.Fatalf("destination with encryption = %s\nwant %s", js(enc), js(got))
	}
	enc.Encryption = nil
	must(t, s.UpdateDestination(ctx, enc))
	if got, err = s.Destination(ctx, d.ID); err != nil || got.Encryption != nil {
		t.Fatalf("destination without encryption = %s, %v", js(got), err)
	}
	list, err := s.Destinations(ctx)
	must(t, err)
	if len(list) != 1 || !reflect.DeepEqual(list[0], got) {
		t.Fatalf("Destinations = %s", js(list))
	}

	_, err = s.Destination(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
	wantCode(t, s.UpdateDestination(ctx, &facteur.Destination{ID: 9999, Name: "x", Kind: "folder"}), facteur.ENOTFOUND)
	wantCode(t, s.CreateDestination(ctx, &facteur.Destination{Name: "x", Kind: "folder", Config: json.RawMessage(`{"a":`)}), facteur.EINVALID)
	wantCode(t, s.CreateDestination(ctx, &facteur.Destination{Name: "x"}), facteur.EINVALID)
	wantCode(t, s.DeleteDestination(ctx, 9999), facteur.ENOTFOUND)
	must(t, s.DeleteDestination(ctx, d.ID))
	_, err = s.Destination(ctx, d.ID)
	wantCode(t, err, facteur.ENOTFOUND)
}

func testSchedules(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	next := ts(t, "2025-03-30T06:00:00.123456789+02:00")
	sc := &facteur.Schedule{
		Name: "Daily tickets", ReportID: f.rep.ID, DestinationID: f.dst.ID,
		Format:        facteur.FormatOptions{Format: facteur.FormatCSV, NoHeader: true, Delimiter: ";", BOM: true},
		Calendar:      facteur.Calendar{Frequency: facteur.Daily, Days: []string{"weekdays", "sat"}, At: "06:00", TimeZone: "Europe/Paris"},
		IncludeFields: []string{"email"},
		Obfuscate:     []facteur.FieldRule{{Field: "email", Method: facteur.ObfuscateHMAC}, {Field: "id", Method: facteur.ObfuscateMask, Keep: 2}},
		HMACKey:       "a schedule's own key, 0123456789",
		Options: facteur.ScheduleOptions{Confirmation: true, AlertEmails: []string{"ops@example.org"},
			Limits: facteur.RunLimits{MaxDurationSeconds: 600, MaxRows: 1000, MaxBytes: 5 << 20}},
		Enabled:   true,
		NextRunAt: &next,
	}
	before := time.Now()
	must(t, s.CreateSchedule(ctx, sc))
	checkStamps(t, before, sc.CreatedAt, sc.UpdatedAt)
	if sc.FileName != facteur.DefaultFileName || sc.CatchUp != facteur.CatchUpOnce {
		t.Errorf("defaults: file name %q catch-up %q", sc.FileName, sc.CatchUp)
	}
	wantNext := time.Date(2025, 3, 30, 4, 0, 0, 123456000, time.UTC)
	if !sc.NextRunAt.Equal(wantNext) || sc.NextRunAt.Location() != time.UTC {
		t.Errorf("NextRunAt = %v, want %v (UTC, µs)", sc.NextRunAt, wantNext)
	}
	got, err := s.Schedule(ctx, sc.ID)
	must(t, err)
	if !reflect.DeepEqual(got, sc) || got.HMACKey != sc.HMACKey || !got.HMACKeySet {
		t.Fatalf("Schedule = %s\nwant %s", js(got), js(sc))
	}
	if b, _ := json.Marshal(got); strings.Contains(string(b), sc.HMACKey) {
		t.Fatalf("a schedule's JSON shows its hmac key: %s", b)
	}
	if *got.NextRunAt != wantNext {
		t.Fatalf("NextRunAt read back = %v, want %v", got.NextRunAt, wantNext)
	}

	sc.Enabled, sc.NextRunAt, sc.IncludeFields, sc.Options = false, nil, nil, facteur.ScheduleOptions{}
	sc.Obfuscate, sc.HMACKey = nil, ""
	sc.Calendar = facteur.Calendar{Frequency: facteur.Monthly, Months: []int{1, 7}, DayOfMonth: -1, At: "23:30"}
	sc.CatchUp, sc.FileName = facteur.CatchUpSkip, "{label}_{run_id}.{ext}"
	must(t, s.UpdateSchedule(ctx, sc))
	got, err = s.Schedule(ctx, sc.ID)
	must(t, err)
	if !reflect.DeepEqual(got, sc) || got.HMACKeySet || got.Obfuscate != nil {
		t.Fatalf("updated Schedule = %s\nwant %s", js(got), js(sc))
	}
	other := f.schedule(t, ctx, s, "Weekly", nil)
	list, err := s.Schedules(ctx)
	must(t, err)
	if len(list) != 2 || !reflect.DeepEqual(list[0], sc) || list[1].ID != other.ID {
		t.Fatalf("Schedules = %s", js(list))
	}

	_, err = s.Schedule(ctx, 9999)
	wantCode(t, err, facteur.ENOTFOUND)
	missing := *sc
	missing.ID = 9999
	wantCode(t, s.UpdateSchedule(ctx, &missing), facteur.ENOTFOUND)
	bad := *sc
	bad.ID, bad.ReportID = 0, 9999
	err = s.CreateSchedule(ctx, &bad)
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != "report_id: there is no report 9999" {
		t.Errorf("message = %q", msg)
	}
	bad.ReportID, bad.DestinationID = f.rep.ID, 9999
	err = s.CreateSchedule(ctx, &bad)
	wantCode(t, err, facteur.EINVALID)
	if msg := facteur.ErrorMessage(err); msg != "destination_id: there is no destination 9999" {
		t.Errorf("message = %q", msg)
	}
	bad.DestinationID, bad.Format.Format = f.dst.ID, "docx"
	wantCode(t, s.CreateSchedule(ctx, &bad), facteur.EINVALID)

	wantCode(t, s.DeleteSchedule(ctx, 9999), facteur.ENOTFOUND)
	must(t, s.DeleteSchedule(ctx, other.ID))
	_, err = s.Schedule(ctx, other.ID)
	wantCode(t, err, facteur.ENOTFOUND)
}

// testDeleteInUse checks that an object others use cannot be deleted, with
// a message naming the user, and that the run history outlives a schedule.
func testDeleteInUse(t *testing.T, newDB NewDatabase) {
	ctx, s := testContext(t), Open(t, newDB(t))
	f := seed(t, ctx, s)
	sc := f.schedule(t, ctx, s, "Daily tickets", nil)
	slot := ts(t, "2025-01-02T06:00:00Z")
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: f.rep.ID, DestinationID: f.dst.ID, Trigger: facteur.TriggerSchedule, ScheduledFor: &slot}
	must(t, s.CreateRun(ctx, run))

	for _, c := range []struct {
		name string
		err  error
		msg  string
	}{
		{"source", s.DeleteSource(ctx, f.src.ID), `source "crm" is used by report "tickets"; delete or change the report first`},
		{"report", s.DeleteReport(ctx, f.rep.ID), `report "tickets" is used by schedule "Daily tickets"; delete or change the schedule first`},
		{"destination", s.DeleteDestination(ctx, f.dst.ID), `destination "drop" is used by schedule "Daily tickets"; delete or change the schedule first`},
	} {
		wantCode(t, c.err, facteur.ECONFLICT)
		if got := facteur.ErrorMessage(c.err); got != c.msg {
			t.Errorf("delete %s: message %q, want %q", c.name, got, c.msg)
		}
	}

	must(t, s.DeleteSchedule(ctx, sc.ID))
	got, err := s.Run(ctx, run.ID)
	must(t, err)
	if got.ScheduleID != 0 || got.ReportID != f.rep.ID || !got.ScheduledFor.Equal(slot) {
		t.Fatalf("run after its schedule was deleted = %s: want schedule_id 0, the rest kept", js(got))
	}
	must(t, s.DeleteReport(ctx, f.rep.ID))
	must(t, s.DeleteDestination(ctx, f.dst.ID))
	must(t, s.DeleteSource(ctx, f.src.ID))
	if _, err := s.Run(ctx, run.ID); err != nil {
		t.Fatalf("run after its report was deleted: %v", err)
	}
}
