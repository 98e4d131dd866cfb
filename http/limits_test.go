package http_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestOversizedBody: a 20 MB body is refused with 413 and a message that
// says how much the API reads, not as JSON cut short.
func TestOversizedBody(t *testing.T) {
	e := newEnv(t)
	big := fmt.Sprintf(`{"name":"big","source_id":%d,"sql":"select '%s'"}`, e.src.ID, strings.Repeat("x", 20<<20))
	for _, c := range []struct{ token, method, path string }{
		{e.tokens[facteur.RoleEditor], "POST", "/api/v1/reports"},
		{"", "POST", "/api/v1/login"},
		{e.tokens[facteur.RoleAdmin], "PUT", "/api/v1/settings/policy"}, // read by a parser of its own
	} {
		st, body := e.do(c.token, c.method, c.path, big)
		if st != 413 || !strings.Contains(body, `"too_large"`) || !strings.Contains(body, "The request body is larger than 1 MB") {
			t.Errorf("20 MB to %s: %d %.300s", c.path, st, body)
		}
	}
}

// TestReportSQLCheckedAtSave: a report whose SQL is two statements, or a
// statement that writes, is refused when saved (400 naming sql), not at
// its first preview.
func TestReportSQLCheckedAtSave(t *testing.T) {
	e := newEnv(t)
	for _, sql := range []string{"select 1; drop table items", "update items set label = 'x' returning id", "select load_extension('x')"} {
		body := fmt.Sprintf(`{"name":"bad","source_id":%d,"sql":%q}`, e.src.ID, sql)
		if st, answer := e.do(e.tokens[facteur.RoleEditor], "POST", "/api/v1/reports", body); st != 400 || !strings.Contains(answer, `"message": "sql: `) {
			t.Errorf("report %q: %d %s", sql, st, answer)
		}
	}
}
