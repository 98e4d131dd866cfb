package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
)

// The one-off export page (F5): pick a report, a period, a format and the
// fields; it runs in the background and the file waits here (and the link
// is mailed when mail is set up).

type exportsPage struct {
	Reports []*facteur.Report
	Runs    []runRow
	Zones   []string
	Formats formatChoices
	Form    url.Values
	Error   string
}

// Value is a posted value, to keep what was typed.
func (p exportsPage) Value(k string) string { return p.Form.Get(k) }

// InputType is the type of the input a parameter's value is typed in.
func (exportsPage) InputType(t facteur.ParamType) string { return paramInput(t) }

// ParamDefault is a parameter's default, shown as the input's placeholder.
func (exportsPage) ParamDefault(p facteur.Parameter) string { return paramText(p.Default) }

// MaxRowLimit bounds the row limit's box.
func (exportsPage) MaxRowLimit() int64 { return facteur.MaxRowLimit }

func (s *Server) exports(w http.ResponseWriter, r *http.Request, v view) error {
	p := exportsPage{Zones: zones, Form: url.Values{"time_zone": {"Europe/Paris"}, "format": {"csv"}}}
	status := http.StatusOK
	var err error
	if p.Formats, err = s.loadFormats(r); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return err
		}
		p.Form = r.PostForm
		reportID, _ := strconv.ParseInt(r.PostFormValue("report_id"), 10, 64)
		// The controls of options the chosen format does not read are
		// hidden, but still posted.
		format := map[string]any{"format": r.PostFormValue("format")}
		if p.Formats.compressible(r.PostFormValue("format")) {
			format["compression"] = r.PostFormValue("compression")
		}
		if p.Formats.reads(r.PostFormValue("format"), "xlsx_dates") {
			format["xlsx_dates"] = r.PostFormValue("xlsx_dates")
		}
		if p.Formats.reads(r.PostFormValue("format"), "row_limit") {
			format["row_limit"] = formCount(r.PostFormValue("row_limit"))
		}
		if p.Formats.reads(r.PostFormValue("format"), "codec") {
			format["codec"] = r.PostFormValue("codec")
		}
		body := map[string]any{"report_id": reportID, "format": format,
			"time_zone": strings.TrimSpace(r.PostFormValue("time_zone")), "include_fields": r.PostForm["include_"+r.PostFormValue("report_id")]}
		if params := paramValuesFromForm(r.PostForm, reportID); params != nil {
			body["params"] = params
		}
		if on := r.PostFormValue("period_on"); on != "" {
			body["period"] = map[string]any{"on": on, "from": r.PostFormValue("from"), "to": r.PostFormValue("to")}
		}
		var run facteur.Run
		if p.Error, status, err = refusal(s.call(r, "POST", "/api/v1/exports", body, &run)); err != nil {
			return err
		} else if p.Error == "" {
			redirectWith(w, r, "/exports", text("done.export", run.ID))
			return nil
		}
	}
	if err := s.call(r, "GET", "/api/v1/reports", nil, &p.Reports); err != nil {
		return err
	}
	if err := s.call(r, "GET", "/api/v1/exports", nil, &p.Runs); err != nil {
		return err
	}
	v.Title, v.Section, v.Data = text("exports.title"), "exports", p
	s.render(w, status, "exports", v)
	return nil
}
