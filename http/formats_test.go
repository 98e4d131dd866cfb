package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// TestFormatsList: GET /api/v1/formats lists the server's formats, in
// order, with what the forms need to offer them.
func TestFormatsList(t *testing.T) {
	e := newEnv(t)
	st, body := e.do(e.tokens[facteur.RoleViewer], "GET", "/api/v1/formats", "")
	var got struct {
		Formats []format.Description `json:"formats"`
	}
	if st != 200 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("GET /api/v1/formats: %d %s", st, body)
	}
	var names []string
	for _, f := range got.Formats {
		names = append(names, f.Name)
		if f.Ext == "" || f.MediaType == "" || f.Help == "" || f.Options == nil {
			t.Errorf("%s: %+v, want an extension, a media type, a help line and a list of options", f.Name, f)
		}
	}
	// The built-in formats, in the registry's order (the first five first).
	if want := strings.Join(format.Builtin().Names(), " "); strings.Join(names, " ") != want || !strings.HasPrefix(want, "csv csv.zip json ndjson xlsx") {
		t.Errorf("formats %q, want %s", names, want)
	}
	if x := got.Formats[4]; x.Name != "xlsx" || !x.ForPeople || x.Compressible || strings.Join(x.Options, ",") != "xlsx_dates" {
		t.Errorf("xlsx: %+v", x)
	}
	if !strings.Contains(body, `"media_type": "text/csv; charset=utf-8"`) {
		t.Errorf("no media type in %s", body)
	}
}

// TestAThrowAwayFormatIsEverywhere registers a format in this test only
// and finds it in the API's list and validation, the schedule form's
// choices and the content type a partner's webhook receives: no other
// file names the formats.
func TestAThrowAwayFormatIsEverywhere(t *testing.T) {
	e := newEnvWith(t, formattest.Registry())
	admin := e.tokens[facteur.RoleAdmin]

	if st, body := e.do(admin, "GET", "/api/v1/formats", ""); st != 200 || !strings.Contains(body, `"name": "tsv-test"`) || !strings.Contains(body, `"media_type": "text/tab-separated-values"`) {
		t.Errorf("GET /api/v1/formats: %d %s", st, body)
	}

	var mu sync.Mutex
	var gotType, gotBody string
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotType, gotBody = r.Header.Get("Content-Type"), string(b)
		mu.Unlock()
	}))
	t.Cleanup(partner.Close)
	st, body := e.do(admin, "POST", "/api/v1/destinations", fmt.Sprintf(`{"name":"partner hook","kind":"webhook","config":{"url":%q,"secret":"a secret of the partner's"}}`, partner.URL+"/in"))
	var dest facteur.Destination
	if st != 201 || json.Unmarshal([]byte(body), &dest) != nil {
		t.Fatalf("create the webhook: %d %s", st, body)
	}
	schedule := func(format string) string {
		return fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"format":%s,"calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"}}`, e.report.ID, dest.ID, format)
	}
	names := formattest.Registry().Names()
	for _, tt := range []struct{ format, field string }{
		{`{"format":"tsv-test","bom":true}`, `"format.bom: only csv or csv.zip files use it`},
		{`{"format":"tsv-test","xlsx_dates":"text"}`, `"format.xlsx_dates: only xlsx files use it`},
		// Every registered format is offered, the throw-away one last.
		{`{"format":"tsv"}`, `"format.format: use one of ` + strings.Join(names[:len(names)-1], ", ") + ` or tsv-test"`},
	} {
		if st, body := e.do(admin, "POST", "/api/v1/schedules", schedule(tt.format)); st != 400 || !strings.Contains(body, tt.field) {
			t.Errorf("schedule with %s: %d %s, want 400 with %s", tt.format, st, body, tt.field)
		}
	}
	st, body = e.do(admin, "POST", "/api/v1/schedules", schedule(`{"format":"tsv-test","no_header":true,"compression":"gzip"}`))
	var sc facteur.Schedule
	if st != 201 || json.Unmarshal([]byte(body), &sc) != nil || sc.Format.Format != "tsv-test" || !sc.Format.NoHeader {
		t.Fatalf("schedule in tsv-test: %d %s", st, body)
	}
	st, body = e.do(admin, "POST", "/api/v1/file-name/preview", fmt.Sprintf(`{"file_name":"{export_name}.{ext}","report_id":%d,"format":"tsv-test"}`, e.report.ID))
	if st != 200 || !strings.Contains(body, `"items.tsv"`) {
		t.Errorf("file-name preview: %d %s", st, body)
	}

	pages := uiPages(t, e)
	page := pages("/schedules/new")
	if !strings.Contains(page, `<option value="tsv-test"`) || !strings.Contains(page, `data-for-format="csv csv.zip tsv-test"`) {
		t.Errorf("the schedule form does not offer tsv-test, nor its header option:\n%s", page)
	}
	page = pages("/exports")
	var compressible []string
	for _, f := range formattest.Registry().Formats() {
		if f.Compressible {
			compressible = append(compressible, f.Name)
		}
	}
	if !strings.Contains(page, `<option value="tsv-test"`) || !strings.Contains(page, `data-for-format="`+strings.Join(compressible, " ")+`"`) ||
		!strings.HasPrefix(strings.Join(compressible, " "), "csv json ndjson ") {
		t.Errorf("the one-off export form does not offer tsv-test, nor its compression:\n%s", page)
	}

	// A run of the schedule: the partner receives tab-separated values as
	// text/tab-separated-values, compressed as the schedule says.
	sc.Format.Compression = ""
	ctx := context.Background()
	if err := e.db.UpdateSchedule(ctx, &sc); err != nil {
		t.Fatal(err)
	}
	run := &facteur.Run{ScheduleID: sc.ID, ReportID: sc.ReportID, DestinationID: sc.DestinationID, OwnerID: sc.OwnerID,
		Trigger: facteur.TriggerManual, Status: facteur.RunQueued}
	must(t, e.db.CreateRun(ctx, run))
	if err := e.runner.Execute(ctx, run); err != nil {
		t.Fatalf("run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if gotType != "text/tab-separated-values" || gotBody != "1\ta\n2\tb\n" || !strings.HasSuffix(run.FileName, ".tsv") {
		t.Errorf("the partner received %q as %q in %s, want the rows tab-separated as text/tab-separated-values", gotBody, gotType, run.FileName)
	}
}
