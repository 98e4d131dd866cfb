package http

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/calendar"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/http/apitypes"
)

func (s *Server) scheduleJSON(sc *facteur.Schedule) apitypes.Schedule {
	out := apitypes.Schedule{Schedule: sc, Description: calendar.Describe(sc.Calendar)}
	if sc.NextRunAt != nil {
		now := s.Now()
		if now.After(*sc.NextRunAt) {
			now = sc.NextRunAt.Add(-time.Second)
		}
		out.NextNotes = calendar.Notes(sc.Calendar, now, *sc.NextRunAt)
	}
	return out
}

// scheduleInput is the body of create and update. A missing name takes
// the report's; a missing enabled means true.
type scheduleInput struct {
	Name          string                `json:"name"`
	ReportID      int64                 `json:"report_id"`
	DestinationID int64                 `json:"destination_id"`
	Format        facteur.FormatOptions `json:"format"`
	FileName      string                `json:"file_name"`
	Calendar      facteur.Calendar      `json:"calendar"`
	CatchUp       string                `json:"catch_up"`
	IncludeFields []string              `json:"include_fields"`
	Obfuscate     []facteur.FieldRule   `json:"obfuscate"`
	Params        facteur.ParamValues   `json:"params"`
	// HMACKey sets the schedule's own key of its hmac rules: absent keeps
	// the key it has, "" removes it (the installation's key is used).
	HMACKey *string                 `json:"hmac_key"`
	Options facteur.ScheduleOptions `json:"options"`
	Enabled *bool                   `json:"enabled"`
	// Bundle makes the schedule a dashboard; absent or null: one report.
	Bundle *facteur.Bundle `json:"bundle"`
}

func (in scheduleInput) apply(s *facteur.Schedule) {
	s.Name, s.ReportID, s.DestinationID = strings.TrimSpace(in.Name), in.ReportID, in.DestinationID
	s.Format, s.FileName, s.Calendar, s.CatchUp = in.Format, in.FileName, in.Calendar, in.CatchUp
	s.IncludeFields, s.Obfuscate, s.Options, s.Params = in.IncludeFields, in.Obfuscate, in.Options, in.Params
	if in.HMACKey != nil {
		s.HMACKey = *in.HMACKey
	}
	s.HMACKeySet = s.HMACKey != ""
	s.Enabled = in.Enabled == nil || *in.Enabled
	s.Bundle = in.Bundle
}

func (s *Server) getSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.visibleSchedule)
	if err != nil {
		return 0, nil, err
	}
	out := s.scheduleJSON(sc)
	overdue, err := s.overdueSlots(r.Context())
	if err != nil {
		return 0, nil, err
	}
	a, ok := overdue[sc.ID]
	out.Overdue = overdueOf(sc, a, ok)
	if sc.Options.Incremental != nil {
		if out.Watermark, err = s.Store.Watermark(r.Context(), sc.ID); err != nil {
			return 0, nil, err
		}
	}
	if owner, err := s.Store.User(r.Context(), sc.OwnerID); err == nil {
		out.OwnerEmail = owner.Email
	} else if facteur.ErrorCode(err) != facteur.ENOTFOUND {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Server) createSchedule(r *http.Request) (int, any, error) {
	var in scheduleInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	sc := &facteur.Schedule{OwnerID: user(r).ID}
	in.apply(sc)
	if err := s.checkSchedule(r, sc); err != nil {
		return 0, nil, err
	}
	if err := s.Store.CreateSchedule(r.Context(), sc); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.scheduleJSON(sc), nil
}

func (s *Server) updateSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.ownedSchedule)
	if err != nil {
		return 0, nil, err
	}
	var in scheduleInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	in.apply(sc)
	if err := s.checkSchedule(r, sc); err != nil {
		return 0, nil, err
	}
	if err := s.Store.UpdateSchedule(r.Context(), sc); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.scheduleJSON(sc), nil
}

