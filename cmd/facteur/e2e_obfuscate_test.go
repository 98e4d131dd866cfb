package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format/formattest"
	"github.com/facteur/facteur/obfuscate"
)

// obfuscationTable creates a PostgreSQL table of contacts: e-mail
// addresses, phone numbers and Unicode names (sensitive in the report),
// and returns its name and the clear e-mails.
func obfuscationTable(t *testing.T, pg string) (string, []string) {
	t.Helper()
	table := fmt.Sprintf("obf_contacts_%d", rand.Uint32())
	pgExec(t, pg, "CREATE TABLE "+table+` AS SELECT g AS id,
		'person.' || g || '@clear-example.org' AS email,
		CASE WHEN g % 10 = 0 THEN NULL ELSE '+33 6 ' || lpad(g::text, 8, '0') END AS phone,
		CASE WHEN g % 3 = 0 THEN 'Zoë Ångström ' || g ELSE '日本語 ' || g END AS name,
		'city ' || (g % 4) AS city
		FROM generate_series(1, 40) g`)
	t.Cleanup(func() { pgExec(t, pg, "DROP TABLE IF EXISTS "+table) })
	var emails []string
	for g := 1; g <= 40; g++ {
		emails = append(emails, fmt.Sprintf("person.%d@clear-example.org", g))
	}
	return table, emails
}

// openSSLHMAC is the referee of the hmac rule.
func openSSLHMAC(t *testing.T, key, value string) string {
	t.Helper()
	cmd := exec.Command("openssl", "dgst", "-sha256", "-hmac", key, "-r")
	cmd.Stdin = strings.NewReader(value)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v (apt-get install openssl)", err)
	}
	return strings.Fields(string(out))[0]
}

