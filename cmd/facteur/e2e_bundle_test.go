package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/internal/testdb"
)

// dashboard is a PostgreSQL source with three reports (agents, cases,
// messages) and the bytes of each one's export as a schedule of that
// report alone delivers it.
type dashboard struct {
	source  int64
	reports []int64
	names   []string
	single  map[string][]byte // report name -> its file delivered alone
}

// newDashboard fills a fresh PostgreSQL database with a contact centre's
// three tables, makes the reports and delivers each alone to a folder.
func newDashboard(t *testing.T, n *node) *dashboard {
	t.Helper()
	db := freshDatabase(t)
	pgExec(t, db,
		`create table agents (id int primary key, name text, email text, hired date)`,
		`insert into agents select i, 'Agent ' || i || ', "senior"', 'agent' || i || '@example.org', date '2020-01-01' + i from generate_series(1, 300) i`,
		`create table cases (id int primary key, agent_id int, opened timestamptz, subject text)`,
		`insert into cases select i, 1 + i % 300, timestamptz '2026-01-01 00:00:00+00' + i * interval '17 minutes', 'Sujet n°' || i || E'\nligne 2' from generate_series(1, 2000) i`,
		`create table messages (id bigint primary key, case_id int, body text, amount numeric(12,2))`,
		`insert into messages select i, 1 + i % 2000, repeat('é', i % 40) || ' body ' || i, i * 1.25 from generate_series(1, 5000) i`,
	)
	d := &dashboard{single: map[string][]byte{}, names: []string{"agents", "cases", "messages"}}
	var src struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "contact centre", "dsn": testdb.PostgresReader(t, db)}, &src)
	d.source = src.ID
	refs := t.TempDir()
	var dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "references", "kind": "folder", "config": map[string]any{"path": refs}}, &dest)
	for _, name := range d.names {
		var rep struct{ ID int64 }
		n.must(201, "POST", "/api/v1/reports", map[string]any{"name": name, "source_id": src.ID, "sql": "select * from " + name + " order by id"}, &rep)
		d.reports = append(d.reports, rep.ID)
		if r := runOnce(t, n, rep.ID, dest.ID, name+".csv"); r.Status != facteur.RunSucceeded {
			t.Fatalf("single export of %s: %s %s", name, r.Status, r.Error)
		}
		b, err := os.ReadFile(filepath.Join(refs, name+".csv"))
		if err != nil || len(b) < 1000 {
			t.Fatalf("single export of %s: %d bytes, %v", name, len(b), err)
		}
		d.single[name] = b
	}
	return d
}

// schedule creates a bundle schedule of reports (the first the
// schedule's own) to dest and returns its id.
func (d *dashboard) schedule(t *testing.T, n *node, dest int64, packaging, fileName string, reports []int64, options map[string]any) int64 {
	t.Helper()
	var more []map[string]any
	for _, id := range reports[1:] {
		more = append(more, map[string]any{"report_id": id})
	}
	var sc struct{ ID int64 }
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Nightly " + packaging, "report_id": reports[0], "destination_id": dest, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": fileName, "calendar": map[string]any{"frequency": "daily"},
		"bundle": map[string]any{"packaging": packaging, "reports": more}, "options": options}, &sc)
	return sc.ID
}

// run runs a schedule now and waits for its end.
func (d *dashboard) run(t *testing.T, n *node, schedule int64) runView {
	t.Helper()
	var run facteur.Run
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", schedule), nil, &run)
	return n.waitRun(run.ID)
}

// checkFiles checks the run's list of files against the single exports.
func (d *dashboard) checkFiles(t *testing.T, r runView, names []string) {
	t.Helper()
	if len(r.Files) != len(d.names) {
		t.Fatalf("run lists %d files, want %d: %+v", len(r.Files), len(d.names), r.Files)
	}
	var rows int64
	for i, f := range r.Files {
		want := d.single[d.names[i]]
		if f.Name != names[i] || f.ReportName != d.names[i] || f.Bytes != int64(len(want)) || f.SHA256 != sha(string(want)) || f.Rows == 0 {
			t.Errorf("run file %d: %+v, want %s of %d bytes, sha-256 %s", i, f, names[i], len(want), sha(string(want)))
		}
		rows += f.Rows
	}
	if r.Rows != rows || rows != 300+2000+5000 {
		t.Errorf("run rows %d, files' %d, want 7300", r.Rows, rows)
	}
}