// checkSchedule validates a schedule with its report and destination, that
// the account may target the destination and the schedule's owner may
// mail its recipients, and computes its next run.
func (s *Server) checkSchedule(r *http.Request, sc *facteur.Schedule) error {
	ctx := r.Context()
	rep, err := s.Store.Report(ctx, sc.ReportID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return facteur.Errorf(facteur.EINVALID, "report_id: there is no report %d", sc.ReportID)
	} else if err != nil && sc.ReportID != 0 {
		return err
	}
	if sc.Name == "" && rep != nil {
		sc.Name = rep.Name
	}
	sc.SetDefaults()
	if err := sc.Validate(); err != nil {
		return err
	}
	if err := s.Formats.Validate(sc.Format); err != nil {
		return err
	}
	pol, err := s.policy(r)
	if err != nil {
		return err
	}
	if err := sc.Options.Limits.CheckWithin(pol); err != nil {
		return err
	}
	dest, err := s.visibleDestination(r, sc.DestinationID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return facteur.Errorf(facteur.EINVALID, "destination_id: there is no destination %d", sc.DestinationID)
	} else if err != nil {
		return err
	}
	owner := user(r)
	if sc.OwnerID != owner.ID {
		if owner, err = s.Store.User(ctx, sc.OwnerID); err != nil {
			return err
		}
	}
	if err := s.checkTarget(ctx, user(r), owner, dest); err != nil {
		return err
	}
	if k, err := s.kinds().Lookup(dest.Kind); err == nil {
		if err := k.CheckFormat(sc.Format.Format, sc.Format.Compression, dest.Encryption != nil); err != nil {
			return err
		}
	}
	fields, err := rep.SelectFields(sc.IncludeFields, sc.Obfuscate)
	if err != nil {
		return err
	}
	if err := s.checkChart(sc.Format, rep.Chart, fields, sc.Obfuscate); err != nil {
		return err
	}
	if err := facteur.CheckParamValues(rep.Parameters, sc.Params, true); err != nil {
		return err
	}
	if err := s.checkBundle(ctx, sc, rep, dest); err != nil {
		return err
	}
	if err := checkIncremental(sc, rep); err != nil {
		return err
	}
	for i, a := range sc.Options.AlertEmails {
		if addr, err := mail.ParseAddress(a); err != nil || addr.Name != "" {
			return facteur.Errorf(facteur.EINVALID, "options.alert_emails[%d]: %q is not an e-mail address", i, a)
		}
	}
	if len(sc.Options.AlertEmails) > 0 {
		p, err := s.policy(r)
		if err != nil {
			return err
		}
		accounts, err := auth.AccountAddresses(ctx, s.Store)
		if err != nil {
			return err
		}
		if err := p.CheckAlertEmails(accounts, sc.Options.AlertEmails); err != nil {
			return err
		}
	}
	if sc.Calendar.TimeZone == "" {
		sc.Calendar.TimeZone = "UTC"
	}
	if err := s.Store.ResolveClosures(ctx, &sc.Calendar); err != nil {
		return err
	}
	if err := calendar.Validate(sc.Calendar); err != nil {
		return err
	}
	if _, err := export.RenderFileName(sc.FileName, export.NameVars{Label: sc.Name, ExportName: rep.Name, Time: s.Now(), RunID: 1, Ext: s.Formats.FileExtension(sc.Format)}); err != nil {
		return err
	}
	if err := s.checkBundleNames(ctx, sc); err != nil {
		return err
	}
	if sc.Options.Confirmation && sc.Options.ConfirmationFile != nil && sc.Options.ConfirmationFile.Name != "" {
		if _, err := export.RenderFileName(sc.Options.ConfirmationFile.Name, export.NameVars{Label: sc.Name, ExportName: rep.Name, Time: s.Now(), RunID: 1, Ext: "manifest", File: "file.csv"}); err != nil {
			return facteur.Errorf(facteur.EINVALID, "options.confirmation_file.name: %s", strings.TrimPrefix(facteur.ErrorMessage(err), "file_name: "))
		}
	}
	sc.NextRunAt = nil
	if sc.Enabled {
		next, err := calendar.Next(sc.Calendar, s.Now())
		if err != nil {
			return err
		}
		sc.NextRunAt = &next
	}
	return nil
}

