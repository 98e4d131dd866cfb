package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
	"github.com/facteur/facteur/http/apitypes"
)

// The schedule form, in the order people think: basic information (name,
// report, destination), format, delivery calendar with a preview of the
// next runs, options (fields, file name, confirmation, alerts), then a
// summary with Send test, and Save. It works without the script, which only
// keeps the previews live.

// scheduleForm is what the form shows and what it posts.
type scheduleForm struct {
	ID           int64
	Schedule     facteur.Schedule
	Reports      []*facteur.Report
	Destinations []*facteur.Destination
	Formats      formatChoices
	Zones        []string
	Weekdays     []dayChoice
	Months       []monthChoice
	Days         []int
	Preview      *apitypes.CalendarPreview
	Regions      []apitypes.Region      // the regions a calendar may follow
	ClosureLists []*facteur.ClosureList // the lists a calendar may observe
	Nths         []nthChoice            // the choices of "the Nth working day"
	FileExample  string
	Errors       map[string]string // by the API's field ("calendar.time_zone"), in the label's words
	Problems     formErrors        // the same messages, for the summary at the top
	Tested       string            // the result of Send test
	// Groups are the recipient groups the alerts may name.
	Groups []groupChoice
}

// AlertGroup reports whether the schedule alerts the recipient group id.
func (f scheduleForm) AlertGroup(id int64) bool {
	return slices.Contains(f.Schedule.Options.AlertGroups, id)
}

// MaxRowLimit bounds the row limit's box.
func (scheduleForm) MaxRowLimit() int64 { return facteur.MaxRowLimit }

type dayChoice struct{ Value, Label string }
type nthChoice struct {
	Value int
	Label string
}

// nthChoices are 1st … 23rd, then last and 2nd-to-last … 5th-to-last.
func nthChoices() []nthChoice {
	var out []nthChoice
	for n := 1; n <= 23; n++ {
		out = append(out, nthChoice{n, calendar.Ordinal(n)})
	}
	out = append(out, nthChoice{-1, "last"})
	for n := 2; n <= 5; n++ {
		out = append(out, nthChoice{-n, calendar.Ordinal(n) + "-to-last"})
	}
	return out
}

// Observes reports whether the calendar observes the closure list name.
func (f scheduleForm) Observes(name string) bool {
	return slices.Contains(f.Schedule.Calendar.Closures, name)
}

// NoteOf returns the notes of the preview's i-th run.
func (f scheduleForm) NoteOf(i int) []string {
	if f.Preview == nil || i >= len(f.Preview.Notes) {
		return nil
	}
	return f.Preview.Notes[i]
}

type monthChoice struct {
	Value int
	Label string
}

// Report returns the chosen report, or nil.
func (f scheduleForm) Report() *facteur.Report {
	for _, r := range f.Reports {
		if r.ID == f.Schedule.ReportID {
			return r
		}
	}
	return nil
}

// Destination returns the chosen destination, or nil.
func (f scheduleForm) Destination() *facteur.Destination {
	for _, d := range f.Destinations {
		if d.ID == f.Schedule.DestinationID {
			return d
		}
	}
	return nil
}

// Included reports whether the schedule opts in to a sensitive or extra field.
func (f scheduleForm) Included(name string) bool {
	for _, n := range f.Schedule.IncludeFields {
		if n == name {
			return true
		}
	}
	return false
}

// part returns what the schedule says of one of its reports (its own or
// a bundled one), and false for a report it does not send.
func (f scheduleForm) part(reportID int64) (facteur.BundleReport, bool) {
	for _, p := range f.Schedule.Parts() {
		if p.ReportID == reportID {
			return p, true
		}
	}
	return facteur.BundleReport{}, false
}

// IncludedIn reports whether the schedule opts in to a sensitive or extra
// field of one of its reports.
func (f scheduleForm) IncludedIn(reportID int64, name string) bool {
	p, _ := f.part(reportID)
	for _, n := range p.IncludeFields {
		if n == name {
			return true
		}
	}
	return false
}

