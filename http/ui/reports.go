package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// reportsPage lists the reports with their source.
type reportsPage struct {
	Reports []*facteur.Report
	Sources map[int64]string
}

func (s *Server) reports(w http.ResponseWriter, r *http.Request, v view) error {
	var p reportsPage
	if err := s.call(r, "GET", "/api/v1/reports", nil, &p.Reports); err != nil {
		return err
	}
	var sources []*facteur.Source
	if err := s.call(r, "GET", "/api/v1/sources", nil, &sources); err != nil {
		return err
	}
	p.Sources = map[int64]string{}
	for _, src := range sources {
		p.Sources[src.ID] = src.Name
	}
	v.Title, v.Section, v.Data = text("reports.title"), "reports", p
	s.render(w, http.StatusOK, "reports", v)
	return nil
}

// reportForm is the report editor: SQL or table, fields with their
// sensitive and extra flags in their order, and a preview of the first
// rows.
type reportForm struct {
	Report  facteur.Report
	Sources []*facteur.Source
	Errors  map[string]string
	Preview *apitypes.Preview
	// Chart is the report's chart, or an empty one to fill in; ChartY
	// says which fields it draws against its x column.
	Chart  facteur.Chart
	ChartY map[string]bool
	// ParamRows are the declared parameters and an empty row to add one;
	// PreviewValues the values the preview ran with, by name.
	ParamRows     []facteur.Parameter
	PreviewValues map[string]string
}

// ParamTypes lists the types a parameter may have, in the order offered.
func (reportForm) ParamTypes() []facteur.ParamType {
	return []facteur.ParamType{facteur.ParamText, facteur.ParamInteger, facteur.ParamDate, facteur.ParamTimestamp, facteur.ParamList}
}

// DefaultText is a parameter's default as typed in the form.
func (reportForm) DefaultText(p facteur.Parameter) string { return paramText(p.Default) }

// paramText is a value as typed in a form: a list's items joined by commas.
func paramText(v *facteur.ParamValue) string {
	switch {
	case v == nil:
		return ""
	case v.IsList:
		return strings.Join(v.List, ",")
	}
	return v.Text
}

// paramInput is the type of the input a value of type t is typed in.
func paramInput(t facteur.ParamType) string {
	switch t {
	case facteur.ParamInteger:
		return "number"
	case facteur.ParamDate:
		return "date"
	case facteur.ParamTimestamp:
		return "datetime-local"
	}
	return "text"
}

// InputType is paramInput, for the template.
func (reportForm) InputType(t facteur.ParamType) string { return paramInput(t) }

func (s *Server) reportForm(r *http.Request, rep facteur.Report) (reportForm, error) {
	f := reportForm{Report: rep, Errors: map[string]string{}, ChartY: map[string]bool{}}
	if rep.Chart != nil {
		f.Chart = *rep.Chart
	}
	for _, y := range f.Chart.Y {
		f.ChartY[y] = true
	}
	f.ParamRows = append(append([]facteur.Parameter(nil), rep.Parameters...), facteur.Parameter{Type: facteur.ParamText})
	err := s.call(r, "GET", "/api/v1/sources", nil, &f.Sources)
	return f, err
}

func (s *Server) renderReportForm(w http.ResponseWriter, v view, f reportForm, status int) error {
	return s.renderEditor(w, v, editor{"report_form", "reports", "report.new", "report.edit"}, f.Report.ID, f.Report.Name, f, status)
}

func (s *Server) newReport(w http.ResponseWriter, r *http.Request, v view) error {
	f, err := s.reportForm(r, facteur.Report{})
	if err != nil {
		return err
	}
	return s.renderReportForm(w, v, f, http.StatusOK)
}

// editReport shows a report; ?preview=1 also runs it for its first 100 rows.
func (s *Server) editReport(w http.ResponseWriter, r *http.Request, v view) error {
	var rep facteur.Report
	if err := s.call(r, "GET", "/api/v1/reports/"+r.PathValue("id"), nil, &rep); err != nil {
		return err
	}
	f, err := s.reportForm(r, rep)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("preview") != "" {
		f.Preview = &apitypes.Preview{}
		q := url.Values{"limit": {"100"}}
		f.PreviewValues = map[string]string{}
		for _, p := range rep.Parameters {
			if v := r.URL.Query().Get("p_" + p.Name); v != "" {
				q.Add("param", p.Name+"="+v)
				f.PreviewValues[p.Name] = v
			}
		}
		if err := s.call(r, "GET", fmt.Sprintf("/api/v1/reports/%d/preview?%s", rep.ID, q.Encode()), nil, f.Preview); err != nil {
			f.Preview = nil
			f.Errors["preview"] = err.Error()
		}
	}
	return s.renderReportForm(w, v, f, http.StatusOK)
}

