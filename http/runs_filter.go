package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// maxRunsLimit is the most runs one page of the history holds.
const maxRunsLimit = 1000

// runFilter reads the history's query parameters: schedule_id, status,
// from and to (a day, YYYY-MM-DD, in UTC: from its start, to its end
// included; or an RFC 3339 instant, to excluded), ignored=true, limit (1
// to 1000, default 50), and before or after (a run id). A bad value is
// EINVALID naming its parameter.
func runFilter(r *http.Request) (facteur.RunFilter, error) {
	q := r.URL.Query()
	f := facteur.RunFilter{Status: q.Get("status")}
	for name, dst := range map[string]*int64{"schedule_id": &f.ScheduleID, "before": &f.BeforeID, "after": &f.AfterID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, facteur.Errorf(facteur.EINVALID, "%s: %q is not a run or schedule id", name, clip(v))
			}
			*dst = n
		}
	}
	if f.BeforeID != 0 && f.AfterID != 0 {
		return f, facteur.Errorf(facteur.EINVALID, "after: give before or after, not both")
	}
	switch v := q.Get("ignored"); v {
	case "", "false":
	case "true":
		f.IncludeIgnored = true
	default:
		return f, facteur.Errorf(facteur.EINVALID, "ignored: use true or false")
	}
	var err error
	if f.Limit, err = countParam(r, "limit", 50, maxRunsLimit); err != nil {
		return f, err
	}
	if f.Status != "" && !slices.Contains(facteur.RunStatuses, f.Status) {
		return f, facteur.Errorf(facteur.EINVALID, "status: use one of %s", strings.Join(facteur.RunStatuses, ", "))
	}
	if f.From, err = dayParam(q.Get("from"), "from", false); err != nil {
		return f, err
	}
	if f.To, err = dayParam(q.Get("to"), "to", true); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, facteur.Errorf(facteur.EINVALID, "to: the end of the range is before its start (from)")
	}
	return f, nil
}

// dayParam reads a day (YYYY-MM-DD, UTC) or an RFC 3339 instant; a day as
// an end bound is the start of the next day, so that the day is included.
func dayParam(v, name string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil && t.Year() >= 1970 && t.Year() <= 9998 {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil && t.Year() >= 1970 && t.Year() <= 9998 {
		return t.UTC(), nil
	}
	return time.Time{}, facteur.Errorf(facteur.EINVALID, "%s: %q is not a day (YYYY-MM-DD) or an RFC 3339 time", name, clip(v))
}

// clip shortens a value quoted back in an error message.
func clip(v string) string {
	if len(v) > 40 {
		return v[:40] + "…"
	}
	return v
}
