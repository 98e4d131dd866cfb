package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// TestInvalidUTF8IsRefused: a body with a byte that is not UTF-8 is refused
// with 400 naming the field, nothing is stored, and every list stays valid
// JSON (a destination's message with 0xFF was stored and made the list of
// destinations invalid JSON for every client).
func TestInvalidUTF8IsRefused(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	_, before := e.do(admin, "GET", "/api/v1/destinations", "")
	cases := []struct{ path, body, want string }{
		{"/api/v1/destinations", "{\"name\":\"d\",\"kind\":\"email\",\"config\":{\"to\":[\"admin@example.org\"],\"message\":\"caf\xe9\"}}", "config.message: the text is not valid UTF-8"},
		{"/api/v1/destinations", "{\"name\":\"\xff\",\"kind\":\"email\",\"config\":{\"to\":[\"admin@example.org\"]}}", "name: the text is not valid UTF-8"},
		{"/api/v1/reports", "{\"name\":\"r\",\"source_id\":1,\"sql\":\"select '\xc3'\"}", "sql: the text is not valid UTF-8"},
		{"/api/v1/settings/policy", "{\"allowed_email_domains\":[\"ok.example\",\"\xff.example\"]}", "allowed_email_domains[1]: the text is not valid UTF-8"},
	}
	for _, c := range cases {
		st, body := e.do(admin, "POST", c.path, c.body)
		if c.path == "/api/v1/settings/policy" {
			st, body = e.do(admin, "PUT", c.path, c.body)
		}
		if st != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s %q: %d %s; want 400 %q", c.path, c.body, st, body, c.want)
		}
	}
	for _, list := range []string{"/api/v1/destinations", "/api/v1/reports", "/api/v1/settings/policy"} {
		st, body := e.do(admin, "GET", list, "")
		if st != 200 || !json.Valid([]byte(body)) || !utf8.ValidString(body) {
			t.Errorf("GET %s: %d, valid JSON %v", list, st, json.Valid([]byte(body)))
		}
	}
	if _, after := e.do(admin, "GET", "/api/v1/destinations", ""); after != before {
		t.Errorf("the destinations changed:\n%s\n%s", before, after)
	}
}

// TestLongNamesAreRefused: names were accepted up to the body limit (900 KB
// names made the schedules list 7.6 MB for 171 items); every kind of object
// now refuses a name over 200 bytes, or with a line break, naming the field.
func TestLongNamesAreRefused(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	long := strings.Repeat("n", 201)
	for _, c := range []struct{ path, body string }{
		{"/api/v1/destinations", `{"name":"` + long + `","kind":"email","config":{"to":["admin@example.org"]}}`},
		{"/api/v1/sources", `{"name":"` + long + `","dsn":"sqlite:/nonexistent.db"}`},
		{"/api/v1/reports", `{"name":"` + long + `","source_id":1,"table":"items"}`},
		{"/api/v1/schedules", `{"name":"line\nbreak","report_id":1,"destination_id":1}`},
	} {
		if st, body := e.do(admin, "POST", c.path, c.body); st != 400 || !strings.Contains(body, `"name: `) {
			t.Errorf("%s: %d %s", c.path, st, body)
		}
	}
}

// TestXLSXDatesOption: a schedule and a one-off export take
// format.xlsx_dates ("cells" or "text", xlsx only), keep it, and refuse any
// other value naming the field.
func TestXLSXDatesOption(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	sched := func(format string) string {
		return fmt.Sprintf(`{"name":"dates","report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"06:00"},"format":%s}`,
			e.report.ID, e.folder.ID, format)
	}
	st, body := e.do(admin, "POST", "/api/v1/schedules", sched(`{"format":"xlsx","xlsx_dates":"text"}`))
	var sc facteur.Schedule
	if st != 201 || json.Unmarshal([]byte(body), &sc) != nil || sc.Format.XLSXDates != "text" {
		t.Fatalf("xlsx with text dates: %d %s", st, body)
	}
	var got facteur.Schedule
	if _, body := e.do(admin, "GET", fmt.Sprintf("/api/v1/schedules/%d", sc.ID), ""); json.Unmarshal([]byte(body), &got) != nil || got.Format.XLSXDates != "text" {
		t.Errorf("the schedule lost its option: %s", body)
	}
	for _, bad := range []string{`{"format":"xlsx","xlsx_dates":"iso"}`, `{"format":"csv","xlsx_dates":"text"}`} {
		if st, body := e.do(admin, "POST", "/api/v1/schedules", sched(bad)); st != 400 || !strings.Contains(body, `"format.xlsx_dates: `) {
			t.Errorf("schedule %s: %d %s", bad, st, body)
		}
		if st, body := e.do(admin, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"format":%s}`, e.report.ID, bad)); st != 400 || !strings.Contains(body, `"format.xlsx_dates: `) {
			t.Errorf("export %s: %d %s", bad, st, body)
		}
	}
}

// TestLongValuesAreNotSentBack: a refusal that quotes a huge value names
// the field and cuts the message, so a 300 KB value does not come back.
func TestLongValuesAreNotSentBack(t *testing.T) {
	e := newEnv(t)
	huge := strings.Repeat("é", 150_000)
	st, body := e.do(e.tokens[facteur.RoleAdmin], "POST", "/api/v1/destinations", `{"name":"d","kind":"`+huge+`","config":{}}`)
	if st != 400 || !strings.Contains(body, `"message": "kind: `) || len(body) > 3000 || !utf8.ValidString(body) {
		t.Errorf("%d, %d bytes: %s", st, len(body), cut(body, 300))
	}
}