// checkChart checks that the format can draw the report's chart from the
// exported fields, and that no field the chart draws is obfuscated: a
// hashed or masked number cannot be drawn.
func (s *Server) checkChart(o facteur.FormatOptions, c *facteur.Chart, fields []string, rules []facteur.FieldRule) error {
	if err := s.Formats.CheckChart(o, c, fields); err != nil || len(rules) == 0 || fields == nil {
		return err
	}
	for i, r := range rules {
		clear := slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == r.Field })
		if s.Formats.CheckChart(o, c, clear) != nil {
			return facteur.Errorf(facteur.EINVALID, "obfuscate[%d].field: the report's chart draws field %q, which cannot be drawn obfuscated; deliver it as it is, or choose a format that draws no chart", i, r.Field)
		}
	}
	return nil
}

func (s *Server) deleteSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.ownedSchedule)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteSchedule(r.Context(), sc.ID)
}

// runSchedule is Run now (E6): a run right away, the calendar untouched.
// Only the owner and administrators may ask (an unplanned delivery goes
// out in the owner's name), and the account asking must be allowed to
// export; the run itself executes as the schedule's owner.
func (s *Server) runSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.ownedSchedule)
	if err != nil {
		return 0, nil, err
	}
	if err := s.canExport(r); err != nil {
		return 0, nil, err
	}
	run, err := s.Runs.RunNow(r.Context(), sc.ID, user(r).ID)
	if err == nil {
		info(r).detail = fmt.Sprintf("run %d", run.ID)
	}
	return http.StatusAccepted, run, err
}

// transferInput is the body of a schedule's handover.
type transferInput struct {
	OwnerID int64 `json:"owner_id"`
}

// transferSchedule hands a schedule over to another account (an
// administrator's action): its next runs, and retries of its earlier ones,
// execute with the new owner's rights, checked at run time like any run's.
func (s *Server) transferSchedule(r *http.Request) (int, any, error) {
	sc, err := visibleByID(r, s.visibleSchedule)
	if err != nil {
		return 0, nil, err
	}
	var in transferInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	to, err := s.Store.User(r.Context(), in.OwnerID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND || in.OwnerID <= 0 {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "owner_id: there is no account %d", in.OwnerID)
	} else if err != nil {
		return 0, nil, err
	}
	if !to.Active {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "owner_id: the account %s is deactivated", to.Email)
	}
	from := fmt.Sprintf("account %d", sc.OwnerID)
	if old, err := s.Store.User(r.Context(), sc.OwnerID); err == nil {
		from = old.Email
	}
	if err := s.Store.TransferSchedule(r.Context(), sc.ID, to.ID); err != nil {
		return 0, nil, err
	}
	info(r).detail = fmt.Sprintf("%s: from %s to %s", sc.Name, from, to.Email)
	sc, err = s.Store.Schedule(r.Context(), sc.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.scheduleJSON(sc), nil
}

func (s *Server) preview(ctx context.Context, c facteur.Calendar, n int) (apitypes.CalendarPreview, error) {
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	if err := s.Store.ResolveClosures(ctx, &c); err != nil {
		return apitypes.CalendarPreview{}, err
	}
	if err := calendar.Validate(c); err != nil {
		return apitypes.CalendarPreview{}, err
	}
	slots, err := calendar.Explain(c, s.Now(), n)
	if err != nil {
		return apitypes.CalendarPreview{}, err
	}
	next := make([]time.Time, len(slots))
	notes := make([][]string, len(slots))
	for i, sl := range slots {
		next[i], notes[i] = sl.At, sl.Notes
		if notes[i] == nil {
			notes[i] = []string{}
		}
	}
	loc, err := facteur.LoadZone("calendar.time_zone", c.TimeZone)
	if err != nil {
		return apitypes.CalendarPreview{}, err
	}
	p := apitypes.CalendarPreview{Description: calendar.Describe(c), TimeZone: c.TimeZone, Next: next, Notes: notes}
	for _, t := range next {
		p.NextLocal = append(p.NextLocal, t.In(loc).Format("Mon 2006-01-02 15:04 MST"))
	}
	return p, nil
}

