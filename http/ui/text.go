package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// messages holds every string the UI shows, by key, so that a translation
// is one more map.
var messages = map[string]string{
	"app.name":                     "Facteur",
	"nav.skip":                     "Skip to content",
	"nav.schedules":                "Schedules",
	"nav.runs":                     "Run history",
	"nav.logout":                   "Log out",
	"login.title":                  "Log in",
	"login.email":                  "E-mail address",
	"login.password":               "Password",
	"login.submit":                 "Log in",
	"error.title":                  "Something went wrong",
	"error.not_found":              "There is no such page. The schedules are a good place to start again.",
	"error.internal":               "An unexpected error occurred; the server's log has the details.",
	"error.bad_id":                 "There is nothing at this address: an id is a whole number from 1, without sign, spaces or leading zeros.",
	"schedules.title":              "Schedules",
	"schedules.empty":              "No schedule yet.",
	"schedules.search":             "Search schedules",
	"schedules.filter.all":         "All destinations",
	"schedules.filter.apply":       "Filter",
	"col.name":                     "Name",
	"col.created":                  "Created",
	"col.type":                     "Type",
	"col.delivery":                 "Delivery",
	"col.format":                   "Format",
	"col.frequency":                "Frequency",
	"col.next":                     "Next run",
	"col.last":                     "Last status",
	"col.actions":                  "Actions",
	"col.file":                     "File",
	"col.status":                   "Status",
	"col.size":                     "Size",
	"col.rows":                     "Rows",
	"col.duration":                 "Duration",
	"col.started":                  "Started",
	"col.schedule":                 "Schedule",
	"type.report":                  "Report",
	"action.menu":                  "Actions",
	"action.edit":                  "Edit",
	"action.run":                   "Run now",
	"action.test":                  "Send test",
	"action.delete":                "Delete",
	"action.view":                  "View",
	"action.retry":                 "Retry",
	"action.ignore":                "Ignore",
	"action.download":              "Download",
	"confirm.delete":               "Delete this schedule? This cannot be undone. All future deliveries of this report will stop.",
	"done.run":                     "Run %d is queued.",
	"done.test":                    "Test delivered: %s",
	"done.delete":                  "Schedule deleted.",
	"done.retry":                   "Retry queued as run %d.",
	"done.ignore":                  "Run %d is hidden from the history.",
	"runs.title":                   "Run history",
	"runs.of":                      "Run history of %s",
	"runs.empty":                   "No run yet.",
	"runs.progress":                "%d rows so far",
	"runs.rows_so_far":             "rows so far",
	"run.title":                    "Run %d",
	"run.definition":               "Definition used",
	"run.stages":                   "Time per stage",
	"run.stage":                    "Stage",
	"run.stage_share":              "Share of the run",
	"run.log":                      "Step-by-step log",
	"run.recipients":               "Mail recipients",
	"run.recipient":                "Recipient",
	"run.mail_purpose":             "Mail",
	"run.mail_reply":               "Server's reply or reason",
	"run.mail_delivery":            "The file",
	"run.mail_alert":               "Failure alert",
	"run.mail_queued":              "queued",
	"run.mail_sent":                "sent",
	"run.mail_failed":              "failed",
	"run.error":                    "Error",
	"run.location":                 "Delivered to",
	"run.sha256":                   "SHA-256",
	"run.trigger":                  "Trigger",
	"page.prev":                    "Previous",
	"page.next":                    "Next",
	"page.of":                      "Page %d of %d (%d schedules)",
	"none":                         "—",
	"form.new":                     "New schedule",
	"form.edit":                    "Edit %s",
	"form.basic":                   "Basic information",
	"form.name":                    "Name",
	"form.name.hint":               "Leave empty to use the report's name.",
	"form.report":                  "Report",
	"form.destination":             "Destination",
	"form.choose":                  "Choose…",
	"form.format":                  "Format",
	"form.file_format":             "File format",
	"form.header":                  "First line names the columns",
	"form.delimiter":               "Delimiter",
	"form.delimiter.hint":          "One character; \\t for a tab.",
	"form.bom":                     "Start with a byte order mark (for Excel)",
	"form.calendar":                "Delivery calendar",
	"form.frequency":               "Frequency",
	"freq.daily":                   "Daily",
	"freq.weekly":                  "Weekly",
	"freq.monthly":                 "Monthly",
	"freq.cron":                    "Cron expression",
	"form.days":                    "On these days (none: every day)",
	"form.weekday":                 "Day of the week",
	"form.day_of_month":            "Day of the month",
	"form.last_day":                "Last day",
	"form.months":                  "In these months (none: every month)",
	"form.at":                      "Time",
	"form.time_zone":               "Time zone",
	"form.cron":                    "Cron expression (minute hour day month weekday)",
	"form.preview":                 "Next runs",
	"form.preview.button":          "Preview",
	"form.options":                 "Options",
	"form.fields":                  "Sensitive and extra fields (left out unless ticked)",
	"form.fields.none":             "This report has no sensitive or extra field.",
	"form.sensitive":               "sensitive",
	"form.extra":                   "extra",
	"form.file_name":               "File name",
	"form.file_name.hint":          "Variables: {label} {export_name} {year} {month} {day} {hour} {minute} {run_id} {ext}",
	"form.file_example":            "Example",
	"form.confirmation":            "Write a confirmation file next to the delivered file",
	"form.owner_alert":             "Mail the schedule's owner when a run fails for good",
	"form.alerts":                  "Also alert these addresses (Facteur accounts, or in an approved domain; one per line)",
	"form.limits":                  "Run limits (empty: the server's)",
	"form.limits.hint":             "A run that reaches a limit stops, fails and is not retried. A schedule may only lower the server's limits, which administrators set in Settings → Policy.",
	"form.max_minutes":             "Time limit (minutes)",
	"form.max_rows":                "Row limit",
	"form.max_mib":                 "File size limit (MiB)",
	"form.catch_up":                "After Facteur was stopped",
	"catch_up.once":                "Run once for the missed runs",
	"catch_up.skip":                "Skip the missed runs",
	"form.enabled":                 "Enabled: runs on its calendar",
	"form.summary":                 "Summary",
	"form.summary.text":            "%s to %s as %s",
	"form.test":                    "Send test",
	"form.save":                    "Save",
	"form.cancel":                  "Cancel",
	"done.save":                    "Schedule %q saved.",
	"action.new":                   "New schedule",
	"nav.reports":                  "Reports",
	"nav.sources":                  "Sources",
	"nav.destinations":             "Destinations",
	"col.kind":                     "Kind",
	"sources.title":                "Sources",
	"sources.empty":                "No source yet.",
	"source.new":                   "New source",
	"source.edit":                  "Source %s",
	"source.settings":              "Connection",
	"source.dsn":                   "Database URL",
	"source.dsn.hint":              "postgres://user:password@host:5432/db, mysql://user:password@host:3306/db or sqlite:/path/file.db; it is stored encrypted and never shown again.",
	"source.dsn.keep":              "Now %s. Leave empty to keep it, password included.",
	"action.test_connection":       "Test connection",
	"confirm.delete_source":        "Delete this source? Reports that use it must be deleted first.",
	"done.source":                  "Source %q saved.",
	"done.connected":               "Connected.",
	"done.deleted":                 "Deleted.",
	"destinations.title":           "Destinations",
	"destinations.empty":           "No destination yet.",
	"destination.new":              "New destination",
	"destination.edit":             "Destination %s",
	"destination.settings":         "Settings",
	"destination.where":            "Delivers to",
	"destination.public_key":       "Public key to give the partner (their authorized_keys)",
	"destination.secret_set":       "set",
	"destination.secret_keep":      "Leave empty to keep the stored value",
	"destination.secret_unchanged": "set, unchanged",
	"destination.secret_retype":    "not saved: type it again",
	"destination.test_saves":       "Send test saves the settings as they are in the form, then delivers a test file.",
	"form.problems":                "There is a problem",
	"form.error.line":              "%s, line %d",
	"copy.button":                  "Copy",
	"copy.done":                    "Copied.",
	"copy.selected":                "Selected: press Ctrl+C (⌘C) to copy.",
	"destination.generate_key":     "Generate a new key pair (the public key is shown after saving)",
	"destination.raw_cells":        "Raw cells: do not neutralise formula-like text (for machines, not spreadsheets)",
	"confirm.delete_destination":   "Delete this destination? Schedules that use it must be changed first.",
	"done.destination":             "Destination %q saved.",
	"kind.email":                   "E-mail",
	"kind.sftp":                    "SFTP",
	"kind.s3":                      "S3",
	"kind.webhook":                 "Webhook",
	"kind.folder":                  "Folder on this server",
	"cfg.to":                       "Recipients (one per line)",
	"cfg.recipients":               "Recipients see each other? (separate: a mail to each; bcc: one mail, all hidden; together: the organisation in one mail, the others apart)",
	"cfg.subject":                  "Subject ({file_name} and {rows} are replaced)",
	"cfg.message":                  "Message ({file_name}, {rows}, {link})",
	"cfg.html":                     "Send the message as HTML",
	"cfg.body":                     "Where the report goes (attachment: the file attached; table: the first rows in the mail, with a link to the whole file when there are more; both: the table and the file attached)",
	"cfg.body_rows":                "Rows shown in the mail (at most 10000; empty for 1000)",
	"cfg.host":                     "Host",
	"cfg.port":                     "Port",
	"cfg.user":                     "User",
	"cfg.password":                 "Password",
	"cfg.private_key":              "Private key (OpenSSH format)",
	"cfg.host_key":                 "Host key (pinned on the first connection when empty)",
	"cfg.directory":                "Directory",
	"cfg.overwrite":                "Replace a different file of the same name",
	"cfg.timeout":                  "Timeout (seconds)",
	"cfg.bucket":                   "Bucket",
	"cfg.prefix":                   "Prefix",
	"cfg.region":                   "Region",
	"cfg.endpoint":                 "Endpoint (for S3-compatible storage)",
	"cfg.access_key_id":            "Access key ID",
	"cfg.secret_access_key":        "Secret access key",
	"cfg.url":                      "URL",
	"cfg.secret":                   "Signing secret (16 characters or more)",
	"cfg.mode":                     "Send",
	"cfg.headers":                  "Extra headers (Name: value, one per line)",
	"cfg.path":                     "Directory on this server",
	"reports.title":                "Reports",
	"reports.empty":                "No report yet.",
	"report.new":                   "New report",
	"report.edit":                  "Report %s",
	"report.source":                "Source",
	"report.query":                 "Query",
	"report.sql":                   "SQL (a SELECT; it runs read-only)",
	"report.table":                 "Or a whole table",
	"report.created_column":        "Creation time column (for periods)",
	"report.updated_column":        "Update time column (for periods)",
	"report.fields":                "Fields",
	"report.fields.hint":           "Fields go out in this order. Sensitive and extra fields are left out of every schedule that does not tick them.",
	"report.position":              "Position",
	"report.chart":                 "Chart",
	"report.chart.hint":            "The png format draws this chart, and pdf puts it above its table: the x column against one or more columns of numbers.",
	"report.chart.type":            "Chart type",
	"report.chart.none":            "No chart",
	"report.chart.line":            "Lines",
	"report.chart.bar":             "Bars",
	"report.chart.x":               "Horizontal axis (x): dates, numbers or categories",
	"report.chart.y":               "Columns drawn (y, numbers, at most 8)",
	"report.chart.title":           "Chart title (empty: the report's name)",
	"report.preview":               "Preview",
	"report.preview.title":         "Preview: the first %d rows",
	"col.updated":                  "Updated",
	"action.schedule":              "Schedule it",
	"action.duplicate":             "Duplicate",
	"confirm.delete_report":        "Delete this report? This cannot be undone.",
	"done.report":                  "Report %q saved.",
	"done.duplicate":               "Duplicated as %q.",
	"done.report_deleted":          "Report deleted.",
	"nav.settings":                 "Settings",
	"settings.mail":                "Mail",
	"settings.policy":              "Policy",
	"settings.users":               "Users and roles",
	"settings.audit":               "Audit log",
	"mail.server":                  "SMTP server",
	"mail.security":                "Security (starttls: port 587; tls: port 465)",
	"mail.from":                    "From",
	"mail.auth":                    "Authentication",
	"mail.ca_cert":                 "Private certificate authority (PEM), if any",
	"mail.oauth":                   "OAuth 2.0 (authentication xoauth2)",
	"mail.oauth.hint":              "For Google Workspace or Microsoft 365: save the client first, then connect the mailbox.",
	"mail.provider":                "Provider",
	"mail.client_id":               "Client ID",
	"mail.client_secret":           "Client secret",
	"mail.tenant_id":               "Tenant ID (Microsoft)",
	"mail.auth_url":                "Authorization URL (custom provider)",
	"mail.token_url":               "Token URL (custom provider)",
	"mail.device_url":              "Device authorization URL (custom provider)",
	"mail.connect":                 "Connect in this browser",
	"mail.device":                  "Connect with a device code",
	"mail.device.status":           "Device connection",
	"mail.device.open":             "Open",
	"mail.device.enter":            "and enter the code",
	"mail.test":                    "Send test e-mail",
	"mail.test.to":                 "To",
	"done.mail":                    "Mail settings saved.",
	"done.mail_test":               "Test e-mail sent to %s.",
	"policy.export":                "Data export",
	"policy.export_enabled":        "Data export is switched on (runs, tests, previews and downloads)",
	"policy.account_domains":       "Only accounts of these domains may export (one per line; none: any account)",
	"policy.account_domains.hint":  "For example example.org. Accounts of other domains can still see schedules and runs.",
	"policy.mail":                  "E-mail destinations",
	"policy.allowed_domains":       "Approved recipient domains (one per line)",
	"policy.allowed_domains.hint":  "Without any, e-mail schedules may only send to their owner's own address.",
	"policy.attachment_limit":      "Largest attachment (MB); larger files go as a download link",
	"policy.link_ttl":              "Download links work for (hours)",
	"policy.limits":                "Run limits",
	"policy.limits.hint":           "Every run stops, fails and is not retried when it reaches one; a schedule may set lower ones.",
	"policy.max_minutes":           "Longest run (minutes)",
	"policy.max_rows":              "Most rows a run exports",
	"policy.max_mib":               "Largest file a run writes (MiB)",
	"policy.max_cell_mib":          "Largest value of one cell (MiB), in previews and exports",
	"done.policy":                  "Policy saved.",
	"users.role":                   "Role",
	"users.active":                 "Active",
	"users.password":               "Password",
	"users.password.keep":          "Unchanged",
	"users.last_login":             "Last login",
	"users.new":                    "New account",
	"users.create":                 "Create the account",
	"done.user":                    "Account saved.",
	"role.viewer":                  "Viewer: sees reports, schedules and runs",
	"role.editor":                  "Editor: reports, e-mail schedules, runs",
	"role.file_scheduler":          "File scheduler: also SFTP, S3, webhook",
	"role.admin":                   "Administrator: everything",
	"audit.csv":                    "Download as CSV",
	"audit.at":                     "When",
	"audit.actor":                  "Who",
	"audit.action":                 "Action",
	"audit.action.hint":            "schedule. or login.failed",
	"audit.object":                 "Object",
	"audit.address":                "From",
	"audit.detail":                 "Detail",
	"tokens.title":                 "Your API tokens",
	"tokens.hint":                  "Scripts and the CLI send a token as \"Authorization: Bearer fct_…\"; it acts with your role.",
	"tokens.new_shown_once":        "Your new token, shown only now: copy it",
	"tokens.prefix":                "Starts with",
	"tokens.last_used":             "Last used",
	"tokens.expires":               "Expires",
	"tokens.new":                   "New token",
	"tokens.name":                  "What it is for",
	"tokens.expires_in":            "Expires after (days; empty: never)",
	"tokens.create":                "Create the token",
	"confirm.delete_token":         "Revoke this token? Scripts that use it stop working.",
	"done.token_deleted":           "Token revoked.",
	"nav.exports":                  "One-off export",
	"exports.title":                "One-off export",
	"exports.hint":                 "Export a report once, for a period if you like: it runs in the background, the file waits here, and its link is mailed to you.",
	"exports.new":                  "New export",
	"exports.period":               "Period",
	"exports.period.all":           "All rows",
	"exports.period.created":       "Created between",
	"exports.period.updated":       "Updated between",
	"exports.from":                 "From (included)",
	"exports.to":                   "To (excluded)",
	"exports.start":                "Export",
	"exports.mine":                 "Your latest exports",
	"exports.empty":                "No export yet.",
	"done.export":                  "Export started (run %d); the file will be listed here when it is ready.",
	"runs.chart":                   "Duration and size of recent runs, oldest first",
	"runs.chart.duration":          "Duration (longest %s)",
	"runs.chart.size":              "Size (largest %s)",
	"runs.show_ignored":            "Show ignored runs",
	"runs.hide_ignored":            "Hide ignored runs",
	"action.cancel":                "Cancel",
	"action.unignore":              "Show again",
	"done.cancel":                  "Run %d is cancelled.",
	"done.unignore":                "Run %d is back in the history.",
	"login.other_site":             "This login form was sent from another site; open Facteur's own login page.",
	"form.compression":             "Compression of the whole file",
	"form.row_limit":               "Row limit",
	"form.row_limit.hint":          "The most rows the file takes; 0 for the format's default. Past it the run fails and says so: choose csv or xlsx for more.",
	"form.codec":                   "Column compression",
	"codec.zstd":                   "zstd (smaller files)",
	"codec.snappy":                 "snappy (faster, larger)",
	"compression.none":             "None",
	"form.xlsx_dates":              "Dates and times in xlsx",
	"xlsx_dates.cells":             "Date cells in the schedule's or export's time zone (filters and sums work)",
	"xlsx_dates.text":              "ISO 8601 text, as in csv (every digit, offsets kept)",
	"password.title":               "Your password",
	"password.current":             "Current password",
	"password.new":                 "New password (12 characters or more)",
	"password.change":              "Change the password",
	"done.password":                "Password changed: log in with the new one.",
	"source.rights.refused":        "This account can do more than read, and report authors could use it; it is refused until you use a read-only account or accept these rights:",
	"source.rights.accepted":       "This account can do more than read, and report authors can use it (accepted by an administrator):",
	"source.rights.unchecked":      "Its rights could not be checked (%s); Test connection checks them.",
	"source.rights.accept":         "I accept that report authors can use this account's extra rights",
	"source.readonly":              "SQL to create a read-only account",
	"sources.rights.refused":       "Refused, this account can do more than read:",
	"sources.rights.accepted":      "Can do more than read (accepted):",
	"done.test_run":                "Test run %d is queued: the first 100 rows, in the schedule's format, under its file name starting with TEST_.",
	"schedule.paused":              "Paused",
	"action.pause":                 "Pause",
	"action.resume":                "Resume",
	"done.pause":                   "%q is paused: it will not run on its calendar until it is resumed.",
	"done.resume":                  "%q is resumed: it runs again from its next slot.",
	"detail.when":                  "When",
	"detail.what":                  "What and where",
	"detail.next_runs":             "Next runs",
	"detail.paused_no_run":         "None: the schedule is paused. Run now still works.",
	"detail.report":                "Report",
	"detail.destination":           "Destination",
	"detail.file_name":             "File name",
	"detail.for_example":           "for example %s",
	"detail.options":               "Options",
	"detail.owner":                 "Owner (runs as)",
	"detail.not_visible":           "#%d (not visible to you, or deleted)",
	"detail.last_runs":             "Last runs",
	"detail.all_runs":              "All runs of this schedule",
	"detail.compressed":            "Compressed with %s",
	"detail.xlsx_text_dates":       "Dates and times as ISO 8601 text",
	"detail.no_header":             "No header line",
	"detail.delimiter":             "Fields separated by %q",
	"detail.bom":                   "Starts with a byte order mark (for Excel)",
	"detail.include":               "Includes the fields %s",
	"detail.confirmation":          "Writes a confirmation file next to the file",
	"detail.alerts":                "Failures are mailed to %s",
	"detail.alerts_owner":          "its owner",
	"detail.catch_up_once":         "Slots missed while Facteur was down: run once",
	"detail.catch_up_skip":         "Slots missed while Facteur was down: skipped",
	"col.run":                      "Run",
	"runs.filter.schedule":         "Schedule",
	"runs.filter.all":              "All schedules",
	"runs.filter.status":           "Status",
	"runs.filter.any":              "Any status",
	"runs.filter.from":             "From (UTC day)",
	"runs.filter.to":               "To (UTC day, included)",
	"runs.filter.apply":            "Filter",
	"runs.filter.clear":            "Clear",
	"runs.filtered_empty":          "No run matches these filters.",
	"page.newer":                   "Newer",
	"page.older":                   "Older",
	"form.read_only":               "Read only: this schedule belongs to another account; only its owner or an administrator can change it.",
}

