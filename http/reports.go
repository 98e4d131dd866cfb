package http

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
	"github.com/facteur/facteur/source"
)

// reportInput is the body of create and update. Without fields, the
// report gets every column of the query, in its order, with personal-looking
// columns marked sensitive.
type reportInput struct {
	Name          string          `json:"name"`
	SourceID      int64           `json:"source_id"`
	SQL           string          `json:"sql"`
	Table         string          `json:"table"`
	Fields        []facteur.Field `json:"fields"`
	CreatedColumn string          `json:"created_column"`
	UpdatedColumn string          `json:"updated_column"`
	Chart         *facteur.Chart  `json:"chart"`
	// Parameters declare the :name parameters of the SQL.
	Parameters []facteur.Parameter `json:"parameters"`
}

func (in reportInput) apply(rep *facteur.Report) {
	rep.Name, rep.SourceID = strings.TrimSpace(in.Name), in.SourceID
	rep.SQL, rep.Table = strings.TrimSpace(in.SQL), strings.TrimSpace(in.Table)
	rep.Fields, rep.CreatedColumn, rep.UpdatedColumn = in.Fields, in.CreatedColumn, in.UpdatedColumn
	rep.Chart, rep.Parameters = in.Chart, in.Parameters
	for i := range rep.Parameters {
		rep.Parameters[i].Label = strings.TrimSpace(rep.Parameters[i].Label)
	}
	if rep.Chart != nil {
		rep.Chart.Title = strings.TrimSpace(rep.Chart.Title)
	}
}

func (s *Server) listReports(r *http.Request) (int, any, error) {
	list, err := s.Store.Reports(r.Context())
	return http.StatusOK, list, err
}

func (s *Server) getReport(r *http.Request) (int, any, error) {
	rep, err := byID(r, s.Store.Report)
	return http.StatusOK, rep, err
}

func (s *Server) createReport(r *http.Request) (int, any, error) {
	var in reportInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	rep := &facteur.Report{OwnerID: user(r).ID}
	in.apply(rep)
	if err := s.checkReport(r.Context(), rep); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, rep, s.Store.CreateReport(r.Context(), rep)
}

// updateReport changes a report, which only its owner and administrators
// may do: every schedule using it sends what it selects.
func (s *Server) updateReport(r *http.Request) (int, any, error) {
	rep, err := visibleByID(r, s.ownedReport)
	if err != nil {
		return 0, nil, err
	}
	var in reportInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	in.apply(rep)
	if err := s.checkReport(r.Context(), rep); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rep, s.Store.UpdateReport(r.Context(), rep)
}

func (s *Server) deleteReport(r *http.Request) (int, any, error) {
	rep, err := visibleByID(r, s.ownedReport)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteReport(r.Context(), rep.ID)
}