// checkManifest checks a delivered confirmation file: every file with its
// rows, bytes and SHA-256, the run and the schedule.
func (d *dashboard) checkManifest(t *testing.T, body []byte, r runView, names []string) export.Manifest {
	t.Helper()
	var m export.Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("manifest %s: %v", body, err)
	}
	if m.RunID != r.ID || m.ScheduleID != r.ScheduleID || !strings.HasPrefix(m.Schedule, "Nightly ") || len(m.Files) != len(names) {
		t.Fatalf("manifest %s, run %d", body, r.ID)
	}
	for i, f := range m.Files {
		want := d.single[d.names[i]]
		if f.Name != names[i] || f.Report != d.names[i] || f.Bytes != int64(len(want)) || f.SHA256 != sha(string(want)) || f.Rows != r.Files[i].Rows {
			t.Errorf("manifest file %d: %+v", i, f)
		}
	}
	return m
}

// zipReferees checks a zip with unzip -t and Python's zipfile, and returns
// its entries as Python read them, in order.
func zipReferees(t *testing.T, path string) map[string][]byte {
	t.Helper()
	if out, err := exec.Command("unzip", "-t", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "No errors detected") {
		t.Fatalf("unzip -t: %v\n%s", err, out)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import json, sys, zipfile, base64
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps([[i.filename, base64.b64encode(z.read(i)).decode()] for i in z.infolist()]))
`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python zipfile: %v\n%s", err, out)
	}
	var entries [][2]string
	if err := json.Unmarshal(out, &entries); err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	var order []string
	for _, e := range entries {
		b, _ := base64.StdEncoding.DecodeString(e[1])
		got[e[0]] = b
		order = append(order, e[0])
	}
	got["\x00order"] = []byte(strings.Join(order, "\n"))
	return got
}

// TestBundleToFolder: a dashboard of three PostgreSQL reports delivered to
// a folder as one zip and as separate files: every file and the
// confirmation file arrive, the confirmation file last; each file (or zip
// entry) is, byte for byte, the export of its report alone; the run lists
// every file; Retry delivers the same bytes again.
func TestBundleToFolder(t *testing.T) {
	n := startServe(t, t.TempDir())
	d := newDashboard(t, n)
	names := []string{"agents_daily.csv", "cases_daily.csv", "messages_daily.csv"}

	t.Run("zip", func(t *testing.T) {
		outbox := t.TempDir()
		var dest struct{ ID int64 }
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "zip drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
		sc := d.schedule(t, n, dest.ID, "zip", "{export_name}_daily.{ext}", d.reports, map[string]any{"confirmation": true})
		r := d.run(t, n, sc)
		if r.Status != facteur.RunSucceeded || r.FileName != "Nightly zip_daily.zip" {
			t.Fatalf("run: %s %s %s; log %+v", r.Status, r.Error, r.FileName, r.Log)
		}
		d.checkFiles(t, r, names)
		if got := files(t, outbox); !slices.Equal(got, []string{"Nightly zip_daily.zip", "Nightly zip_daily.zip.manifest.json"}) {
			t.Fatalf("outbox holds %v", got)
		}
		zipPath := filepath.Join(outbox, "Nightly zip_daily.zip")
		entries := zipReferees(t, zipPath)
		if string(entries["\x00order"]) != strings.Join(names, "\n") {
			t.Errorf("zip entries %q", entries["\x00order"])
		}
		for i, name := range names {
			if string(entries[name]) != string(d.single[d.names[i]]) {
				t.Errorf("zip entry %s differs from the export of %s alone (%d bytes, want %d)", name, d.names[i], len(entries[name]), len(d.single[d.names[i]]))
			}
		}
		zipBytes, _ := os.ReadFile(zipPath)
		body, _ := os.ReadFile(zipPath + ".manifest.json")
		m := d.checkManifest(t, body, r, names)
		if m.FileName != "Nightly zip_daily.zip" || m.SHA256 != sha(string(zipBytes)) || m.Bytes != int64(len(zipBytes)) || m.Packaging != "zip" || r.SHA256 != m.SHA256 {
			t.Errorf("manifest's zip: %s %s %d", m.FileName, m.SHA256, m.Bytes)
		}
		checkLast(t, filepath.Join(outbox, "Nightly zip_daily.zip.manifest.json"), zipPath)

		// Retry: the same zip, byte for byte.
		os.Remove(zipPath)
		os.Remove(zipPath + ".manifest.json")
		var retry facteur.Run
		n.must(202, "POST", fmt.Sprintf("/api/v1/runs/%d/retry", r.ID), nil, &retry)
		rr := n.waitRun(retry.ID)
		again, _ := os.ReadFile(zipPath)
		body2, _ := os.ReadFile(zipPath + ".manifest.json")
		if rr.Status != facteur.RunSucceeded || string(again) != string(zipBytes) || string(body2) != string(body) || len(rr.Files) != 3 {
			t.Fatalf("retry: %s %s, zip same %v, manifest same %v, files %d", rr.Status, rr.Error, string(again) == string(zipBytes), string(body2) == string(body), len(rr.Files))
		}
	})

	t.Run("files", func(t *testing.T) {
		outbox := t.TempDir()
		var dest struct{ ID int64 }
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "files drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
		sc := d.schedule(t, n, dest.ID, "files", "{export_name}_daily.{ext}", d.reports, map[string]any{"confirmation": true})
		r := d.run(t, n, sc)
		if r.Status != facteur.RunSucceeded {
			t.Fatalf("run: %s %s; log %+v", r.Status, r.Error, r.Log)
		}
		d.checkFiles(t, r, names)
		manifest := "Nightly files_daily.csv.manifest.json"
		if got := files(t, outbox); !slices.Equal(got, slices.Sorted(slices.Values(append(slices.Clone(names), manifest)))) {
			t.Fatalf("outbox holds %v", got)
		}
		for i, name := range names {
			b, _ := os.ReadFile(filepath.Join(outbox, name))
			if string(b) != string(d.single[d.names[i]]) {
				t.Errorf("%s differs from the export of %s alone", name, d.names[i])
			}
			if r.Files[i].Location != filepath.Join(outbox, name) {
				t.Errorf("file %d location %q", i, r.Files[i].Location)
			}
			checkLast(t, filepath.Join(outbox, manifest), filepath.Join(outbox, name))
		}
		body, _ := os.ReadFile(filepath.Join(outbox, manifest))
		m := d.checkManifest(t, body, r, names)
		if m.FileName != "" || m.Packaging != "files" || m.Bytes != r.Bytes {
			t.Errorf("manifest of separate files: %+v", m)
		}
		// The run's SHA-256 is that of the files' sha256sum list.
		if out, err := exec.Command("sh", "-c", "cd \"$1\" && sha256sum "+strings.Join(names, " ")+" | sha256sum", "sh", outbox).Output(); err != nil || !strings.HasPrefix(string(out), r.SHA256) {
			t.Errorf("sha256sum of the list: %s %v, run's %s", out, err, r.SHA256)
		}

		var retry facteur.Run
		for _, name := range names {
			os.Remove(filepath.Join(outbox, name))
		}
		os.Remove(filepath.Join(outbox, manifest))
		n.must(202, "POST", fmt.Sprintf("/api/v1/runs/%d/retry", r.ID), nil, &retry)
		rr := n.waitRun(retry.ID)
		if rr.Status != facteur.RunSucceeded {
			t.Fatalf("retry: %s %s", rr.Status, rr.Error)
		}
		for i, name := range names {
			b, _ := os.ReadFile(filepath.Join(outbox, name))
			if string(b) != string(d.single[d.names[i]]) {
				t.Errorf("retry: %s differs", name)
			}
		}
		if again, _ := os.ReadFile(filepath.Join(outbox, manifest)); string(again) != string(body) {
			t.Errorf("retry: manifest %s, want %s", again, body)
		}
	})

	t.Run("text confirmation", func(t *testing.T) {
		outbox := t.TempDir()
		var dest struct{ ID int64 }
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "text drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
		sc := d.schedule(t, n, dest.ID, "files", "{export_name}_daily.{ext}", d.reports, map[string]any{"confirmation": true,
			"confirmation_file": map[string]any{"name": "DONE_{label}_{run_id}.txt", "format": "text"}})
		r := d.run(t, n, sc)
		if r.Status != facteur.RunSucceeded {
			t.Fatalf("run: %s %s", r.Status, r.Error)
		}
		name := fmt.Sprintf("DONE_Nightly files_%d.txt", r.ID)
		body, err := os.ReadFile(filepath.Join(outbox, name))
		if err != nil {
			t.Fatalf("%v; outbox %v", err, files(t, outbox))
		}
		line := string(body)
		if strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, fmt.Sprintf("run_id=%d schedule_id=%d schedule=\"Nightly files\" packaging=files", r.ID, sc)) {
			t.Errorf("text confirmation %q", line)
		}
		for i, n := range names {
			want := fmt.Sprintf(" file=%q rows=%d bytes=%d sha256=%s", n, r.Files[i].Rows, len(d.single[d.names[i]]), sha(string(d.single[d.names[i]])))
			if !strings.Contains(line, want) {
				t.Errorf("text confirmation lacks %q: %q", want, line)
			}
		}
	})
}

// TestBundleWorkbook: a dashboard of three PostgreSQL reports as one XLSX
// workbook: openpyxl (read-only, as pandas reads it) finds a sheet per
// report, named after it, holding every value the report's own XLSX
// export holds.
func TestBundleWorkbook(t *testing.T) {
	n := startServe(t, t.TempDir())
	d := newDashboard(t, n)
	outbox, singles := t.TempDir(), t.TempDir()
	var dest, single struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "book drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "singles", "kind": "folder", "config": map[string]any{"path": singles}}, &single)
	for i, id := range d.reports {
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": id, "destination_id": single.ID, "enabled": false,
			"format": map[string]any{"format": "xlsx"}, "file_name": "{export_name}.{ext}", "calendar": map[string]any{"frequency": "daily"}}, &sc)
		if r := d.run(t, n, sc.ID); r.Status != facteur.RunSucceeded {
			t.Fatalf("single xlsx of %s: %s %s", d.names[i], r.Status, r.Error)
		}
	}
	var more []map[string]any
	for _, id := range d.reports[1:] {
		more = append(more, map[string]any{"report_id": id})
	}
	var sc struct{ ID int64 }
	var refused struct{ Error struct{ Message string } }
	body := map[string]any{"name": "Nightly book", "report_id": d.reports[0], "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "{export_name}.{ext}", "calendar": map[string]any{"frequency": "daily"},
		"bundle": map[string]any{"packaging": "xlsx", "reports": more}, "options": map[string]any{"confirmation": true}}
	if code := n.call("POST", "/api/v1/schedules", body, &refused); code != 400 || !strings.Contains(refused.Error.Message, "needs the xlsx format") {
		t.Errorf("a csv workbook: %d %q", code, refused.Error.Message)
	}
	body["format"] = map[string]any{"format": "xlsx"}
	n.must(201, "POST", "/api/v1/schedules", body, &sc)
	r := d.run(t, n, sc.ID)
	if r.Status != facteur.RunSucceeded || r.FileName != "Nightly book.xlsx" || r.Packaging != "xlsx" || len(r.Files) != 3 {
		t.Fatalf("run: %s %s %s %+v; log %+v", r.Status, r.Error, r.FileName, r.Files, r.Log)
	}
	if got := files(t, outbox); !slices.Equal(got, []string{"Nightly book.xlsx", "Nightly book.xlsx.manifest.json"}) {
		t.Fatalf("outbox holds %v", got)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import json, sys, openpyxl
def sheets(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [[repr(v) for v in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}, wb.sheetnames
book, names = sheets(sys.argv[1])
alone = {}
for p in sys.argv[2:]:
    s, _ = sheets(p)
    alone[p.rsplit("/", 1)[1][:-5]] = s["Sheet1"]
print(json.dumps({"names": names, "book": book, "alone": alone}))
`, filepath.Join(outbox, "Nightly book.xlsx"), filepath.Join(singles, "agents.xlsx"), filepath.Join(singles, "cases.xlsx"), filepath.Join(singles, "messages.xlsx")).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	var got struct {
		Names []string
		Book  map[string][][]string
		Alone map[string][][]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Names, d.names) {
		t.Fatalf("sheets %v, want %v", got.Names, d.names)
	}
	for i, name := range d.names {
		rows := got.Book[name]
		if len(rows) != int(r.Files[i].Rows)+1 || fmt.Sprint(rows) != fmt.Sprint(got.Alone[name]) {
			t.Errorf("sheet %s: %d rows, the same values as the report's own workbook: %v", name, len(rows), fmt.Sprint(rows) == fmt.Sprint(got.Alone[name]))
		}
	}
}

