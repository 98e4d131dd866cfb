package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/calendar"
	"github.com/facteur/facteur/demo"
)

// demoSourceName marks the demo as seeded: a second start finds it and
// seeds nothing.
const demoSourceName = "Demo help desk"

// seedDemo creates, on first start, a demo help-desk database, its source,
// reports, a folder destination under data/outbox and a schedule on
// weekdays at 06:00 Europe/Paris; then it runs the schedule once and says
// where the file went. It returns the run's id, or 0 when the demo was
// set up by an earlier start.
func seedDemo(ctx context.Context, st facteur.Store, q jobQueue, data, base string, owner *facteur.User, out io.Writer) (int64, error) {
	sources, err := st.Sources(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range sources {
		if s.Name == demoSourceName {
			fmt.Fprintf(out, "Demo already set up; its files are in %s. History: curl -H \"Authorization: Bearer $TOKEN\" %s/api/v1/runs (a token: facteur user token --email %s --name demo)\n", filepath.Join(data, "outbox"), base, owner.Email)
			return 0, nil
		}
	}
	dbPath := filepath.Join(data, "demo", "helpdesk.db")
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o750); err != nil {
		return 0, err
	}
	os.Remove(dbPath) // a half-generated file from an interrupted first start
	start := time.Now()
	stats, err := demo.GenerateUntil(ctx, dbPath, 1, time.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("generate demo data: %w", err)
	}
	fmt.Fprintf(out, "Demo: generated a help-desk database (%d agents, %d customers, %d tickets, %d messages) in %s.\n",
		stats.Agents, stats.Customers, stats.Tickets, stats.Messages, time.Since(start).Round(time.Millisecond))

	src := &facteur.Source{Name: demoSourceName, Kind: facteur.SourceSQLite, DSN: "sqlite:" + dbPath, OwnerID: owner.ID}
	if err := st.CreateSource(ctx, src); err != nil {
		return 0, err
	}
	var tickets *facteur.Report
	for _, r := range demo.Reports() {
		r.SourceID, r.OwnerID = src.ID, owner.ID
		if err := st.CreateReport(ctx, &r); err != nil {
			return 0, err
		}
		if tickets == nil {
			tickets = &r
		}
	}
	outbox := filepath.Join(data, "outbox")
	if err := os.MkdirAll(outbox, 0o750); err != nil {
		return 0, err
	}
	cfg, _ := json.Marshal(map[string]any{"path": outbox})
	dest := &facteur.Destination{Name: "Outbox folder", Kind: facteur.DestinationFolder, Config: cfg, OwnerID: owner.ID}
	if err := st.CreateDestination(ctx, dest); err != nil {
		return 0, err
	}
	sc := &facteur.Schedule{
		Name: "Daily tickets", ReportID: tickets.ID, DestinationID: dest.ID, Enabled: true, OwnerID: owner.ID,
		Format:   facteur.FormatOptions{Format: facteur.FormatCSV},
		Calendar: facteur.Calendar{Frequency: facteur.Daily, Days: []string{"weekdays"}, At: "06:00", TimeZone: "Europe/Paris"},
	}
	sc.SetDefaults()
	next, err := calendar.Next(sc.Calendar, time.Now())
	if err != nil {
		return 0, err
	}
	sc.NextRunAt = &next
	if err := st.CreateSchedule(ctx, sc); err != nil {
		return 0, err
	}
	run, err := q.RunNow(ctx, sc.ID, owner.ID)
	if err != nil {
		return 0, err
	}
	token, secret := auth.IssueToken(owner.ID, "demo", nil)
	if err := st.CreateToken(ctx, token); err != nil {
		return 0, err
	}
	fmt.Fprintf(out, "Demo: schedule %q (%s) delivers report %q to %s; sensitive columns (names, e-mails, phones) are left out.\n",
		sc.Name, calendar.Describe(sc.Calendar), tickets.Name, outbox)
	fmt.Fprintf(out, "Demo: an API token of %s (shown once): %s\n", owner.Email, secret)
	fmt.Fprintf(out, "Demo: run %d started now. This run: curl -H \"Authorization: Bearer %s\" %s/api/v1/runs/%d\n", run.ID, secret, base, run.ID)
	return run.ID, nil
}

// reportDemoRun waits for the demo's first run and prints where its file is.
func reportDemoRun(ctx context.Context, st facteur.Store, runID int64, out io.Writer) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		run, err := st.Run(ctx, runID)
		if err != nil {
			return
		}
		switch run.Status {
		case facteur.RunSucceeded:
			fmt.Fprintf(out, "Demo: delivered %s (%d rows, %d bytes, sha-256 %s).\n", run.Location, run.Rows, run.Bytes, run.SHA256)
			return
		case facteur.RunFailed, facteur.RunCancelled, facteur.RunSkipped:
			fmt.Fprintf(out, "Demo: the first run %s: %s\n", run.Status, run.Error)
			return
		}
	}
}