// duplicateReport copies a report under a new name, e.g. to make a
// dedicated integration copy (A2).
func (s *Server) duplicateReport(r *http.Request) (int, any, error) {
	rep, err := byID(r, s.Store.Report)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name string `json:"name"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
	}
	dup := *rep
	dup.ID, dup.OwnerID = 0, user(r).ID
	dup.Fields = append([]facteur.Field(nil), rep.Fields...)
	dup.Parameters = append([]facteur.Parameter(nil), rep.Parameters...)
	if rep.Chart != nil {
		c := *rep.Chart
		c.Y = append([]string(nil), c.Y...)
		dup.Chart = &c
	}
	dup.Name = strings.TrimSpace(in.Name)
	if dup.Name == "" {
		dup.Name = rep.Name + " (copy)"
	}
	return http.StatusCreated, &dup, s.Store.CreateReport(r.Context(), &dup)
}

// checkReport validates a report against its source: the query must run
// and every field must be one of its columns. Without fields, it fills
// them from the query's columns.
func (s *Server) checkReport(ctx context.Context, rep *facteur.Report) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	src, err := s.Store.Source(ctx, rep.SourceID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return facteur.Errorf(facteur.EINVALID, "source_id: there is no source %d", rep.SourceID)
	} else if err != nil {
		return err
	}
	q, err := s.OpenSource(ctx, src.DSN)
	if err != nil {
		return err
	}
	defer q.Close()
	cols, err := source.Describe(ctx, q, rep.Query())
	if err != nil {
		return err
	}
	names := make(map[string]bool, len(cols))
	var list []string
	for _, c := range cols {
		names[c.Name] = true
		list = append(list, c.Name)
	}
	if len(rep.Fields) == 0 {
		for _, c := range cols {
			rep.Fields = append(rep.Fields, facteur.Field{Name: c.Name, Sensitive: looksPersonal(c.Name)})
		}
	}
	for i, f := range rep.Fields {
		if !names[f.Name] {
			return facteur.Errorf(facteur.EINVALID, "fields[%d].name: the query returns no column %q; it returns %s", i, f.Name, strings.Join(list, ", "))
		}
	}
	for field, col := range map[string]string{"created_column": rep.CreatedColumn, "updated_column": rep.UpdatedColumn} {
		if col != "" && !names[col] {
			return facteur.Errorf(facteur.EINVALID, "%s: the query returns no column %q", field, col)
		}
	}
	if rep.Chart != nil {
		return rep.Chart.Validate(rep.Fields)
	}
	return nil
}

// personal matches column names that usually hold personal data; such
// columns start out sensitive when a report's fields are filled in for the
// user, who reviews them.
var personal = regexp.MustCompile(`(?i)(e_?mail|phone|mobile|tele?phone|fax|(first|last|full|given|sur|middle|maiden)_?name|^name$|(customer|agent|user|contact|student|patient|employee|client|person|author|owner)_?name|address|street|birth|dob|ssn|social_security|passport|iban|card_?number|ip_?addr)`)

func looksPersonal(column string) bool { return personal.MatchString(column) }

// previewCellBytes is how much of a value a preview shows: a longer one
// is cut, and its size said after a marker.
const previewCellBytes = 1000

// previewCell returns v, or its first previewCellBytes bytes (at a
// character boundary) followed by "… (12.3 MB)", the size of the whole
// value.
func previewCell(v []byte) string {
	if len(v) <= previewCellBytes {
		return string(v)
	}
	cut := v[:previewCellBytes]
	j := len(cut) - 1 // the start of the last character, which may be cut
	for j > len(cut)-utf8.UTFMax && !utf8.RuneStart(cut[j]) {
		j--
	}
	if !utf8.FullRune(cut[j:]) {
		cut = cut[:j]
	}
	return string(cut) + "… (" + facteur.Size(int64(len(v))) + ")"
}

// previewReport returns the first rows of a report (default 100, at most
// 1000), every field included, for checking a query while editing it.
// The values of its parameters are query parameters param=NAME=VALUE (a
// list's items separated by commas); a parameter left out takes its
// default.
func (s *Server) previewReport(r *http.Request) (int, any, error) {
	limit, err := countParam(r, "limit", 100, 1000)
	if err != nil {
		return 0, nil, err
	}
	if err := s.canExport(r); err != nil {
		return 0, nil, err
	}
	rep, err := byID(r, s.Store.Report)
	if err != nil {
		return 0, nil, err
	}
	values, err := paramQuery(r.URL.Query()["param"])
	if err != nil {
		return 0, nil, err
	}
	bound, err := facteur.BindParams(rep.Parameters, values)
	if err != nil {
		return 0, nil, err
	}
	src, err := s.Store.Source(r.Context(), rep.SourceID)
	if err != nil {
		return 0, nil, err
	}
	q, err := s.OpenSource(r.Context(), src.DSN)
	if err != nil {
		return 0, nil, err
	}
	defer q.Close()
	rows, err := q.Query(r.Context(), rep.QueryWith(bound))
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	cols := rows.Columns()
	out := apitypes.Preview{Columns: cols, Rows: [][]*string{}}
	for len(out.Rows) < limit && rows.Next() {
		row := make([]*string, len(cols))
		for i, v := range rows.Row() {
			if v != nil {
				str := previewCell(v)
				row[i] = &str
			}
		}
		out.Rows = append(out.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("preview: %w", err)
	}
	return http.StatusOK, out, nil
}

// paramQuery reads parameter values given as NAME=VALUE texts (the
// preview's query, the command line).
func paramQuery(list []string) (facteur.ParamValues, error) {
	if len(list) > facteur.MaxParams {
		return nil, facteur.Errorf(facteur.EINVALID, "param: at most %d values", facteur.MaxParams)
	}
	values := make(facteur.ParamValues, len(list))
	for _, s := range list {
		name, v, err := facteur.ParseParamFlag(s)
		if err != nil {
			return nil, err
		}
		if _, twice := values[name]; twice {
			return nil, facteur.Errorf(facteur.EINVALID, "param: %s is given twice; give a list's items once, separated by commas", name)
		}
		values[name] = v
	}
	return values, nil
}
