package ui

import (
	"fmt"
	"html/template"
	"time"
)

// messages holds every string the UI shows, by key, so that a translation
// is one more map.
var messages = map[string]string{
	"app.name":               "Facteur",
	"nav.schedules":          "Schedules",
	"nav.runs":               "Run history",
	"nav.logout":             "Log out",
	"login.title":            "Log in",
	"login.email":            "E-mail address",
	"login.password":         "Password",
	"login.submit":           "Log in",
	"error.title":            "Something went wrong",
	"error.internal":         "An unexpected error occurred; the server's log has the details.",
	"schedules.title":        "Schedules",
	"schedules.empty":        "No schedule yet.",
	"schedules.search":       "Search schedules",
	"schedules.filter.all":   "All destinations",
	"schedules.filter.apply": "Filter",
	"col.name":               "Name",
	"col.created":            "Created",
	"col.type":               "Type",
	"col.delivery":           "Delivery",
	"col.format":             "Format",
	"col.frequency":          "Frequency",
	"col.next":               "Next run",
	"col.last":               "Last status",
	"col.actions":            "Actions",
	"col.file":               "File",
	"col.status":             "Status",
	"col.size":               "Size",
	"col.rows":               "Rows",
	"col.duration":           "Duration",
	"col.started":            "Started",
	"col.schedule":           "Schedule",
	"type.report":            "Report",
	"action.menu":            "Actions",
	"action.edit":            "Edit",
	"action.run":             "Run now",
	"action.test":            "Send test",
	"action.delete":          "Delete",
	"action.view":            "View",
	"action.retry":           "Retry",
	"action.ignore":          "Ignore",
	"action.download":        "Download",
	"confirm.delete":         "Delete this schedule? This cannot be undone. All future deliveries of this report will stop.",
	"done.run":               "Run %d is queued.",
	"done.test":              "Test delivered: %s",
	"done.delete":            "Schedule deleted.",
	"done.retry":             "Retry queued as run %d.",
	"done.ignore":            "Run %d is hidden from the history.",
	"runs.title":             "Run history",
	"runs.of":                "Run history of %s",
	"runs.empty":             "No run yet.",
	"runs.progress":          "%d rows so far",
	"runs.rows_so_far":       "rows so far",
	"run.title":              "Run %d",
	"run.definition":         "Definition used",
	"run.stages":             "Time per stage",
	"run.log":                "Step-by-step log",
	"run.error":              "Error",
	"run.location":           "Delivered to",
	"run.sha256":             "SHA-256",
	"run.trigger":            "Trigger",
	"page.prev":              "Previous",
	"page.next":              "Next",
	"page.of":                "Page %d of %d (%d schedules)",
	"none":                   "—",
}

// text returns the UI string of key, formatted with args.
func text(key string, args ...any) string {
	s, ok := messages[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// timeTag shows a time in UTC, marked up so that the page's script shows
// it in the reader's own time zone.
func timeTag(t any) template.HTML { return timeMarkup(t, "") }

// timeSecTag is timeTag to the second, for logs.
func timeSecTag(t any) template.HTML { return timeMarkup(t, " data-seconds") }

func timeMarkup(t any, attr string) template.HTML {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return template.HTML(text("none"))
		}
		tt = *v
	}
	if tt.IsZero() {
		return template.HTML(text("none"))
	}
	u := tt.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s"%s>%s</time>`, u.Format(time.RFC3339), attr, u.Format("2006-01-02 15:04:05 UTC")))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return text("none")
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}
