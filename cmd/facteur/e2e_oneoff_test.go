package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/store"
)

// TestOneOffExport (F5, A5): an editor exports a report for February only;
// it runs in the background as them, the file holds February's rows, it is
// in their list of exports and downloadable by them alone, and they are
// mailed a link that works for at least 3 days.
func TestOneOffExport(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	n := startServe(t, t.TempDir())
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none", "auth": "none", "from": "facteur@example.org"}, nil)
	ed := n.addAccount("editor@example.org", facteur.RoleEditor)
	other := n.addAccount("other@example.org", facteur.RoleEditor)

	path := filepath.Join(t.TempDir(), "tickets.db")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT, created TEXT)",
		"INSERT INTO tickets VALUES (1, 'January', '2026-01-31 23:59:59'), (2, 'first of February', '2026-02-01 00:00:00'), " +
			"(3, 'mid-February', '2026-02-14 09:30:00'), (4, 'March', '2026-03-01 00:00:00')"} {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	var src, rep struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "help desk", "dsn": "sqlite:" + path}, &src)
	ed.must(201, "POST", "/api/v1/reports", map[string]any{"name": "tickets", "source_id": src.ID, "sql": "select id, subject, created from tickets order by id", "created_column": "created"}, &rep)

	// A zone that means the server's own, or a path that only looks like
	// an IANA name, is refused as calendars refuse it.
	for _, zone := range []string{"Local", "Europe/./Paris", "/Europe/Paris"} {
		ed.must(400, "POST", "/api/v1/exports", map[string]any{"report_id": rep.ID, "format": map[string]any{"format": "csv"}, "time_zone": zone}, nil)
	}

	var run facteur.Run
	ed.must(202, "POST", "/api/v1/exports", map[string]any{"report_id": rep.ID, "format": map[string]any{"format": "csv"}, "time_zone": "Europe/Paris",
		"period": map[string]any{"on": "created", "from": "2026-02-01", "to": "2026-03-01"}}, &run)
	r := ed.waitRun(run.ID)
	const want = "id,subject,created\n2,first of February,2026-02-01 00:00:00\n3,mid-February,2026-02-14 09:30:00\n"
	if r.Status != facteur.RunSucceeded || r.Rows != 2 || r.Trigger != facteur.TriggerExport || r.OwnerID == 0 {
		t.Fatalf("export run: %+v\n%+v", r.Run, r.Log)
	}
	var mine []facteur.Run
	ed.must(200, "GET", "/api/v1/exports", nil, &mine)
	if len(mine) != 1 || mine[0].ID != run.ID {
		t.Errorf("my exports: %+v", mine)
	}
	resp := ed.request("GET", fmt.Sprintf("/api/v1/runs/%d/download", run.ID), nil)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != want {
		t.Errorf("download: %q", got)
	}

	// Another account sees nothing of it.
	if st := other.call("GET", fmt.Sprintf("/api/v1/runs/%d/download", run.ID), nil, nil); st != 404 {
		t.Errorf("another editor downloads it: %d", st)
	}
	var theirs []facteur.Run
	other.must(200, "GET", "/api/v1/exports", nil, &theirs)
	if len(theirs) != 0 {
		t.Errorf("another editor lists %+v", theirs)
	}

	// The mailed link works, for at least 3 days.
	mails := smtp.WaitFor(1, 20*time.Second)
	m := parseMail(t, mails[0].Data)
	link := regexp.MustCompile(`http://\S+/download/(\d+)/(\d+)/\S+`).FindStringSubmatch(m.text)
	if mails[0].To[0] != "editor@example.org" || link == nil || !strings.Contains(m.header.Get("Subject"), "Your export is ready") {
		t.Fatalf("mail to %v: %q", mails[0].To, m.text)
	}
	var exp int64
	fmt.Sscan(link[2], &exp)
	if time.Until(time.Unix(exp, 0)) < 71*time.Hour {
		t.Errorf("the link expires at %s", time.Unix(exp, 0))
	}
	lr, err := http.Get(link[0])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(lr.Body)
	lr.Body.Close()
	if string(body) != want {
		t.Errorf("download link: %d %q", lr.StatusCode, body)
	}

	for _, bad := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"report_id": rep.ID, "period": map[string]any{"on": "updated", "from": "2026-02-01"}}, "has no updated time column"},
		{map[string]any{"report_id": rep.ID, "period": map[string]any{"on": "created", "from": "2026-03-01", "to": "2026-02-01"}}, "period.to"},
		{map[string]any{"report_id": rep.ID, "period": map[string]any{"on": "created", "from": "1 Feb"}}, "period.from"},
		{map[string]any{"report_id": rep.ID, "format": map[string]any{"format": "docx"}}, "format.format"},
	} {
		var e struct{ Error struct{ Message string } }
		if st := ed.call("POST", "/api/v1/exports", bad.body, &e); st != 400 || !strings.Contains(e.Error.Message, bad.msg) {
			t.Errorf("%v: %d %q", bad.body, st, e.Error.Message)
		}
	}
	var e struct{ Error struct{ Message string } }
	if st := ed.call("POST", fmt.Sprintf("/api/v1/runs/%d/retry", run.ID), nil, &e); st != 400 || !strings.Contains(e.Error.Message, "one-off export") {
		t.Errorf("retry of an export: %d %q", st, e.Error.Message)
	}
}

// TestCompressedFiles (C1): `facteur export --compression` and a schedule
// with a compression write .gz and .zst files that decompress, with
// independent readers, to the plain export.
func TestCompressedFiles(t *testing.T) {
	dsn := smallSQLiteSource(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "items.csv")
	if out, err := exec.Command(bin, "export", "--source", dsn, "--table", "items", "--output", plain).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want, _ := os.ReadFile(plain)
	for _, c := range []string{"gzip", "zstd"} {
		out := filepath.Join(dir, "items.csv."+c)
		if o, err := exec.Command(bin, "export", "--source", dsn, "--table", "items", "--compression", c, "--output", out).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c, err, o)
		}
		if got := decompress(t, out, c); string(got) != string(want) {
			t.Errorf("%s: %q, want %q", c, got, want)
		}
	}

	n := startServe(t, t.TempDir())
	outbox := t.TempDir()
	var src, rep, dest, sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": dsn}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "table": "items"}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false, "file_name": "items.{ext}",
		"format": map[string]any{"format": "csv", "compression": "zstd"}, "calendar": map[string]any{"frequency": "daily"}}, &sc)
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded || r.FileName != "items.csv.zst" {
		t.Fatalf("run: %s %s %q", r.Status, r.Error, r.FileName)
	}
	if got := decompress(t, filepath.Join(outbox, "items.csv.zst"), "zstd"); string(got) != string(want) {
		t.Errorf("delivered: %q", got)
	}
	var e struct{ Error struct{ Message string } }
	if st := n.call("POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID,
		"format": map[string]any{"format": "xlsx", "compression": "gzip"}, "calendar": map[string]any{"frequency": "daily"}}, &e); st != 400 || !strings.Contains(e.Error.Message, "zip files already") {
		t.Errorf("xlsx with gzip: %d %q", st, e.Error.Message)
	}
}

// decompress reads a .gz file with the standard library, a .zst one with
// the zstd command-line tool when it is installed, else klauspost's decoder.
func decompress(t *testing.T, path, c string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader
	switch c {
	case "gzip":
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	default:
		if zstdBin, err := exec.LookPath("zstd"); err == nil {
			out, err := exec.Command(zstdBin, "-dc", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		d, err := zstd.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		r = d
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
