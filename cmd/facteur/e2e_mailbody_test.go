package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/store"
)

// agentsSource is a SQLite database of n agents, some of whose teams need
// escaping in HTML.
func agentsSource(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agents.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().Exec("CREATE TABLE agents (id INTEGER PRIMARY KEY, team TEXT, score REAL)"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := db.SQL().Exec("INSERT INTO agents VALUES (?, ?, ?)", i, fmt.Sprintf("<Agent & %d>", i), float64(i)/4); err != nil {
			t.Fatal(err)
		}
	}
	return "sqlite:" + path
}

// renderedRows opens an HTML mail body in Chromium and returns its
// table's cells as the browser shows them, row by row (header first).
func renderedRows(t *testing.T, body string) [][]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.html")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	b := tab{t, browser(t)}
	b.do(chromedp.Navigate("file://" + path))
	return eval[[][]string](b, `[...document.querySelectorAll("table tr")].map(tr => [...tr.cells].map(c => c.innerText))`)
}

// TestMailBody: an e-mail destination that shows the report in the mail
// itself sends an HTML table with its text version, the first rows only
// and a link to the whole file when there are more, or the table and the
// file attached; Chromium renders every value shown.
func TestMailBody(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	n := startServe(t, t.TempDir())
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none", "from": "facteur@example.org"}, nil)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)

	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "agents", "dsn": agentsSource(t, 25)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "agents", "source_id": src.ID, "sql": "select * from agents order by id"}, &rep)
	var bad struct{ Error struct{ Message string } }
	for _, cfg := range []map[string]any{{"body": "inline"}, {"body": "table", "body_rows": 10001}, {"body": "table", "body_rows": -1}} {
		cfg["to"] = []string{"partner@example.org"}
		if st := n.call("POST", "/api/v1/destinations", map[string]any{"name": "m", "kind": "email", "config": cfg}, &bad); st != 400 || !strings.HasPrefix(bad.Error.Message, "body") {
			t.Errorf("config %v: %d %q", cfg, st, bad.Error.Message)
		}
	}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Agents mail", "kind": "email", "config": map[string]any{
		"to": []string{"partner@example.org"}, "body": "table", "body_rows": 10}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "agents.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)

	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("run: %s %s", r.Status, r.Error)
	}
	got := smtp.WaitFor(1, 10*time.Second)
	m := parseMail(t, got[0].Data)
	if len(m.attachments) != 0 {
		t.Errorf("a mail showing the table attached %d files", len(m.attachments))
	}
	for _, want := range []string{"<Agent & 1>", "<Agent & 10>", "2.5", "(25 rows; the last 15 are left out)"} {
		if !strings.Contains(m.text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.text)
		}
	}
	if strings.Contains(m.text, "<Agent & 11>") {
		t.Errorf("text part shows row 11 of a 10-row table:\n%s", m.text)
	}
	body := m.html
	if strings.Contains(body, "<Agent") || strings.Contains(body, "<script") {
		t.Errorf("HTML part holds unescaped values or a script:\n%s", body)
	}
	rows := renderedRows(t, body)
	if len(rows) != 11 || strings.Join(rows[0], "|") != "id|team|score" {
		t.Fatalf("rendered table: %d rows, header %v", len(rows), rows[0])
	}
	for i, r := range rows[1:] {
		want := fmt.Sprintf("%d|<Agent & %d>|%g", i+1, i+1, float64(i+1)/4)
		if strings.Join(r, "|") != want {
			t.Errorf("rendered row %d = %q, want %q", i+1, strings.Join(r, "|"), want)
		}
	}
	// The rows left out are in the whole file, behind the mail's link.
	link := regexp.MustCompile(`http://\S+/download/\S+`).FindString(m.text)
	if link == "" || !strings.Contains(body, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Fatalf("no link to the whole file: text %q", m.text)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(whole), "25,<Agent & 25>,6.25\n") {
		t.Fatalf("download: %d %q", resp.StatusCode, whole)
	}

	// Both: every row (under the default of 1,000) and the file attached,
	// with the report's chart above the table.
	n.must(200, "PUT", fmt.Sprintf("/api/v1/reports/%d", rep.ID), map[string]any{"name": "agents", "source_id": src.ID, "sql": "select * from agents order by id",
		"chart": map[string]any{"type": "line", "x": "id", "y": []string{"score"}}}, nil)
	n.must(200, "PUT", fmt.Sprintf("/api/v1/destinations/%d", dest.ID), map[string]any{"name": "Agents mail", "kind": "email", "config": map[string]any{
		"to": []string{"partner@example.org"}, "body": "both", "message": "Hello,\nthe agents of the day."}}, nil)
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("run: %s %s", r.Status, r.Error)
	}
	got = smtp.WaitFor(2, 10*time.Second)
	m = parseMail(t, got[1].Data)
	if !strings.Contains(string(m.attachments["agents.csv"]), "25,<Agent & 25>,6.25\n") {
		t.Errorf("attachments %v, want agents.csv", m.attachments)
	}
	if !strings.Contains(m.text, "the agents of the day.") || !strings.Contains(m.text, "<Agent & 25>") || strings.Contains(m.text, "left out") || strings.Contains(m.text, "/download/") {
		t.Errorf("text part:\n%s", m.text)
	}
	body, images := m.html, m.images
	if rows := renderedRows(t, body); len(rows) != 26 {
		t.Errorf("rendered table of %d rows, want the header and 25", len(rows))
	}
	cid := regexp.MustCompile(`src="cid:([^"]+)"`).FindStringSubmatch(body)
	if cid == nil || len(images) != 1 {
		t.Fatalf("the chart is not in the mail: %d images, HTML %.300q", len(images), body)
	}
	img, err := png.Decode(bytes.NewReader(images[cid[1]]))
	if err != nil || img.Bounds().Dx() < 600 {
		t.Fatalf("the mail's chart %q: %v, %v", cid[1], err, img)
	}
}
