package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
)

// exportInput is the body of a one-off export (F5).
type exportInput struct {
	ReportID      int64                 `json:"report_id"`
	Format        facteur.FormatOptions `json:"format"`
	IncludeFields []string              `json:"include_fields"`
	// Obfuscate are the fields delivered hashed, masked or nulled, as in a
	// schedule; hmac uses the installation's key.
	Obfuscate []facteur.FieldRule `json:"obfuscate"`
	// Period keeps the rows created (or updated) in a time range, by the
	// report's created_column (or updated_column).
	Period *struct {
		On   string `json:"on"`   // "created" or "updated"
		From string `json:"from"` // 2026-02-01 or RFC 3339; empty: open
		To   string `json:"to"`   // exclusive; empty: open
	} `json:"period"`
	TimeZone string `json:"time_zone"` // of the period's dates and the file name; default UTC
	FileName string `json:"file_name"`
	// Params are the values of the report's parameters; one left out
	// takes its default.
	Params facteur.ParamValues `json:"params"`
}

// createExport starts a one-off export of a report: it runs in the
// background, as the account asking, and its file waits to be downloaded
// (the account is mailed the link when mail is set up).
func (s *Server) createExport(r *http.Request) (int, any, error) {
	var in exportInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := s.canExport(r); err != nil {
		return 0, nil, err
	}
	switch {
	case len(in.FileName) > facteur.MaxFileNameTemplate:
		return 0, nil, facteur.Errorf(facteur.EINVALID, "file_name: at most %d bytes; the name it makes is cut to 255 bytes anyway", facteur.MaxFileNameTemplate)
	case len(in.IncludeFields) > facteur.MaxFields:
		return 0, nil, facteur.Errorf(facteur.EINVALID, "include_fields: at most %d fields", facteur.MaxFields)
	}
	if err := facteur.ValidateFieldRules("obfuscate", in.Obfuscate); err != nil {
		return 0, nil, err
	}
	rep, err := s.Store.Report(r.Context(), in.ReportID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND || in.ReportID == 0 {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "report_id: there is no report %d", in.ReportID)
	} else if err != nil {
		return 0, nil, err
	}
	if in.Format.Format == "" {
		in.Format.Format = facteur.FormatCSV
	}
	if err := s.Formats.Validate(in.Format); err != nil {
		return 0, nil, err
	}
	fields, err := rep.SelectFields(in.IncludeFields, in.Obfuscate)
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkChart(in.Format, rep.Chart, fields, in.Obfuscate); err != nil {
		return 0, nil, err
	}
	if err := facteur.CheckParamValues(rep.Parameters, in.Params, true); err != nil {
		return 0, nil, err
	}
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	loc, err := facteur.LoadZone("time_zone", in.TimeZone)
	if err != nil {
		return 0, nil, err
	}
	def := export.Definition{Schedule: &facteur.Schedule{
		Name: "One-off export of " + rep.Name, ReportID: rep.ID, Format: in.Format, IncludeFields: in.IncludeFields, Obfuscate: in.Obfuscate,
		FileName: in.FileName, Calendar: facteur.Calendar{TimeZone: in.TimeZone}, OwnerID: user(r).ID,
		Params: in.Params,
	}}
	def.Schedule.SetDefaults()
	if _, err := export.RenderFileName(def.Schedule.FileName, export.NameVars{Label: def.Schedule.Name, ExportName: rep.Name, Time: s.Now(), RunID: 1}); err != nil {
		return 0, nil, err
	}
	if in.Period != nil {
		if def.Period, err = period(rep, in.Period.On, in.Period.From, in.Period.To, loc); err != nil {
			return 0, nil, err
		}
	}
	run := &facteur.Run{ReportID: rep.ID, OwnerID: user(r).ID, RequestedBy: user(r).ID}
	if run.Definition, err = json.Marshal(def); err != nil {
		return 0, nil, err
	}
	run, err = s.Runs.Export(r.Context(), run)
	if err == nil {
		info(r).detail = fmt.Sprintf("report %d, run %d", rep.ID, run.ID)
	}
	return http.StatusAccepted, run, err
}

// period builds the period of a one-off export from the report's time
// column and two dates or times.
func period(rep *facteur.Report, on, from, to string, loc *time.Location) (*facteur.Period, error) {
	p := &facteur.Period{}
	switch on {
	case "created":
		p.Column = rep.CreatedColumn
	case "updated":
		p.Column = rep.UpdatedColumn
	default:
		return nil, facteur.Errorf(facteur.EINVALID, "period.on: use created or updated")
	}
	if p.Column == "" {
		return nil, facteur.Errorf(facteur.EINVALID, "period.on: the report %q has no %s time column; an editor sets it in the report", rep.Name, on)
	}
	for _, b := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", from, &p.From}, {"to", to, &p.To}} {
		v := strings.TrimSpace(b.v)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, v); err != nil {
				return nil, facteur.Errorf(facteur.EINVALID, "period.%s: %q is not a date (2026-02-01) or a time (2026-02-01T08:00:00+01:00)", b.name, v)
			}
		}
		*b.dst = t
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		return nil, facteur.Errorf(facteur.EINVALID, "period.to: the end must come after the start")
	}
	return p, nil
}

// listExports lists the account's own one-off exports, newest first.
func (s *Server) listExports(r *http.Request) (int, any, error) {
	runs, err := s.Store.Runs(r.Context(), facteur.RunFilter{Trigger: facteur.TriggerExport, OwnerID: user(r).ID, IncludeIgnored: true, Limit: 50})
	if runs == nil {
		runs = []*facteur.Run{}
	}
	return http.StatusOK, runs, err
}