// checkLast fails unless the file at last was modified no earlier than
// the file at before.
func checkLast(t *testing.T, last, before string) {
	t.Helper()
	a, err1 := os.Stat(last)
	b, err2 := os.Stat(before)
	if err1 != nil || err2 != nil || a.ModTime().Before(b.ModTime()) {
		t.Errorf("%s is not written after %s (%v %v)", last, before, err1, err2)
	}
}

// TestBundleFailsWhole: a bundle whose third report fails delivers
// nothing, and keeps none of the first two reports' files in the spool.
func TestBundleFailsWhole(t *testing.T) {
	data := t.TempDir()
	n := startServe(t, data)
	d := newDashboard(t, n)
	var bad struct{ ID int64 }
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "broken", "source_id": d.source,
		"sql": "select id, 100 / (id - 4000) as ratio from messages order by id"}, &bad)
	for _, packaging := range []string{"zip", "files"} {
		outbox := t.TempDir()
		var dest struct{ ID int64 }
		n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop " + packaging, "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
		sc := d.schedule(t, n, dest.ID, packaging, "{export_name}.{ext}", []int64{d.reports[0], d.reports[1], bad.ID}, map[string]any{"confirmation": true})
		r := d.run(t, n, sc)
		if r.Status != facteur.RunFailed || !strings.Contains(r.Error, "division by zero") {
			t.Fatalf("%s: run %s %q", packaging, r.Status, r.Error)
		}
		if got := files(t, outbox); len(got) != 0 {
			t.Errorf("%s: a failed bundle left %v at the destination", packaging, got)
		}
		if m, _ := filepath.Glob(filepath.Join(data, "spool", fmt.Sprintf("run-%d.*", r.ID))); len(m) > 0 {
			t.Errorf("%s: files of the failed bundle left in the spool: %v", packaging, m)
		}
		if !logHas(r.Log, `Report 3 of 3 ("broken") failed`) && !logHas(r.Log, `(report "broken")`) {
			t.Errorf("%s: the log does not name the failed report: %+v", packaging, r.Log)
		}
	}
}

