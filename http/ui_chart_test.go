package http_test

import (
	"context"
	"fmt"
	"html"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/ui"
)

// TestReportFormChart: the report form edits the chart (type, x, the y
// columns ticked, title), shows a refused chart's error next to its field
// with what was chosen, and shows the chart read-only to a viewer.
func TestReportFormChart(t *testing.T) {
	e := newEnv(t)
	h, err := (&ui.Server{API: e.api.Handler()}).Handler()
	must(t, err)
	post := func(role facteur.Role, chart url.Values) (int, string) {
		cookies, csrf := uiLogin(t, e, role)
		form := url.Values{"csrf_token": {csrf}, "name": {"items"}, "source_id": {fmt.Sprint(e.src.ID)}, "table": {"items"},
			"field": {"id", "label"}, "pos_id": {"1"}, "pos_label": {"2"}}
		for k, v := range chart {
			form[k] = v
		}
		req := httptest.NewRequest("POST", fmt.Sprintf("/reports/%d/edit", e.report.ID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, html.UnescapeString(rec.Body.String())
	}

	st, page := post(facteur.RoleAdmin, url.Values{"chart_type": {"line"}, "chart_x": {"label"}, "chart_y": {"label"}})
	if st != 400 || !strings.Contains(page, `chart.y[0]: "label" is the x column`) {
		t.Errorf("x among the y columns: %d, want 400 with the error:\n%.3000s", st, page)
	}
	if !strings.Contains(page, `<option value="line" selected>`) {
		t.Error("the refused form does not keep the chart type chosen")
	}

	st, _ = post(facteur.RoleAdmin, url.Values{"chart_type": {"bar"}, "chart_x": {"label"}, "chart_y": {"id"}, "chart_title": {" Items "}})
	if st != 303 && st != 302 {
		t.Fatalf("save the chart: %d", st)
	}
	rep, err := e.db.Report(context.Background(), e.report.ID)
	must(t, err)
	if c := rep.Chart; c == nil || c.Type != "bar" || c.X != "label" || strings.Join(c.Y, ",") != "id" || c.Title != "Items" {
		t.Fatalf("saved chart %+v", c)
	}

	page = uiPages(t, e)(fmt.Sprintf("/reports/%d/edit", e.report.ID))
	for _, want := range []string{`<label for="chart_type">`, `<option value="bar" selected>`, `<option value="label" selected>label</option>`,
		`name="chart_y" value="id" checked`, `<label for="chart_title">`, `value="Items"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report form lacks %s", want)
		}
	}

	// A viewer sees the chart in a disabled fieldset and cannot save it.
	rec := httptest.NewRecorder()
	cookies, _ := uiLogin(t, e, facteur.RoleViewer)
	req := httptest.NewRequest("GET", fmt.Sprintf("/reports/%d/edit", e.report.ID), nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	h.ServeHTTP(rec, req)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `<fieldset disabled id="chart">`) {
		t.Errorf("viewer's report form: %d, want the chart fieldset disabled", rec.Code)
	}
}