// Bundled reports whether a report is one of the schedule's further
// reports (a dashboard's).
func (f scheduleForm) Bundled(reportID int64) bool {
	_, ok := f.part(reportID)
	return ok && reportID != f.Schedule.ReportID
}

// Packagings are the choices of a bundle's packaging.
func (scheduleForm) Packagings() []string { return facteur.Packagings }

// Confirmation is the schedule's confirmation file's settings (empty:
// the defaults).
func (f scheduleForm) Confirmation() facteur.ConfirmationFile {
	if c := f.Schedule.Options.ConfirmationFile; c != nil {
		return *c
	}
	return facteur.ConfirmationFile{}
}

// Rule returns the schedule's obfuscation rule of a report's field (an
// empty method when the field goes out as it is).
func (f scheduleForm) Rule(reportID int64, name string) facteur.FieldRule {
	p, _ := f.part(reportID)
	for _, r := range p.Obfuscate {
		if r.Field == name {
			return r
		}
	}
	return facteur.FieldRule{}
}

// Methods are the choices of a field's obfuscation, "" for as it is.
func (scheduleForm) Methods() []string {
	return []string{"", facteur.ObfuscateHash, facteur.ObfuscateHMAC, facteur.ObfuscateMask, facteur.ObfuscateNull}
}

// MethodLabel is the words of an obfuscation method, "" for as it is.
func (scheduleForm) MethodLabel(method string) string { return methodLabel(method) }

func methodLabel(method string) string {
	switch method {
	case facteur.ObfuscateHash:
		return text("form.obfuscate.hash")
	case facteur.ObfuscateHMAC:
		return text("form.obfuscate.hmac")
	case facteur.ObfuscateMask:
		return text("form.obfuscate.mask")
	case facteur.ObfuscateNull:
		return text("form.obfuscate.null")
	}
	return text("form.obfuscate.clear")
}

// DefaultKeep is what a mask keeps when the box is left empty.
func (scheduleForm) DefaultKeep() int { return facteur.DefaultMaskKeep }

// MaxKeep bounds the mask's box.
func (scheduleForm) MaxKeep() int { return facteur.MaxMaskKeep }

// HasDay, HasMonth: the calendar's chosen days and months.
func (f scheduleForm) HasDay(d string) bool {
	for _, x := range f.Schedule.Calendar.Days {
		if x == d || (x == "weekdays" && d != "sat" && d != "sun") {
			return true
		}
	}
	return false
}

func (f scheduleForm) HasMonth(m int) bool {
	for _, x := range f.Schedule.Calendar.Months {
		if x == m {
			return true
		}
	}
	return false
}

// ParamValue is the value of report r's parameter p the form shows: the
// schedule's when r is its report, else empty (the default applies).
func (f scheduleForm) ParamValue(r *facteur.Report, p facteur.Parameter) string {
	part, ok := f.part(r.ID)
	if !ok {
		return ""
	}
	v, ok := part.Params[p.Name]
	if !ok {
		return ""
	}
	if p.Type == facteur.ParamTimestamp { // the form of a datetime-local input
		return strings.Replace(paramText(&v), " ", "T", 1)
	}
	return paramText(&v)
}

// paramValuesFromForm reads the inputs of report's parameters,
// param_REPORT_NAME; an empty one is left out, so that the parameter takes
// its default. Nil when none is filled in.
func paramValuesFromForm(form url.Values, report int64) facteur.ParamValues {
	var values facteur.ParamValues
	prefix := fmt.Sprintf("param_%d_", report)
	for k, vs := range form {
		if name, ok := strings.CutPrefix(k, prefix); ok && len(vs) > 0 && vs[0] != "" {
			if values == nil {
				values = facteur.ParamValues{}
			}
			values[name] = facteur.TextValue(vs[0])
		}
	}
	return values
}

// ParamDefault is a parameter's default, shown as the input's placeholder.
func (scheduleForm) ParamDefault(p facteur.Parameter) string { return paramText(p.Default) }

// InputType is the type of the input a parameter's value is typed in.
func (scheduleForm) InputType(t facteur.ParamType) string { return paramInput(t) }