// TestBundleToSFTPAndS3: the same dashboard as one zip and as separate
// files to the OpenSSH server and to the S3 gateway: every file and the
// confirmation file arrive, each file as the export of its report alone.
func TestBundleToSFTPAndS3(t *testing.T) {
	addr, user, password, dir := sftpEnv(t)
	endpoint, access, secret, client := s3Env(t)
	n := startServe(t, t.TempDir())
	d := newDashboard(t, n)
	host, port, _ := net.SplitHostPort(addr)
	var port64 int
	fmt.Sscan(port, &port64)
	b := make([]byte, 5)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	bucket := "facteur-bundle-" + tag
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	var sftpDest, s3Dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "partner sftp", "kind": "sftp", "config": map[string]any{
		"host": host, "port": port64, "user": user, "password": password, "directory": dir}}, &sftpDest)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "bucket", "kind": "s3", "config": map[string]any{
		"bucket": bucket, "prefix": "in/", "endpoint": endpoint, "access_key_id": access, "secret_access_key": secret}}, &s3Dest)
	var s3Keys []string
	t.Cleanup(func() {
		for _, k := range s3Keys {
			client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		}
		client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	})
	get := map[string]func(name string) ([]byte, error){
		"sftp": func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) },
		"s3": func(name string) ([]byte, error) {
			s3Keys = append(s3Keys, "in/"+name)
			obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("in/" + name)})
			if err != nil {
				return nil, err
			}
			defer obj.Body.Close()
			return io.ReadAll(obj.Body)
		},
	}
	for kind, dest := range map[string]int64{"sftp": sftpDest.ID, "s3": s3Dest.ID} {
		for _, packaging := range []string{"zip", "files"} {
			t.Run(kind+" "+packaging, func(t *testing.T) {
				prefix := tag + "_" + packaging + "_"
				names := []string{prefix + "agents.csv", prefix + "cases.csv", prefix + "messages.csv"}
				sc := d.schedule(t, n, dest, packaging, prefix+"{export_name}.{ext}", d.reports, map[string]any{"confirmation": true})
				r := d.run(t, n, sc)
				if r.Status != facteur.RunSucceeded {
					t.Fatalf("run: %s %s; log %+v", r.Status, r.Error, r.Log)
				}
				d.checkFiles(t, r, names)
				delivered := names
				if packaging == "zip" {
					delivered = []string{prefix + "Nightly zip.zip"}
				}
				if kind == "sftp" {
					t.Cleanup(func() {
						for _, name := range delivered {
							os.Remove(filepath.Join(dir, name))
						}
					})
				}
				for i, name := range delivered {
					got, err := get[kind](name)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if packaging == "files" && string(got) != string(d.single[d.names[i]]) {
						t.Errorf("%s differs from the export of %s alone", name, d.names[i])
					}
					if packaging == "zip" {
						tmp := filepath.Join(t.TempDir(), "bundle.zip")
						os.WriteFile(tmp, got, 0o600)
						entries := zipReferees(t, tmp)
						for j, entry := range names {
							if string(entries[entry]) != string(d.single[d.names[j]]) {
								t.Errorf("entry %s differs", entry)
							}
						}
					}
				}
				manifest := delivered[0] + ".manifest.json"
				if packaging == "files" {
					manifest = prefix + "Nightly files.csv.manifest.json"
				}
				if kind == "sftp" {
					t.Cleanup(func() { os.Remove(filepath.Join(dir, manifest)) })
				}
				body, err := get[kind](manifest)
				if err != nil {
					t.Fatalf("confirmation file %s: %v", manifest, err)
				}
				d.checkManifest(t, body, r, names)
			})
		}
	}
}

