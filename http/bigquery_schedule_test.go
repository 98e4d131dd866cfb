package http_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestBigQueryScheduleFormats: a schedule to a BigQuery destination
// exports NDJSON or Parquet without compression; another format is
// refused when it is saved, naming the field and the formats it takes.
func TestBigQueryScheduleFormats(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	st, body := e.do(admin, "POST", "/api/v1/destinations", `{"name":"warehouse","kind":"bigquery","config":{"project":"acme-analytics","dataset":"exports","table":"orders"}}`)
	var d facteur.Destination
	if st != 201 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("create a BigQuery destination: %d %s", st, body)
	}
	sched := func(format string) string {
		return fmt.Sprintf(`{"name":"orders","report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"06:00"},"format":%s}`, e.report.ID, d.ID, format)
	}
	for _, ok := range []string{`{"format":"ndjson"}`, `{"format":"parquet"}`} {
		if st, body := e.do(admin, "POST", "/api/v1/schedules", sched(ok)); st != 201 {
			t.Errorf("schedule %s: %d %s", ok, st, body)
		}
	}
	for bad, field := range map[string]string{
		`{"format":"csv"}`:                         `"format.format: a bigquery destination takes only ndjson or parquet files`,
		`{"format":"xlsx"}`:                        `"format.format: `,
		`{"format":"ndjson","compression":"gzip"}`: `"format.compression: `,
	} {
		if st, body := e.do(admin, "POST", "/api/v1/schedules", sched(bad)); st != 400 || !strings.Contains(body, field) {
			t.Errorf("schedule %s: %d %s, want 400 with %s", bad, st, body, field)
		}
	}
}