// ParamErr is the API's message about the value of parameter name, with
// the id of its input (that of the chosen report).
func (f scheduleForm) ParamErr(name string) fieldMessage {
	return fieldMessage{fmt.Sprintf("param_%d_%s", f.Schedule.ReportID, name), f.Errors["params."+name]}
}

// Alerts is the alert addresses, one per line.
func (f scheduleForm) Alerts() string { return strings.Join(f.Schedule.Options.AlertEmails, "\n") }

var (
	weekdays = []dayChoice{{"mon", "Monday"}, {"tue", "Tuesday"}, {"wed", "Wednesday"}, {"thu", "Thursday"}, {"fri", "Friday"}, {"sat", "Saturday"}, {"sun", "Sunday"}}
	months   = []monthChoice{{1, "January"}, {2, "February"}, {3, "March"}, {4, "April"}, {5, "May"}, {6, "June"}, {7, "July"}, {8, "August"}, {9, "September"}, {10, "October"}, {11, "November"}, {12, "December"}}
	// zones are offered in the time-zone field; any IANA name is accepted.
	zones = []string{"UTC", "Europe/Paris", "Europe/London", "Europe/Berlin", "Europe/Madrid", "Europe/Brussels", "Europe/Zurich",
		"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Montreal", "America/Sao_Paulo",
		"Africa/Casablanca", "Africa/Dakar", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney", "Pacific/Noumea"}
)

// newScheduleForm loads what the form offers: reports, destinations.
func (s *Server) newScheduleForm(r *http.Request, sc facteur.Schedule) (scheduleForm, error) {
	f := scheduleForm{ID: sc.ID, Schedule: sc, Zones: zones, Weekdays: weekdays, Months: months, Nths: nthChoices(), Errors: map[string]string{}}
	if err := s.call(r, "GET", "/api/v1/regions", nil, &f.Regions); err != nil {
		return f, err
	}
	if err := s.call(r, "GET", "/api/v1/closures", nil, &f.ClosureLists); err != nil {
		return f, err
	}
	for d := 1; d <= 31; d++ {
		f.Days = append(f.Days, d)
	}
	if err := s.call(r, "GET", "/api/v1/reports", nil, &f.Reports); err != nil {
		return f, err
	}
	if err := s.call(r, "GET", "/api/v1/destinations", nil, &f.Destinations); err != nil {
		return f, err
	}
	var err error
	if f.Groups, err = s.groupChoices(r); err != nil {
		return f, err
	}
	f.Formats, err = s.loadFormats(r)
	return f, err
}

// previews fills the next runs and the file-name example; their errors go
// next to their fields. The previews change nothing, so the page may ask
// for them with the session's own CSRF token, even on a GET.
func (s *Server) previews(r *http.Request, csrf string, f *scheduleForm) {
	c := f.Schedule.Calendar
	var p apitypes.CalendarPreview
	if err := s.callCSRF(r, csrf, "POST", "/api/v1/calendar/preview?n=5", c, &p); err != nil {
		f.fieldError(err, "calendar")
	} else {
		f.Preview = &p
	}
	var ex apitypes.FileNameExample
	body := map[string]any{"file_name": f.Schedule.FileName, "schedule_name": f.Schedule.Name, "report_id": f.Schedule.ReportID, "destination_id": f.Schedule.DestinationID,
		"format": f.Schedule.Format.Format, "compression": f.Schedule.Format.Compression, "time_zone": c.TimeZone}
	if err := s.callCSRF(r, csrf, "POST", "/api/v1/file-name/preview", body, &ex); err != nil {
		f.fieldError(err, "file_name")
	} else {
		f.FileExample = ex.Example
	}
}

// scheduleInputs maps the fields the API names to the form's inputs.
var scheduleInputs = map[string]fieldInput{
	"name": {"name", "form.name"}, "report_id": {"report_id", "form.report"}, "destination_id": {"destination_id", "form.destination"},
	"format.format": {"format", "form.file_format"}, "format.compression": {"compression", "form.compression"},
	"format.delimiter": {"delimiter", "form.delimiter"}, "calendar.frequency": {"frequency", "form.frequency"},
	"calendar.days": {"frequency", "form.days"}, "calendar.weekday": {"weekday", "form.weekday"},
	"calendar.day_of_month": {"day_of_month", "form.day_of_month"}, "calendar.months": {"day_of_month", "form.months"},
	"calendar.at": {"at", "form.at"}, "calendar.cron": {"cron", "form.cron"}, "calendar.time_zone": {"time_zone", "form.time_zone"},
	"calendar.region": {"region", "form.region"}, "calendar.closures": {"region", "form.closures"},
	"calendar.on_closed": {"on_closed", "form.on_closed"}, "calendar.workday": {"workday", "form.workday"},
	"calendar.period": {"period", "form.period"},
	"file_name":       {"file_name", "form.file_name"}, "options.alert_emails": {"alert_emails", "form.alerts"},
	"options.alert_groups":                {"alert_groups", "form.alert_groups"},
	"options.limits.max_duration_seconds": {"max_minutes", "form.max_minutes"}, "options.limits.max_rows": {"max_rows", "form.max_rows"},
	"options.limits.max_bytes":            {"max_mib", "form.max_mib"},
	"options.send_if":                     {"send_if", "form.send_if"},
	"options.expect_within_minutes":       {"expect_within", "form.expect_within"},
	"include_fields":                      {"", "form.fields"},
	"hmac_key":                            {"hmac_key", "form.hmac_key"},
	"bundle.packaging":                    {"bundle_packaging", "form.bundle.packaging"},
	"bundle.reports":                      {"bundle_packaging", "form.bundle"},
	"options.confirmation_file.name":      {"confirmation_name", "form.confirmation_name"},
	"options.confirmation_file.format":    {"confirmation_format", "form.confirmation_format"},
	"options.incremental":                 {"incremental_on", "form.incremental"},
	"options.incremental.since":           {"incremental_since", "form.incremental_since"},
	"options.incremental.overlap_minutes": {"overlap_minutes", "form.overlap_minutes"},
	"options.incremental.settle_seconds":  {"settle_seconds", "form.settle_seconds"},
}

// fieldError puts the API's message next to the field it names (its
// messages start with the field: "calendar.time_zone: unknown …"), or
// under fallback, in the words of the field's label.
func (f *scheduleForm) fieldError(err error, fallback string) {
	msg := err.Error()
	field := fallback
	if m := apiField.FindStringSubmatch(msg); m != nil {
		field = m[1]
		if !strings.Contains(field, ".") && fallback == "calendar" {
			field = "calendar." + field
			msg = "calendar." + msg
		}
	}
	if _, taken := f.Errors[field]; taken {
		return
	}
	id, words := relabel(msg, scheduleInputs)
	if id == "" {
		id = scheduleInputs[field].ID // a message of the fallback's field
	}
	f.Errors[field] = words
	f.Problems.add(id, words)
}

// fieldMessage is a message of the form and the input it concerns.
type fieldMessage struct{ ID, Message string }

// Err is the message of the API's field, with the id of its input.
func (f scheduleForm) Err(field string) fieldMessage {
	return fieldMessage{scheduleInputs[field].ID, f.Errors[field]}
}

// Invalid gives the input of the API's field its description (the hints
// named) and, when the field has a message, marks it invalid and
// described by the message too, for assistive technology.
func (f scheduleForm) Invalid(field string, hints ...string) template.HTMLAttr {
	var attrs []string
	if id := scheduleInputs[field].ID; f.Errors[field] != "" && id != "" {
		attrs = append(attrs, `aria-invalid="true"`)
		hints = append([]string{id + "-error"}, hints...)
	}
	if len(hints) > 0 {
		attrs = append(attrs, fmt.Sprintf(`aria-describedby="%s"`, strings.Join(hints, " ")))
	}
	return template.HTMLAttr(strings.Join(attrs, " "))
}

// FieldLabels is the words of the labels by the API's field, as JSON, for
// the script's live previews to say their messages as the form does.
func (f scheduleForm) FieldLabels() string {
	words := map[string]string{}
	for field, in := range scheduleInputs {
		words[field] = labelWords(text(in.Label))
	}
	b, _ := json.Marshal(words)
	return string(b)
}

func (s *Server) newSchedule(w http.ResponseWriter, r *http.Request, v view) error {
	sc := facteur.Schedule{Enabled: true, FileName: facteur.DefaultFileName, CatchUp: facteur.CatchUpOnce,
		Format:   facteur.FormatOptions{Format: facteur.FormatCSV},
		Calendar: facteur.Calendar{Frequency: facteur.Daily, Days: []string{"weekdays"}, At: "06:00", TimeZone: "Europe/Paris"}}
	sc.ReportID, _ = strconv.ParseInt(r.URL.Query().Get("report_id"), 10, 64)
	f, err := s.newScheduleForm(r, sc)
	if err != nil {
		return err
	}
	s.previews(r, v.CSRF, &f)
	return s.renderForm(w, v, f, http.StatusOK)
}

func (s *Server) editSchedule(w http.ResponseWriter, r *http.Request, v view) error {
	var sc facteur.Schedule
	if err := s.call(r, "GET", "/api/v1/schedules/"+r.PathValue("id"), nil, &sc); err != nil {
		return err
	}
	f, err := s.newScheduleForm(r, sc)
	if err != nil {
		return err
	}
	s.previews(r, v.CSRF, &f)
	return s.renderForm(w, v, f, http.StatusOK)
}

func (s *Server) renderForm(w http.ResponseWriter, v view, f scheduleForm, status int) error {
	return s.renderEditor(w, v, editor{"schedule_form", "schedules", "form.new", "form.edit"}, f.ID, f.Schedule.Name, f, status)
}

// saveSchedule handles the form's buttons: Preview shows the form again
// with its previews, Send test delivers a test file to the chosen
// destination, Save creates or updates the schedule.
func (s *Server) saveSchedule(w http.ResponseWriter, r *http.Request, v view) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var id int64
	if p := r.PathValue("id"); p != "" {
		id, _ = strconv.ParseInt(p, 10, 64)
	}
	formats, err := s.loadFormats(r)
	if err != nil {
		return err
	}
	sc := scheduleFromForm(r.PostForm, formats)
	sc.ID = id
	f, err := s.newScheduleForm(r, sc)
	if err != nil {
		return err
	}
	switch r.PostFormValue("action") {
	case "test":
		var res apitypes.DestinationTest
		if err := s.call(r, "POST", fmt.Sprintf("/api/v1/destinations/%d/test", sc.DestinationID), nil, &res); err != nil {
			f.fieldError(err, "destination_id")
		} else {
			f.Tested = text("done.test", res.Location)
		}
		s.previews(r, v.CSRF, &f)
		return s.renderForm(w, v, f, http.StatusOK)
	case "preview":
		s.previews(r, v.CSRF, &f)
		return s.renderForm(w, v, f, http.StatusOK)
	}
	body := scheduleBody(sc)
	if r.PostFormValue("hmac_key_clear") != "" {
		body["hmac_key"] = ""
	}
	var saved facteur.Schedule
	if id == 0 {
		err = s.call(r, "POST", "/api/v1/schedules", body, &saved)
	} else {
		err = s.call(r, "PUT", fmt.Sprintf("/api/v1/schedules/%d", id), body, &saved)
	}
	if err != nil {
		if ae, ok := err.(*apiError); ok && ae.Status < 500 {
			f.fieldError(err, "form")
			s.previews(r, v.CSRF, &f)
			return s.renderForm(w, v, f, ae.Status)
		}
		return err
	}
	redirectWith(w, r, "/schedules", text("done.save", saved.Name))
	return nil
}