// TestBundleCrashResumes: `facteur serve` is killed with SIGKILL while it
// exports the third report of a bundle; the restarted process exports
// again and delivers every file and the confirmation file once.
func TestBundleCrashResumes(t *testing.T) {
	data, outbox := t.TempDir(), t.TempDir()
	n := startServe(t, data, "--node-name", "first")
	d := newDashboard(t, n)
	var slow struct{ ID int64 }
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "slow", "source_id": d.source,
		"sql": "select 7 as n from pg_sleep(4)"}, &slow)
	var dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)
	sc := d.schedule(t, n, dest.ID, "files", "{export_name}.{ext}", []int64{d.reports[0], d.reports[1], slow.ID}, map[string]any{"confirmation": true})
	id := runNow(n, sc)
	waitFile(t, filepath.Join(data, "spool", fmt.Sprintf("run-%d.part2.csv", id)))
	waitFile(t, filepath.Join(data, "spool", fmt.Sprintf(".run-%d.part3.csv.*.partial", id)))
	kill9(n)

	n = startServe(t, data, "--node-name", "second")
	r := n.waitRun(id)
	if r.Status != facteur.RunSucceeded || r.Attempt != 2 {
		t.Fatalf("after the crash: %s attempt %d %s; log %+v", r.Status, r.Attempt, r.Error, r.Log)
	}
	want := []string{"Nightly files.csv.manifest.json", "agents.csv", "cases.csv", "slow.csv"}
	if got := files(t, outbox); !slices.Equal(got, want) {
		t.Fatalf("outbox holds %v, want %v", got, want)
	}
	for i, name := range []string{"agents.csv", "cases.csv"} {
		if b, _ := os.ReadFile(filepath.Join(outbox, name)); string(b) != string(d.single[d.names[i]]) {
			t.Errorf("%s differs from the export alone", name)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(outbox, "slow.csv")); string(b) != "n\n7\n" {
		t.Errorf("slow.csv %q", b)
	}
	if logHas(r.Log, "Delivering agents.csv") && strings.Count(fmt.Sprint(r.Log), "Delivering agents.csv") != 1 {
		t.Errorf("agents.csv delivered more than once: %+v", r.Log)
	}
	if m, _ := filepath.Glob(filepath.Join(data, "spool", ".*.partial")); len(m) > 0 {
		t.Errorf("partial files left in the spool: %v", m)
	}
}

