package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/ui"
)

// TestSchedulesPageAt10000 measures the schedules page of the web UI with
// 10,000 schedules against the API's own list of them, in the same
// process: it prints the times and their ratio (no timing assertion). Run
// it with: go test ./http -run TestSchedulesPageAt10000 -v
func TestSchedulesPageAt10000(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 schedules")
	}
	e := newEnv(t)
	ctx := context.Background()
	admin := e.users[facteur.RoleAdmin]
	start := time.Now()
	must(t, e.db.InTx(ctx, func(tx facteur.Store, _ any) error {
		for i := range 10000 {
			sc := &facteur.Schedule{Name: fmt.Sprintf("Partner feed %05d", i), ReportID: e.report.ID, DestinationID: e.folder.ID, OwnerID: admin.ID,
				Calendar: facteur.Calendar{Frequency: facteur.Daily, Days: []string{"weekdays"}, At: "06:00", TimeZone: "Europe/Paris"}}
			sc.SetDefaults()
			if err := tx.CreateSchedule(ctx, sc); err != nil {
				return err
			}
		}
		return nil
	}))
	t.Logf("created 10,000 schedules in %s", time.Since(start).Round(time.Millisecond))

	web, err := (&ui.Server{API: e.api.Handler()}).Handler()
	must(t, err)
	resp, err := http.Post(e.srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"email":"admin@example.org","password":"password of admin@example.org"}`))
	must(t, err)
	resp.Body.Close()
	cookies := resp.Cookies()
	get := func(h http.Handler, path string) (time.Duration, string) {
		best := time.Hour
		var body string
		for range 5 {
			req := httptest.NewRequest("GET", path, nil)
			for _, c := range cookies {
				req.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			best = min(best, time.Since(t0))
			if rec.Code != 200 {
				t.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
			}
			body = rec.Body.String()
		}
		return best, body
	}
	api, _ := get(e.api.Handler(), "/api/v1/schedules")
	page, body := get(web, "/schedules?page=120")
	search, found := get(web, "/schedules?q=feed+09999")
	if !strings.Contains(body, "Page 120 of 201 (10002 schedules)") || strings.Count(found, "<tr data-schedule=") != 1 {
		t.Fatalf("pages: %q, search found %d", body[strings.Index(body, "Page "):][:40], strings.Count(found, "<tr data-schedule="))
	}
	t.Logf("best of 5: API list %s; page 120 of the UI %s (%.2f× the API list); search %s (%.2f×)",
		api.Round(time.Millisecond), page.Round(time.Millisecond), float64(page)/float64(api), search.Round(time.Millisecond), float64(search)/float64(api))
}