// TestScheduleObfuscation (A4): a schedule over a real PostgreSQL table
// delivers, to a folder, CSV, JSON and XLSX files whose e-mails are the
// HMAC OpenSSL computes under the schedule's key, whose phones are masked
// and names hashed (sha256sum's), without opting in to those sensitive
// fields; none of the delivered bytes holds a clear e-mail. The key is
// never shown by the API; the installation's key is used without one,
// stable from run to run.
func TestScheduleObfuscation(t *testing.T) {
	pg := postgresURL(t)
	table, emails := obfuscationTable(t, pg)
	dataDir := t.TempDir()
	n := startServe(t, dataDir)
	outbox := t.TempDir()
	var src, rep, dest struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "crm", "dsn": pg, "accept_extra_rights": true}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "contacts", "source_id": src.ID,
		"sql":    "select id, email, phone, name, city from " + table + " order by id",
		"fields": []map[string]any{{"name": "id"}, {"name": "email", "sensitive": true}, {"name": "phone", "sensitive": true}, {"name": "name", "sensitive": true}, {"name": "city"}}}, &rep)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}, &dest)

	const key = "partner-key-7f3a9c1e5b2d4f6a"
	rules := []map[string]any{{"field": "email", "method": "hmac"}, {"field": "phone", "method": "mask", "keep": 4}, {"field": "name", "method": "hash"}}
	schedule := func(name, format string, extra map[string]any) int64 {
		body := map[string]any{"name": name, "report_id": rep.ID, "destination_id": dest.ID, "enabled": false, "file_name": name + ".{ext}",
			"format": map[string]any{"format": format}, "calendar": map[string]any{"frequency": "daily"}, "obfuscate": rules}
		for k, v := range extra {
			body[k] = v
		}
		var sc struct{ ID int64 }
		n.must(201, "POST", "/api/v1/schedules", body, &sc)
		return sc.ID
	}
	runOnce := func(id int64) runView {
		var run facteur.Run
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", id), nil, &run)
		r := n.waitRun(run.ID)
		if r.Status != facteur.RunSucceeded {
			t.Fatalf("run of schedule %d: %s %s %+v", id, r.Status, r.Error, r.Log)
		}
		return r
	}

	// The wanted rows, with the referees: openssl for the HMAC, sha256sum
	// for the hash.
	want := [][]string{{"id", "email", "phone", "name", "city"}}
	for g := 1; g <= 40; g++ {
		phone := ""
		if g%10 != 0 {
			phone = strings.Repeat("•", len([]rune(fmt.Sprintf("+33 6 %08d", g)))-4) + fmt.Sprintf("%08d", g)[4:]
		}
		name := fmt.Sprintf("日本語 %d", g)
		if g%3 == 0 {
			name = fmt.Sprintf("Zoë Ångström %d", g)
		}
		cmd := exec.Command("sha256sum")
		cmd.Stdin = strings.NewReader(name)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, []string{fmt.Sprint(g), openSSLHMAC(t, key, emails[g-1]), phone, strings.Fields(string(out))[0], fmt.Sprintf("city %d", g%4)})
	}

	csvID := schedule("contacts-csv", "csv", map[string]any{"hmac_key": key})
	runOnce(csvID)
	data, err := os.ReadFile(filepath.Join(outbox, "contacts-csv.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("delivered CSV:\n%q\nwant:\n%q", got[:3], want[:3])
	}
	// A NULL phone stays NULL: an empty CSV field, not a masked text.
	if !strings.Contains(string(data), "\n10,"+want[10][1]+",,") {
		t.Errorf("row 10's NULL phone is not empty: %s", strings.Split(string(data), "\n")[10])
	}

	jsonID := schedule("contacts-json", "json", map[string]any{"hmac_key": key})
	runOnce(jsonID)
	jdata, err := os.ReadFile(filepath.Join(outbox, "contacts-json.json"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	if err := json.Unmarshal(jdata, &objs); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 40 || objs[0]["email"] != want[1][1] || objs[9]["phone"] != nil || objs[2]["name"] != want[3][3] || objs[0]["id"] != float64(1) {
		t.Errorf("delivered JSON: %v", objs[:1])
	}

	xlsxID := schedule("contacts-xlsx", "xlsx", map[string]any{"hmac_key": key})
	runOnce(xlsxID)
	xpath := filepath.Join(outbox, "contacts-xlsx.xlsx")
	xml, err := exec.Command("unzip", "-p", xpath).Output()
	if err != nil {
		t.Fatalf("unzip -p: %v", err)
	}
	cells := readXLSXWithOpenpyxl(t, xpath)
	if len(cells) != 41 || cells[1][1] != want[1][1] || cells[1][2] != want[1][2] || cells[3][3] != want[3][3] {
		t.Errorf("XLSX as openpyxl reads it: %q", cells[:2])
	}

	// Nothing of the clear e-mails in any delivered byte (the XLSX read
	// unzipped).
	for what, b := range map[string][]byte{"csv": data, "json": jdata, "xlsx": xml} {
		for _, e := range emails {
			if bytes.Contains(b, []byte(e)) || bytes.Contains(b, []byte("clear-example.org")) {
				t.Fatalf("the %s file holds a clear e-mail (%s)", what, e)
			}
		}
	}

	// The key is write-only: not in the schedule, the list or the run.
	for _, path := range []string{fmt.Sprintf("/api/v1/schedules/%d", csvID), "/api/v1/schedules", "/api/v1/runs"} {
		resp := n.request("GET", path, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(body, []byte(key)) {
			t.Fatalf("GET %s shows the hmac key: %s", path, body)
		}
	}
	var sc struct {
		HMACKeySet bool                `json:"hmac_key_set"`
		Obfuscate  []facteur.FieldRule `json:"obfuscate"`
		Name       string
	}
	n.must(200, "GET", fmt.Sprintf("/api/v1/schedules/%d", csvID), nil, &sc)
	if !sc.HMACKeySet || len(sc.Obfuscate) != 3 || sc.Obfuscate[1].Keep != 4 {
		t.Fatalf("schedule as the API shows it: %+v", sc)
	}

	// Saved again without hmac_key, the schedule keeps its key; with ""
	// it uses the installation's, the same on every run, and not the
	// plain hash.
	update := map[string]any{"name": "contacts-csv", "report_id": rep.ID, "destination_id": dest.ID, "enabled": false, "file_name": "contacts-csv.{ext}",
		"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}, "obfuscate": rules}
	n.must(200, "PUT", fmt.Sprintf("/api/v1/schedules/%d", csvID), update, &sc)
	if !sc.HMACKeySet {
		t.Fatal("saving without hmac_key dropped the key")
	}
	update["hmac_key"] = ""
	n.must(200, "PUT", fmt.Sprintf("/api/v1/schedules/%d", csvID), update, &sc)
	if sc.HMACKeySet {
		t.Fatal(`hmac_key "" kept the key`)
	}
	firstEmail := func() string {
		os.Remove(filepath.Join(outbox, "contacts-csv.csv"))
		runOnce(csvID)
		b, _ := os.ReadFile(filepath.Join(outbox, "contacts-csv.csv"))
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1][1]
	}
	a, b := firstEmail(), firstEmail()
	if a != b || a == want[1][1] || a == obfuscate.Hash([]byte(emails[0])) || len(a) != 64 {
		t.Errorf("under the installation's key: %q then %q (schedule key %q)", a, b, want[1][1])
	}
	// The installation's key outlives a restart.
	n.stop()
	n = startServe(t, dataDir)
	if c := firstEmail(); c != a {
		t.Errorf("after a restart the installation's key gives %q, before %q", c, a)
	}

	// Bad rules are refused with the path of what to fix, and nothing is stored.
	for _, bad := range []struct {
		change map[string]any
		msg    string
	}{
		{map[string]any{"obfuscate": []map[string]any{{"field": "email", "method": "rot13"}}}, "obfuscate[0].method"},
		{map[string]any{"obfuscate": []map[string]any{{"field": "city", "method": "hash"}, {"field": "phone2", "method": "hash"}}}, "obfuscate[1].field"},
		{map[string]any{"obfuscate": []map[string]any{{"field": "phone", "method": "mask", "keep": 99}}}, "obfuscate[0].keep"},
		{map[string]any{"obfuscate": []map[string]any{{"field": "email", "method": "hash"}, {"field": "email", "method": "mask"}}}, "obfuscate[1].field"},
		{map[string]any{"hmac_key": "short"}, "hmac_key"},
	} {
		body := map[string]any{"name": "bad", "report_id": rep.ID, "destination_id": dest.ID, "calendar": map[string]any{"frequency": "daily"}}
		for k, v := range bad.change {
			body[k] = v
		}
		var e struct{ Error struct{ Message string } }
		if st := n.call("POST", "/api/v1/schedules", body, &e); st != 400 || !strings.Contains(e.Error.Message, bad.msg) {
			t.Errorf("%v: %d %q, want 400 naming %s", bad.change, st, e.Error.Message, bad.msg)
		}
		var ex struct{ Error struct{ Message string } }
		if _, isKey := bad.change["hmac_key"]; !isKey {
			if st := n.call("POST", "/api/v1/exports", map[string]any{"report_id": rep.ID, "obfuscate": bad.change["obfuscate"]}, &ex); st != 400 || !strings.Contains(ex.Error.Message, bad.msg) {
				t.Errorf("one-off export %v: %d %q", bad.change, st, ex.Error.Message)
			}
		}
	}
	var list []map[string]any
	n.must(200, "GET", "/api/v1/schedules", nil, &list)
	for _, s := range list {
		if s["name"] == "bad" {
			t.Fatalf("a refused schedule was stored: %v", s)
		}
	}

	// A one-off export takes the same rules (hmac under the installation's key).
	var run facteur.Run
	n.must(202, "POST", "/api/v1/exports", map[string]any{"report_id": rep.ID, "format": map[string]any{"format": "csv"},
		"obfuscate": []map[string]any{{"field": "email", "method": "hmac"}, {"field": "phone", "method": "null"}}}, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunSucceeded {
		t.Fatalf("one-off export: %s %s", r.Status, r.Error)
	}
	resp := n.request("GET", fmt.Sprintf("/api/v1/runs/%d/download", run.ID), nil)
	one, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	recs, err := csv.NewReader(bytes.NewReader(one)).ReadAll()
	if err != nil || strings.Join(recs[0], ",") != "id,email,phone,city" || recs[1][1] != a || recs[1][2] != "" {
		t.Errorf("one-off export: %q %v", one[:min(len(one), 300)], err)
	}
}

// readXLSXWithOpenpyxl returns the first sheet's cells as text, as
// openpyxl (what pandas uses) reads them.
func readXLSXWithOpenpyxl(t *testing.T, path string) [][]string {
	t.Helper()
	script := "import openpyxl, sys, json\nws = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]\n" +
		"print(json.dumps([[('' if c is None else str(c)) for c in r] for r in ws.iter_rows(values_only=True)]))\n"
	out, err := exec.Command("/usr/bin/python3", "-c", script, path).Output()
	if err != nil {
		t.Fatalf("openpyxl (python3-openpyxl, installed by scripts/test.sh): %v", err)
	}
	var cells [][]string
	if err := json.Unmarshal(out, &cells); err != nil {
		t.Fatal(err)
	}
	return cells
}

// TestExportCommandObfuscateTyped: facteur export --obfuscate writes a
// Parquet file whose obfuscated columns are text (VARCHAR to DuckDB) and
// hold OpenSSL's HMAC under the key of --hmac-key-file, while the clear
// columns keep their types; in XLSX a masked number or timestamp is a text
// cell, as openpyxl reads it.
func TestExportCommandObfuscateTyped(t *testing.T) {
	pg := postgresURL(t)
	table := peopleTable(t, pg)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	const key = "cli-key-0123456789abcdef"
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "people.parquet")
	cmd := exec.Command(bin, "export", "--source", pg, "--query", "select id, email, amount, created from "+table+" order by id",
		"--format", "parquet", "--obfuscate", "email=hmac,created=mask:4,amount=null", "--hmac-key-file", keyFile, "--output", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f := formattest.ReadParquet(t, data)
	if got := f.Types(); got != "id BIGINT, email VARCHAR, amount VARCHAR, created VARCHAR" {
		t.Errorf("DuckDB reads the columns %s", got)
	}
	if len(f.Rows) != 2 || f.Rows[0][1] == nil || *f.Rows[0][1] != openSSLHMAC(t, key, "zoe@example.com") || f.Rows[0][2] != nil {
		t.Errorf("DuckDB reads %v", f.Rows)
	}
	if c := f.Rows[1][3]; c == nil || *c != strings.Repeat("•", len("2024-10-27T00:30:00.5+00:00")-4)+"0:00" {
		t.Errorf("masked timestamp: %v", c)
	}

	xlsx := filepath.Join(dir, "people.xlsx")
	cmd = exec.Command(bin, "export", "--source", pg, "--query", "select id, amount, created, active from "+table+" order by id",
		"--format", "xlsx", "--obfuscate", "amount=mask:3,created=hash,active=null", "--output", xlsx)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export xlsx: %v\n%s", err, b)
	}
	script := "import openpyxl, sys\nws = openpyxl.load_workbook(sys.argv[1], read_only=True).worksheets[0]\n" +
		"for r in ws.iter_rows(min_row=2, values_only=True): print('|'.join(type(c).__name__ + ':' + str(c) for c in r))\n"
	typed, err := exec.Command("/usr/bin/python3", "-c", script, xlsx).Output()
	if err != nil {
		t.Fatalf("openpyxl (python3-openpyxl, installed by scripts/test.sh): %v", err)
	}
	wantTyped := "int:1|str:" + strings.Repeat("•", 36) + ".78|str:" + obfuscate.Hash([]byte("2024-03-31T01:00:00+00:00")) + "|NoneType:None\n" +
		"int:2|str:••.50|str:" + obfuscate.Hash([]byte("2024-10-27T00:30:00.5+00:00")) + "|NoneType:None\n"
	if string(typed) != wantTyped {
		t.Errorf("openpyxl reads:\n%s\nwant:\n%s", typed, wantTyped)
	}

	// Without a key an hmac rule is refused before any row is read, and so
	// is a rule on a column the query does not have.
	for args, msg := range map[string]string{"email=hmac": "needs a key", "mail=hash": "obfuscate[0].field"} {
		cmd := exec.Command(bin, "export", "--source", pg, "--table", table, "--obfuscate", args, "--output", filepath.Join(dir, "x.csv"))
		cmd.Env = append(os.Environ(), "FACTEUR_HMAC_KEY=")
		if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), msg) {
			t.Errorf("--obfuscate %s: %v %s", args, err, b)
		}
	}
}