// nextRuns previews a schedule's next runs (?n=, default 5, at most 100).
func (s *Server) nextRuns(r *http.Request) (int, any, error) {
	n, err := countParam(r, "n", 5, 100)
	if err != nil {
		return 0, nil, err
	}
	sc, err := visibleByID(r, s.visibleSchedule)
	if err != nil {
		return 0, nil, err
	}
	p, err := s.preview(r.Context(), sc.Calendar, n)
	return http.StatusOK, p, err
}

// previewCalendar previews a calendar being edited (?n=, default 5).
func (s *Server) previewCalendar(r *http.Request) (int, any, error) {
	var c facteur.Calendar
	if err := decode(r, &c); err != nil {
		return 0, nil, err
	}
	n, err := countParam(r, "n", 5, 100)
	if err != nil {
		return 0, nil, err
	}
	p, err := s.preview(r.Context(), c, n)
	return http.StatusOK, p, err
}

func countParam(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, facteur.Errorf(facteur.EINVALID, "%s: use a number from 1 to %d", name, max)
	}
	return n, nil
}

// fileNameInput is the body of the file-name preview.
type fileNameInput struct {
	FileName     string `json:"file_name"`
	ScheduleName string `json:"schedule_name"`
	ReportID     int64  `json:"report_id"`
	// DestinationID, when set, adds the extension of its encryption
	// (.age, .gpg).
	DestinationID int64  `json:"destination_id"`
	Format        string `json:"format"`
	Compression   string `json:"compression"`
	TimeZone      string `json:"time_zone"`
}

// previewFileName shows the file name a template gives at the next whole
// hour, in the calendar's zone, so that a form can show a live example.
func (s *Server) previewFileName(r *http.Request) (int, any, error) {
	var in fileNameInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.FileName == "" {
		in.FileName = facteur.DefaultFileName
	}
	if len(in.FileName) > facteur.MaxFileNameTemplate {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "file_name: at most %d bytes; the name it makes is cut to 255 bytes anyway", facteur.MaxFileNameTemplate)
	}
	if in.ScheduleName != "" {
		if err := facteur.CheckName("schedule", in.ScheduleName); err != nil {
			return 0, nil, facteur.Errorf(facteur.EINVALID, "schedule_%s", facteur.ErrorMessage(err))
		}
	}
	if in.Format != "" || in.Compression != "" {
		if err := s.Formats.Validate(facteur.FormatOptions{Format: in.Format, Compression: in.Compression}); err != nil {
			return 0, nil, facteur.Errorf(facteur.EINVALID, "%s", strings.TrimPrefix(facteur.ErrorMessage(err), "format."))
		}
	}
	report := ""
	if in.ReportID != 0 {
		rep, err := s.Store.Report(r.Context(), in.ReportID)
		if facteur.ErrorCode(err) == facteur.ENOTFOUND {
			return 0, nil, facteur.Errorf(facteur.EINVALID, "report_id: there is no report %d", in.ReportID)
		} else if err != nil {
			return 0, nil, err
		}
		report = rep.Name
	}
	ext := s.Formats.FileExtension(facteur.FormatOptions{Format: in.Format, Compression: in.Compression})
	if in.DestinationID != 0 {
		d, err := s.visibleDestination(r, in.DestinationID)
		if code := facteur.ErrorCode(err); code == facteur.ENOTFOUND || code == facteur.EFORBIDDEN {
			return 0, nil, facteur.Errorf(facteur.EINVALID, "destination_id: there is no destination %d", in.DestinationID)
		} else if err != nil {
			return 0, nil, err
		}
		if d.Encryption != nil {
			ext += "." + d.Encryption.Ext()
		}
	}
	loc := time.UTC
	if in.TimeZone != "" {
		l, err := facteur.LoadZone("time_zone", in.TimeZone)
		if err != nil {
			return 0, nil, err
		}
		loc = l
	}
	at := s.Now().In(loc).Truncate(time.Hour).Add(time.Hour)
	name, err := export.RenderFileName(in.FileName, export.NameVars{Label: in.ScheduleName, ExportName: report, Time: at, RunID: 1234, Ext: ext})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, apitypes.FileNameExample{Example: name}, nil
}
