package ui

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// schedulePage is one schedule: its calendar in words and its next runs,
// what it sends where and how, its owner and its last runs.
type schedulePage struct {
	apitypes.Schedule
	Next        *apitypes.CalendarPreview
	Report      *facteur.Report
	Destination *destination
	FileExample string
	Runs        []runRow
}

// Options lists the schedule's format and delivery options in words.
func (p schedulePage) Options() []string {
	var out []string
	f := p.Schedule.Format
	if f.Compression != "" {
		out = append(out, text("detail.compressed", f.Compression))
	}
	if f.NoHeader {
		out = append(out, text("detail.no_header"))
	}
	if f.XLSXDates == facteur.XLSXDatesText {
		out = append(out, text("detail.xlsx_text_dates"))
	}
	if f.Delimiter != "" && f.Delimiter != "," {
		out = append(out, text("detail.delimiter", f.Delimiter))
	}
	if f.BOM {
		out = append(out, text("detail.bom"))
	}
	if len(p.Schedule.IncludeFields) > 0 {
		out = append(out, text("detail.include", strings.Join(p.Schedule.IncludeFields, ", ")))
	}
	if len(p.Schedule.Obfuscate) > 0 {
		var rules []string
		for _, r := range p.Schedule.Obfuscate {
			how := methodLabel(r.Method)
			if r.Method == facteur.ObfuscateMask {
				how = text("detail.mask", cmp.Or(r.Keep, facteur.DefaultMaskKeep))
			}
			rules = append(rules, r.Field+" ("+how+")")
		}
		out = append(out, text("detail.obfuscate", strings.Join(rules, ", ")))
	}
	if p.Schedule.Options.Confirmation {
		out = append(out, text("detail.confirmation"))
	}
	alerted := slices.Clone(p.Schedule.Options.AlertEmails)
	if n := len(p.Schedule.Options.AlertGroups); n > 0 {
		alerted = append(alerted, text("detail.alert_groups", n))
	}
	if !p.Schedule.Options.NoOwnerAlert {
		alerted = append([]string{text("detail.alerts_owner")}, alerted...)
	}
	if len(alerted) > 0 {
		out = append(out, text("detail.alerts", strings.Join(alerted, ", ")))
	}
	switch p.Schedule.Options.SendIf {
	case facteur.SendIfRows:
		out = append(out, text("send_if.rows"))
	case facteur.SendIfNewer:
		out = append(out, text("send_if.changed"))
	}
	if m := p.Schedule.Options.ExpectWithinMinutes; m > 0 {
		out = append(out, text("detail.expect_within", m))
		if p.Schedule.Options.AlertOnSkip {
			out = append(out, text("form.alert_on_skip"))
		}
	}
	if in := p.Schedule.Options.Incremental; in != nil {
		since := in.Since
		if since == "" || since == facteur.SinceAll {
			since = text("detail.incremental_all")
		}
		out = append(out, text("detail.incremental", since, in.OverlapMinutes, in.SettleSeconds))
	}
	if o := p.Schedule.Overdue; o != nil {
		out = append(out, text("detail.overdue", o.Slot.UTC().Format("2006-01-02 15:04 UTC")))
	}
	if p.Schedule.CatchUp == facteur.CatchUpSkip {
		out = append(out, text("detail.catch_up_skip"))
	} else {
		out = append(out, text("detail.catch_up_once"))
	}
	return out
}

// lastRunsShown is how many runs the schedule page lists.
const lastRunsShown = 10

// schedule shows one schedule with the actions the account's role allows.
func (s *Server) schedule(w http.ResponseWriter, r *http.Request, v view) error {
	var p schedulePage
	id := r.PathValue("id")
	if err := s.call(r, "GET", "/api/v1/schedules/"+id, nil, &p.Schedule); err != nil {
		return err
	}
	sc := p.Schedule
	if sc.Enabled {
		var next apitypes.CalendarPreview
		if err := s.call(r, "GET", "/api/v1/schedules/"+id+"/next?n=5", nil, &next); err != nil {
			return err
		}
		p.Next = &next
	}
	// The report and the destination may be out of the account's sight
	// or gone: the page says so rather than failing.
	var rep facteur.Report
	if err := s.call(r, "GET", fmt.Sprintf("/api/v1/reports/%d", sc.ReportID), nil, &rep); err == nil {
		p.Report = &rep
	}
	var dest destination
	if err := s.call(r, "GET", fmt.Sprintf("/api/v1/destinations/%d", sc.DestinationID), nil, &dest); err == nil {
		p.Destination = &dest
	}
	var ex apitypes.FileNameExample
	body := map[string]any{"file_name": sc.FileName, "schedule_name": sc.Name, "report_id": sc.ReportID, "destination_id": sc.DestinationID,
		"format": sc.Format.Format, "compression": sc.Format.Compression, "time_zone": sc.Calendar.TimeZone}
	if err := s.callCSRF(r, v.CSRF, "POST", "/api/v1/file-name/preview", body, &ex); err == nil {
		p.FileExample = ex.Example
	}
	if err := s.call(r, "GET", fmt.Sprintf("/api/v1/runs?schedule_id=%d&limit=%d", sc.ID, lastRunsShown), nil, &p.Runs); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = sc.Name, "schedules", p
	s.render(w, http.StatusOK, "schedule", v)
	return nil
}

// pauseSchedule pauses (or, on /resume, resumes) a schedule's calendar.
func (s *Server) pauseSchedule(resume bool) func(http.ResponseWriter, *http.Request, view) error {
	action, done := "pause", "done.pause"
	if resume {
		action, done = "resume", "done.resume"
	}
	return func(w http.ResponseWriter, r *http.Request, v view) error {
		var sc facteur.Schedule
		if err := s.call(r, "POST", "/api/v1/schedules/"+r.PathValue("id")+"/"+action, nil, &sc); err != nil {
			return err
		}
		back(w, r, "/schedules/"+r.PathValue("id"), text(done, sc.Name))
		return nil
	}
}

// resetWatermark moves an incremental schedule's watermark (an
// administrator's action): its next run sends the rows since the time
// typed, or since the schedule's first-run start.
func (s *Server) resetWatermark(w http.ResponseWriter, r *http.Request, v view) error {
	var sc facteur.Schedule
	if err := s.call(r, "GET", "/api/v1/schedules/"+r.PathValue("id"), nil, &sc); err != nil {
		return err
	}
	body := map[string]string{"at": strings.TrimSpace(r.PostFormValue("at"))}
	if err := s.call(r, "PUT", "/api/v1/schedules/"+r.PathValue("id")+"/watermark", body, nil); err != nil {
		return err
	}
	back(w, r, "/schedules/"+r.PathValue("id"), text("done.watermark", sc.Name))
	return nil
}
