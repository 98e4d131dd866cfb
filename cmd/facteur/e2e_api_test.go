package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAPIErrors: every bad request gets a JSON error with a stable code
// and a message that says what to fix.
func TestAPIErrors(t *testing.T) {
	data := t.TempDir()
	n := startServe(t, data)
	own, _ := json.Marshal(map[string]string{"name": "mine", "dsn": "sqlite:" + data + "/facteur.db"})
	tests := []struct {
		method, path, body string
		status             int
		code, message      string
	}{
		{"GET", "/api/v1/nope", "", 404, "not_found", "no API endpoint GET /api/v1/nope"},
		{"GET", "/api/v1/runs/999", "", 404, "not_found", ""},
		{"GET", "/api/v1/runs/abc", "", 404, "not_found", "id: there is no such object"},
		{"GET", "/api/v1/runs/+1", "", 404, "not_found", "id: there is no such object"},
		{"GET", "/api/v1/runs?status=done", "", 400, "invalid", "status: use one of queued, running, retrying, succeeded, skipped, failed, cancelled"},
		{"GET", "/api/v1/runs?limit=5000", "", 400, "invalid", "limit: use a number from 1 to 1000"},
		{"POST", "/api/v1/sources", "", 400, "invalid", "needs a JSON body"},
		{"POST", "/api/v1/sources", "{", 400, "invalid", "not valid JSON"},
		{"POST", "/api/v1/sources", `{"name":"x","dsn":"sqlite:/tmp/x.db","password":"p"}`, 400, "invalid", "password: unknown field"},
		{"POST", "/api/v1/sources", `{"name":"x","dsn":"oracle://h/db"}`, 400, "invalid", "unsupported scheme"},
		{"POST", "/api/v1/sources", `{"name":"","dsn":"sqlite:/tmp/x.db"}`, 400, "invalid", "name: a source needs a name"},
		{"POST", "/api/v1/sources", `{"name":1}`, 400, "invalid", "name: expected a string"},
		{"POST", "/api/v1/sources", string(own), 400, "invalid", "dsn"},
		{"POST", "/api/v1/sources", `{"name":"x","dsn":"postgres://u:p@169.254.169.254/db"}`, 400, "invalid", "169.254.169.254"},
		{"POST", "/api/v1/sources", `{"name":"x","dsn":"mysql://u:p@127.0.0.1/db?allowAllFiles=true"}`, 400, "invalid", "allowAllFiles"},
		{"POST", "/api/v1/sources", `{"name":"x","dsn":"postgres://u@127.0.0.1/db?options=-c%20default_transaction_read_only%3Doff"}`, 400, "invalid", "options"},
		{"POST", "/api/v1/reports", `{"name":"r","source_id":42,"table":"t"}`, 400, "invalid", "source_id: there is no source 42"},
		{"POST", "/api/v1/destinations", `{"name":"d","kind":"ftp","config":{}}`, 400, "invalid", `unknown destination kind "ftp"`},
		{"POST", "/api/v1/destinations", `{"name":"d","kind":"folder","config":{"path":"relative"}}`, 400, "invalid", "not an absolute path"},
		{"POST", "/api/v1/destinations", `{"name":"d","kind":"webhook","config":{"url":"http://169.254.169.254/latest/meta-data/","secret":"0123456789abcdef0123"}}`, 400, "invalid", "169.254.169.254"},
		{"POST", "/api/v1/destinations", `{"name":"d","kind":"webhook","config":{"url":"http://2852039166/","secret":"0123456789abcdef0123"}}`, 400, "invalid", "not allowed"},
		{"POST", "/api/v1/destinations", `{"name":"d","kind":"sftp","config":{"host":"metadata.google.internal","user":"u","password":"p","directory":"/x"}}`, 400, "invalid", "metadata"},
		{"POST", "/api/v1/schedules", `{"report_id":7,"destination_id":1}`, 400, "invalid", "report_id: there is no report 7"},
		{"POST", "/api/v1/calendar/preview", `{"frequency":"monthly","day_of_month":32}`, 400, "invalid", "calendar.day_of_month"},
		{"POST", "/api/v1/calendar/preview", `{"frequency":"daily","time_zone":"Europe/Pari"}`, 400, "invalid", "calendar.time_zone"},
		{"POST", "/api/v1/runs/1/retry", "", 404, "not_found", ""},
		{"DELETE", "/api/v1/sources/5", "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		resp := n.request(tt.method, tt.path, bytes.NewBufferString(tt.body))
		var body struct {
			Error struct{ Code, Message string }
		}
		err := json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tt.status || body.Error.Code != tt.code || !strings.Contains(body.Error.Message, tt.message) || body.Error.Message == "" {
			t.Errorf("%s %s %s: %d %+v (%v); want %d %s %q", tt.method, tt.path, tt.body, resp.StatusCode, body.Error, err, tt.status, tt.code, tt.message)
		}
	}

	var p struct {
		Description string
		NextLocal   []string `json:"next_local"`
	}
	n.must(200, "POST", "/api/v1/calendar/preview?n=4", map[string]any{"frequency": "monthly", "day_of_month": 1, "months": []int{1, 4, 7, 10}, "at": "06:00", "time_zone": "Europe/Paris"}, &p)
	if len(p.NextLocal) != 4 || !strings.Contains(p.Description, "January, April, July and October") {
		t.Fatalf("preview: %+v", p)
	}
	for _, s := range p.NextLocal {
		if !strings.Contains(s, "-01 06:00") {
			t.Errorf("quarterly run at %s", s)
		}
	}
}