// saveReport creates or updates a report. A new report gets its fields from
// its query (personal-looking columns marked sensitive), and the editor
// opens on it so they can be reviewed.
func (s *Server) saveReport(w http.ResponseWriter, r *http.Request, v view) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	rep := reportFromForm(r.PostForm)
	rep.ID, _ = strconv.ParseInt(r.PathValue("id"), 10, 64)
	body := map[string]any{"name": rep.Name, "source_id": rep.SourceID, "sql": rep.SQL, "table": rep.Table,
		"created_column": rep.CreatedColumn, "updated_column": rep.UpdatedColumn, "parameters": rep.Parameters}
	if rep.ID != 0 {
		body["fields"], body["chart"] = rep.Fields, rep.Chart
	}
	var saved facteur.Report
	var err error
	if rep.ID == 0 {
		err = s.call(r, "POST", "/api/v1/reports", body, &saved)
	} else {
		err = s.call(r, "PUT", fmt.Sprintf("/api/v1/reports/%d", rep.ID), body, &saved)
	}
	if ae, ok := err.(*apiError); ok && ae.Status < 500 {
		f, ferr := s.reportForm(r, rep)
		if ferr != nil {
			return ferr
		}
		field := "form"
		if m := apiField.FindStringSubmatch(ae.Message); m != nil {
			field = m[1]
		}
		f.Errors[field] = ae.Message
		return s.renderReportForm(w, v, f, ae.Status)
	} else if err != nil {
		return err
	}
	redirectWith(w, r, fmt.Sprintf("/reports/%d/edit", saved.ID), text("done.report", saved.Name))
	return nil
}

// reportFromForm reads the posted editor. Fields come in the order of their
// position numbers.
func reportFromForm(form url.Values) facteur.Report {
	rep := facteur.Report{Name: strings.TrimSpace(form.Get("name")), SQL: strings.TrimSpace(form.Get("sql")), Table: strings.TrimSpace(form.Get("table")),
		CreatedColumn: strings.TrimSpace(form.Get("created_column")), UpdatedColumn: strings.TrimSpace(form.Get("updated_column"))}
	rep.SourceID, _ = strconv.ParseInt(form.Get("source_id"), 10, 64)
	type placed struct {
		facteur.Field
		pos float64
	}
	var fields []placed
	for i, name := range form["field"] {
		pos, err := strconv.ParseFloat(form.Get("pos_"+name), 64)
		if err != nil {
			pos = float64(i + 1)
		}
		fields = append(fields, placed{facteur.Field{Name: name, Sensitive: form.Get("sensitive_"+name) != "", Extra: form.Get("extra_"+name) != ""}, pos})
	}
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].pos < fields[j].pos })
	for _, f := range fields {
		rep.Fields = append(rep.Fields, f.Field)
	}
	rep.Parameters = paramsFromForm(form)
	if typ := form.Get("chart_type"); typ != "" {
		rep.Chart = &facteur.Chart{Type: typ, X: form.Get("chart_x"), Y: form["chart_y"], Title: strings.TrimSpace(form.Get("chart_title"))}
	}
	return rep
}

func (s *Server) duplicateReport(w http.ResponseWriter, r *http.Request, v view) error {
	var dup facteur.Report
	if err := s.call(r, "POST", "/api/v1/reports/"+r.PathValue("id")+"/duplicate", map[string]any{}, &dup); err != nil {
		return err
	}
	redirectWith(w, r, fmt.Sprintf("/reports/%d/edit", dup.ID), text("done.duplicate", dup.Name))
	return nil
}

// paramsFromForm reads the parameters' rows: param_name, param_type,
// param_default and param_label in the same order, a row without a name
// or whose index param_remove names left out.
func paramsFromForm(form url.Values) []facteur.Parameter {
	at := func(k string, i int) string {
		if vs := form[k]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	removed := map[string]bool{}
	for _, i := range form["param_remove"] {
		removed[i] = true
	}
	params := []facteur.Parameter{}
	for i := range form["param_name"] {
		name := at("param_name", i)
		if name == "" || removed[strconv.Itoa(i)] {
			continue
		}
		p := facteur.Parameter{Name: name, Type: facteur.ParamType(at("param_type", i)), Label: at("param_label", i)}
		if d := at("param_default", i); d != "" {
			v := facteur.TextValue(d)
			p.Default = &v
		}
		params = append(params, p)
	}
	return params
}