// TestBundleRefusedAtSave: the API refuses bundles it could not deliver,
// with a 400 that says what to change, and stores nothing.
func TestBundleRefusedAtSave(t *testing.T) {
	n := startServe(t, t.TempDir())
	var src, a, b, dest, mail struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items"}, &a)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "more items", "source_id": src.ID, "sql": "select * from items"}, &b)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": t.TempDir()}}, &dest)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "me", "kind": "email", "config": map[string]any{"to": []string{testAdmin}}}, &mail)
	many := []map[string]any{}
	for range facteur.MaxBundleReports {
		many = append(many, map[string]any{"report_id": b.ID})
	}
	for _, c := range []struct {
		name   string
		dest   int64
		file   string
		bundle any
		want   string
	}{
		{"unknown packaging", dest.ID, "", map[string]any{"packaging": "rar", "reports": []any{map[string]any{"report_id": b.ID}}}, `bundle.packaging: use "zip", "files"`},
		{"no report", dest.ID, "", map[string]any{"packaging": "zip", "reports": []any{}}, "bundle.reports: add at least one report"},
		{"missing report", dest.ID, "", map[string]any{"packaging": "zip", "reports": []any{map[string]any{"report_id": 999999}}}, "bundle.reports[0].report_id: there is no report 999999"},
		{"twice", dest.ID, "", map[string]any{"packaging": "zip", "reports": []any{map[string]any{"report_id": a.ID}}}, "is already in the bundle"},
		{"too many", dest.ID, "", map[string]any{"packaging": "zip", "reports": many}, "at most 50 reports"},
		{"same names", dest.ID, "daily.{ext}", map[string]any{"packaging": "files", "reports": []any{map[string]any{"report_id": b.ID}}}, "put {export_name} in it"},
		{"same names zipped", dest.ID, "{label}.{ext}", map[string]any{"packaging": "zip", "reports": []any{map[string]any{"report_id": b.ID}}}, "put {export_name} in it"},
		{"unknown field", dest.ID, "", map[string]any{"packaging": "zip", "reports": []any{map[string]any{"report_id": b.ID, "include_fields": []string{"nope"}}}}, "bundle.reports[0]."},
		{"files by mail", mail.ID, "", map[string]any{"packaging": "files", "reports": []any{map[string]any{"report_id": b.ID}}}, `choose "zip"`},
	} {
		body := map[string]any{"report_id": a.ID, "destination_id": c.dest, "enabled": false, "file_name": c.file,
			"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}, "bundle": c.bundle}
		var e struct{ Error struct{ Message string } }
		if code := n.call("POST", "/api/v1/schedules", body, &e); code != 400 || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s: %d %q, want 400 with %q", c.name, code, e.Error.Message, c.want)
		}
	}
	var list []map[string]any
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	if len(list) != 0 {
		t.Errorf("refused schedules were stored: %v", list)
	}
}
