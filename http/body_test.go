package http

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/kinds"
)

// FuzzDecode: whatever the body, decode answers an error a user can act on
// (never an internal one), and what it accepts is valid UTF-8.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, "{\"name\":\"\xff\"}", `{"name":1}`, `{`, ``, `{"a":{"b":["\u0000"]}}`, `{"name":"x"} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v struct {
			Name   string          `json:"name"`
			Config json.RawMessage `json:"config"`
			To     []string        `json:"to"`
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
		err := decode(r, &v)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("%q: %v (code %s)", body, err, facteur.ErrorCode(err))
			}
			return
		}
		if !utf8.ValidString(v.Name) || !utf8.Valid(v.Config) {
			t.Fatalf("accepted invalid UTF-8: %q", body)
		}
	})
}

// FuzzRunFilter: whatever the query string of GET /runs, the filter is
// refused as invalid input or is within its bounds.
func FuzzRunFilter(f *testing.F) {
	for _, s := range []string{"status=failed&limit=5", "status=skipped", "status=skipped%00", "from=2026-01-01&to=2026-01-31", "before=3&after=4", "limit=99999", "from=2026-13-40", "schedule_id=-1", "to=2026-01-01T00:00:00Z&from=2027-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/api/v1/runs", nil)
		r.URL.RawQuery = query
		rf, err := runFilter(r)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID {
				t.Fatalf("%q: %v", query, err)
			}
			return
		}
		if rf.Limit < 1 || rf.Limit > maxRunsLimit || rf.ScheduleID < 0 || rf.BeforeID < 0 || rf.AfterID < 0 ||
			(rf.BeforeID != 0 && rf.AfterID != 0) || (!rf.From.IsZero() && !rf.To.IsZero() && !rf.From.Before(rf.To)) ||
			(rf.Status != "" && !slices.Contains(facteur.RunStatuses, rf.Status)) {
			t.Fatalf("%q accepted as %+v", query, rf)
		}
	})
}

// FuzzScheduleFilter: whatever the query string of GET /schedules, the
// filter is refused as invalid input naming a parameter, or is within the
// bounds the store takes.
func FuzzScheduleFilter(f *testing.F) {
	for _, s := range []string{"", "q=feed&kind=sftp", "page=2&per_page=50", "page=0", "per_page=501", "page=1000001&per_page=500",
		"q=%25_%5C", "kind=ftp", "q=" + strings.Repeat("é", 201), "page=9223372036854775807", "per_page=-1&page=x"} {
		f.Add(s)
	}
	reg := kinds.Builtin()
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/api/v1/schedules", nil)
		r.URL.RawQuery = query
		sf, paged, err := scheduleFilter(r, reg)
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), ": ") {
				t.Fatalf("%q: %v", query, err)
			}
			return
		}
		if err := sf.Validate(); err != nil || paged != (sf.Limit > 0) || (!paged && sf.Offset != 0) || sf.Offset%max(sf.Limit, 1) != 0 {
			t.Fatalf("%q accepted as %+v (paged %v): %v", query, sf, paged, err)
		}
		if sf.Kind != "" && !slices.Contains(reg.Names(), sf.Kind) {
			t.Fatalf("%q: kind %q is not registered", query, sf.Kind)
		}
	})
}