// textOr returns the UI string of key, or def when there is none (a
// destination kind registered without the UI's texts).
func textOr(key, def string) string {
	if s, ok := messages[key]; ok {
		return s
	}
	return def
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

// Times: every time is shown in the reader's time zone, which the page's
// script knows (without the script, in UTC), and names its zone; a time of
// a schedule's calendar is shown in the schedule's zone. Hovering a time
// shows it in UTC.

// timeTag shows a time in UTC, marked up so that the page's script shows
// it in the reader's own time zone.
func timeTag(t any) template.HTML { return timeMarkup(t, "", "") }

// timeSecTag is timeTag to the second, for logs.
func timeSecTag(t any) template.HTML { return timeMarkup(t, "", " data-seconds") }

// timeInTag shows a time of a schedule's calendar in the schedule's zone.
func timeInTag(t any, zone string) template.HTML { return timeMarkup(t, zone, "") }

func timeMarkup(t any, zone, attr string) template.HTML {
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
	shown := u.Format("2006-01-02 15:04 UTC")
	if loc, err := time.LoadLocation(zone); zone != "" && err == nil {
		shown = tt.In(loc).Format("Mon 2006-01-02 15:04 MST")
		attr += fmt.Sprintf(` data-zone="%s"`, template.HTMLEscapeString(zone))
	}
	title := u.Format("2006-01-02 15:04 UTC")
	if strings.Contains(attr, "data-seconds") {
		title = u.Format("2006-01-02 15:04:05 UTC")
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s"%s>%s</time>`, u.Format(time.RFC3339), title, attr, shown))
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
