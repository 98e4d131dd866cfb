package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestReportChart: a report's chart is saved, returned and checked by the
// API; a png schedule or one-off export of a report without a chart is
// refused when saved, and fails clearly if the chart went away since; a
// png run delivers a picture of the chart.
func TestReportChart(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	put := func(chart string) (int, string) {
		return e.do(admin, "PUT", fmt.Sprintf("/api/v1/reports/%d", e.report.ID),
			fmt.Sprintf(`{"name":"items","source_id":%d,"table":"items","fields":[{"name":"id"},{"name":"label"}],"chart":%s}`, e.src.ID, chart))
	}
	for _, tt := range []struct{ chart, msg string }{
		{`{"type":"pie","x":"label","y":["id"]}`, `chart.type: use \"line\" or \"bar\"`},
		{`{"type":"bar","x":"label","y":[]}`, `chart.y: name at least one column`},
		{`{"type":"bar","x":"label","y":["nope"]}`, `chart.y[0]: the report has no field \"nope\"`},
		{`{"type":"bar","x":"label","y":["id","label"]}`, `chart.y[1]: \"label\" is the x column`},
		{`{"type":"bar","x":"when","y":["id"]}`, `chart.x: the report has no field \"when\"`},
		{fmt.Sprintf(`{"type":"bar","x":"label","y":["id"],"title":%q}`, strings.Repeat("t", 201)), `chart.title: at most 200 bytes`},
	} {
		if st, body := put(tt.chart); st != 400 || !strings.Contains(body, tt.msg) {
			t.Errorf("chart %s: %d %s, want 400 with %s", tt.chart, st, body, tt.msg)
		}
	}

	// A report without a chart: png is refused, pdf is not.
	schedule := func(format string) (int, string) {
		return e.do(admin, "POST", "/api/v1/schedules", fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"format":{"format":%q},"file_name":"items.{ext}","calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"}}`, e.report.ID, e.folder.ID, format))
	}
	const refused = `format.format: png files draw the report's chart, and this report has none`
	if st, body := schedule("png"); st != 400 || !strings.Contains(body, refused) {
		t.Errorf("png schedule without a chart: %d %s", st, body)
	}
	if st, body := e.do(admin, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"format":{"format":"png"}}`, e.report.ID)); st != 400 || !strings.Contains(body, refused) {
		t.Errorf("png export without a chart: %d %s", st, body)
	}
	if st, body := schedule("pdf"); st != 201 {
		t.Errorf("pdf schedule without a chart: %d %s", st, body)
	}

	st, body := put(`{"type":"bar","x":"label","y":["id"],"title":"Items ✓"}`)
	var rep facteur.Report
	if st != 200 || json.Unmarshal([]byte(body), &rep) != nil || rep.Chart == nil || rep.Chart.Title != "Items ✓" {
		t.Fatalf("report with a chart: %d %s", st, body)
	}
	if st, body := e.do(e.tokens[facteur.RoleViewer], "GET", fmt.Sprintf("/api/v1/reports/%d", e.report.ID), ""); st != 200 || !strings.Contains(body, `"chart": {`) || !strings.Contains(body, `"x": "label"`) {
		t.Errorf("GET the report: %d %s", st, body)
	}
	// A field the chart draws cannot be drawn hashed: refused by its rule.
	const hashed = `obfuscate[0].field: the report's chart draws field \"id\", which cannot be drawn obfuscated`
	if st, body := e.do(admin, "POST", "/api/v1/schedules", fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"format":{"format":"png"},"obfuscate":[{"field":"id","method":"hash"}],"calendar":{"frequency":"daily"}}`, e.report.ID, e.folder.ID)); st != 400 || !strings.Contains(body, hashed) {
		t.Errorf("png schedule of a hashed y column: %d %s", st, body)
	}
	if st, body := e.do(admin, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"format":{"format":"png"},"obfuscate":[{"field":"id","method":"hash"}]}`, e.report.ID)); st != 400 || !strings.Contains(body, "obfuscate[0].field") {
		t.Errorf("png export of a hashed y column: %d %s", st, body)
	}
	st, body = schedule("png")
	var sc facteur.Schedule
	if st != 201 || json.Unmarshal([]byte(body), &sc) != nil {
		t.Fatalf("png schedule with a chart: %d %s", st, body)
	}

	// The run draws the chart and delivers a PNG to the folder.
	ctx := context.Background()
	runOnce := func() (*facteur.Run, error) {
		run := &facteur.Run{ScheduleID: sc.ID, ReportID: sc.ReportID, DestinationID: sc.DestinationID, OwnerID: sc.OwnerID,
			Trigger: facteur.TriggerManual, Status: facteur.RunQueued}
		must(t, e.db.CreateRun(ctx, run))
		return run, e.runner.Execute(ctx, run)
	}
	if _, err := runOnce(); err != nil {
		t.Fatalf("run: %v", err)
	}
	f, err := os.Open(filepath.Join(e.dir, "items.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 1200 {
		t.Errorf("the delivered file is not the chart's PNG: %v", err)
	}

	// The chart goes away after the schedule was saved: the run says why.
	rep.Chart = nil
	must(t, e.db.UpdateReport(ctx, &rep))
	if _, err := runOnce(); err == nil || !strings.Contains(err.Error(), "the report has no chart") {
		t.Errorf("a png run of a report without a chart: %v", err)
	}
}