// scheduleFromForm reads the posted form. Of the format's controls, only
// those of the chosen format count (formats says which those are): the
// others are still in the form, hidden.
func scheduleFromForm(form url.Values, formats formatChoices) facteur.Schedule {
	id := func(k string) int64 { n, _ := strconv.ParseInt(form.Get(k), 10, 64); return n }
	on := func(k string) bool { return form.Get(k) != "" }
	sc := facteur.Schedule{
		Name: strings.TrimSpace(form.Get("name")), ReportID: id("report_id"), DestinationID: id("destination_id"),
		Format: facteur.FormatOptions{Format: form.Get("format"), NoHeader: !on("header"), Delimiter: form.Get("delimiter"), BOM: on("bom"),
			Compression: form.Get("compression")},
		FileName: strings.TrimSpace(form.Get("file_name")), CatchUp: form.Get("catch_up"), Enabled: on("enabled"),
		Calendar: facteur.Calendar{Frequency: form.Get("frequency"), At: form.Get("at"), TimeZone: strings.TrimSpace(form.Get("time_zone"))},
		Options: facteur.ScheduleOptions{Confirmation: on("confirmation"), NoOwnerAlert: !on("owner_alert"),
			SendIf: form.Get("send_if"), AlertOnSkip: on("alert_on_skip"), ExpectWithinMinutes: formMinutes(form.Get("expect_within"))},
	}
	if on("incremental") {
		sc.Options.Incremental = &facteur.Incremental{Since: strings.TrimSpace(form.Get("incremental_since")),
			OverlapMinutes: formBounded(form.Get("overlap_minutes"), facteur.MaxOverlapMinutes),
			SettleSeconds:  formBounded(form.Get("settle_seconds"), facteur.MaxSettleSeconds)}
	}
	if sc.Format.Delimiter == `\t` {
		sc.Format.Delimiter = "\t"
	}
	sc.Params = paramValuesFromForm(form, sc.ReportID)
	fo, chosen := &sc.Format, sc.Format.Format
	if !formats.compressible(chosen) {
		fo.Compression = ""
	}
	if formats.reads(chosen, "xlsx_dates") {
		fo.XLSXDates = form.Get("xlsx_dates")
	}
	if formats.reads(chosen, "row_limit") {
		fo.RowLimit = formCount(form.Get("row_limit"))
	}
	if formats.reads(chosen, "codec") {
		fo.Codec = form.Get("codec")
	}
	if !formats.reads(chosen, "no_header") {
		fo.NoHeader = false
	}
	if !formats.reads(chosen, "delimiter") {
		fo.Delimiter = ""
	}
	if !formats.reads(chosen, "bom") {
		fo.BOM = false
	}
	// Only the controls of the chosen frequency count: the others are
	// still in the form, hidden.
	switch sc.Calendar.Frequency {
	case facteur.Daily:
		sc.Calendar.Days = form["days"]
	case facteur.Weekly:
		sc.Calendar.Weekday = form.Get("weekday")
	case facteur.Cron:
		sc.Calendar.Cron, sc.Calendar.At = strings.TrimSpace(form.Get("cron")), ""
	case facteur.Workday:
		sc.Calendar.Workday, _ = strconv.Atoi(form.Get("workday"))
		sc.Calendar.Period = form.Get("period")
	case facteur.Monthly:
		sc.Calendar.DayOfMonth, _ = strconv.Atoi(form.Get("day_of_month"))
		for _, m := range form["months"] {
			if n, err := strconv.Atoi(m); err == nil {
				sc.Calendar.Months = append(sc.Calendar.Months, n)
			}
		}
	}
	sc.Calendar.Region = strings.ToUpper(strings.TrimSpace(form.Get("region")))
	sc.Calendar.Closures = form["closures"]
	if f := sc.Calendar.Frequency; f != facteur.Workdays && f != facteur.Workday && form.Get("on_closed") != facteur.OnClosedRun {
		sc.Calendar.OnClosed = form.Get("on_closed")
	}
	sc.IncludeFields = form[fmt.Sprintf("include_%d", sc.ReportID)]
	sc.Obfuscate = rulesFromForm(form, sc.ReportID)
	sc.Bundle = bundleFromForm(form, sc.ReportID)
	if name, format := strings.TrimSpace(form.Get("confirmation_name")), form.Get("confirmation_format"); name != "" || format == facteur.ConfirmText {
		sc.Options.ConfirmationFile = &facteur.ConfirmationFile{Name: name, Format: format}
	}
	sc.HMACKey = form.Get("hmac_key")
	if ids := form["alert_groups"]; len(ids) > 0 {
		sc.Options.AlertGroups = groupIDs(ids)
	}
	sc.Options.AlertEmails = strings.FieldsFunc(form.Get("alert_emails"), func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' })
	sc.Options.Limits = facteur.RunLimits{
		MaxDurationSeconds: formNumber(form.Get("max_minutes"), 60),
		MaxRows:            formNumber(form.Get("max_rows"), 1),
		MaxBytes:           formNumber(form.Get("max_mib"), 1<<20),
	}
	return sc
}

// bundleFromForm reads a dashboard's further reports, in the order the
// form lists them (the schedule's own report left out), each with its
// fields, rules and parameter values as the form posts them for it; nil
// when none is ticked.
func bundleFromForm(form url.Values, first int64) *facteur.Bundle {
	var b facteur.Bundle
	for _, v := range form["bundle_report"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id == first {
			continue
		}
		b.Reports = append(b.Reports, facteur.BundleReport{ReportID: id, IncludeFields: form[fmt.Sprintf("include_%d", id)],
			Obfuscate: rulesFromForm(form, id), Params: paramValuesFromForm(form, id)})
	}
	if len(b.Reports) == 0 {
		return nil
	}
	b.Packaging = form.Get("bundle_packaging")
	return &b
}

// formMinutes reads a number of minutes typed in a form: empty is 0 (no
// check), and text that is not a whole number of minutes in range -1,
// which the API refuses with the field's bounds.
func formMinutes(typed string) int {
	return formBounded(typed, facteur.MaxExpectWithin)
}

// formBounded reads a whole number typed in a form: empty is 0, and text
// that is not a number or is above max -1, which the API refuses with the
// field's bounds.
func formBounded(typed string, max int) int {
	n := formNumber(typed, 1)
	if n > int64(max) {
		return -1
	}
	return int(n)
}

// formNumber reads a number typed in a form, times unit: empty is 0 (not
// set), and text that is not a number -1, which the API refuses with the
// field's bounds.
func formNumber(typed string, unit float64) int64 {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(typed, ",", ""), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f*unit > math.MaxInt64/2 {
		return -1
	}
	return int64(math.Round(f * unit))
}

// rulesFromForm reads the obfuscation of the chosen report's fields: each
// select posts field=method ("" for as it is), and a mask's box
// keep_REPORT_FIELD its number of characters (empty: the default; text
// that is not a number: -1, which the API refuses with its bounds).
func rulesFromForm(form url.Values, reportID int64) []facteur.FieldRule {
	var rules []facteur.FieldRule
	for _, v := range form[fmt.Sprintf("obfuscate_%d", reportID)] {
		i := strings.LastIndexByte(v, '=')
		if i < 0 || v[i+1:] == "" {
			continue
		}
		r := facteur.FieldRule{Field: v[:i], Method: v[i+1:]}
		if r.Method == facteur.ObfuscateMask {
			if typed := strings.TrimSpace(form.Get(fmt.Sprintf("keep_%d_%s", reportID, r.Field))); typed != "" {
				n, err := strconv.Atoi(typed)
				if err != nil || n < 1 {
					n = -1
				}
				r.Keep = n
			}
		}
		rules = append(rules, r)
	}
	return rules
}

// scheduleBody is the API's schedule input for sc. Its hmac_key is sent
// only when one was typed (the API keeps the schedule's key otherwise).
func scheduleBody(sc facteur.Schedule) map[string]any {
	body := map[string]any{
		"name": sc.Name, "report_id": sc.ReportID, "destination_id": sc.DestinationID, "format": sc.Format,
		"file_name": sc.FileName, "calendar": sc.Calendar, "catch_up": sc.CatchUp, "include_fields": sc.IncludeFields,
		"obfuscate": sc.Obfuscate, "options": sc.Options, "enabled": sc.Enabled, "params": sc.Params, "bundle": sc.Bundle,
	}
	if sc.HMACKey != "" {
		body["hmac_key"] = sc.HMACKey
	}
	return body
}
