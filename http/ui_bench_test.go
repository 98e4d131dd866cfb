package http_test

import (
	"context"
	"encoding/json"
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
	// The first schedule ran once, long ago; the last one 1,500 times
	// since: the list must still show the first one's last run.
	list, err := e.db.Schedules(ctx)
	must(t, err)
	byName := map[string]*facteur.Schedule{}
	for _, sc := range list {
		byName[sc.Name] = sc
	}
	first, last := byName["Partner feed 00000"], byName["Partner feed 09999"]
	old := &facteur.Run{ScheduleID: first.ID, ReportID: e.report.ID, DestinationID: e.folder.ID, OwnerID: admin.ID,
		Trigger: facteur.TriggerManual, Status: facteur.RunFailed}
	must(t, e.db.CreateRun(ctx, old))
	must(t, e.db.InTx(ctx, func(tx facteur.Store, _ any) error {
		for range 1500 {
			if err := tx.CreateRun(ctx, &facteur.Run{ScheduleID: last.ID, ReportID: e.report.ID, DestinationID: e.folder.ID,
				OwnerID: admin.ID, Trigger: facteur.TriggerManual, Status: facteur.RunSucceeded}); err != nil {
				return err
			}
		}
		return nil
	}))

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
	api, listed := get(e.api.Handler(), "/api/v1/schedules")
	var items []struct {
		ID      int64 `json:"id"`
		LastRun *struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"last_run"`
	}
	must(t, json.Unmarshal([]byte(listed), &items))
	latest, err := e.db.LatestRuns(ctx)
	must(t, err)
	withRuns := 0
	for _, it := range items {
		if it.LastRun != nil {
			withRuns++
		}
		if it.ID == last.ID && (it.LastRun == nil || it.LastRun.ID != latest[last.ID].ID) {
			t.Errorf("API list: last_run of the last schedule = %+v, want run %d", it.LastRun, latest[last.ID].ID)
		}
		if it.ID == first.ID && (it.LastRun == nil || it.LastRun.ID != old.ID || it.LastRun.Status != facteur.RunFailed) {
			t.Errorf("API list: last_run of the first schedule = %+v, want run %d failed", it.LastRun, old.ID)
		}
	}
	if len(items) != 10002 || withRuns != len(latest) {
		t.Errorf("API list: %d schedules, %d with a last run; want 10002 and %d", len(items), withRuns, len(latest))
	}
	page, body := get(web, "/schedules?page=120")
	search, found := get(web, "/schedules?q=feed+09999")
	if !strings.Contains(body, "Page 120 of 201 (10002 schedules)") || strings.Count(found, "<tr data-schedule=") != 1 {
		t.Fatalf("pages: %q, search found %d", body[strings.Index(body, "Page "):][:40], strings.Count(found, "<tr data-schedule="))
	}
	if _, row := get(web, "/schedules?q=feed+00000"); !strings.Contains(row, fmt.Sprintf(`href="/runs/%d">failed</a>`, old.ID)) {
		t.Errorf("the schedule whose last run is older than the 1,500 newest does not show it:\n%s", row)
	}
	t.Logf("best of 5: API list %s; page 120 of the UI %s (%.2f× the API list); search %s (%.2f×)",
		api.Round(time.Millisecond), page.Round(time.Millisecond), float64(page)/float64(api), search.Round(time.Millisecond), float64(search)/float64(api))
}
