package facteur

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxSQLBytes is the longest SQL a report may have: 256 KiB.
const MaxSQLBytes = 256 << 10

// CheckSQLText refuses SQL that no source should be sent: longer than
// MaxSQLBytes, with a NUL byte, or not UTF-8. The sources add the rules of
// their dialect (one statement, a query) at save and at run time.
func CheckSQLText(sql string) error {
	switch {
	case len(sql) > MaxSQLBytes:
		return Errorf(EINVALID, "sql: the query is %d bytes long; at most %d", len(sql), MaxSQLBytes)
	case strings.IndexByte(sql, 0) >= 0:
		return Errorf(EINVALID, "sql: the query contains a NUL byte")
	case !utf8.ValidString(sql):
		return Errorf(EINVALID, "sql: the query is not valid UTF-8 text")
	}
	return nil
}

// Report is a saved query over a source (A2): an SQL statement or a whole
// table. Its Fields give the columns it exports, in an explicit order that is
// part of the contract with whoever imports the file.
type Report struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	SourceID int64   `json:"source_id"`
	SQL      string  `json:"sql,omitempty"`
	Table    string  `json:"table,omitempty"`
	Fields   []Field `json:"fields"`
	// OwnerID is the account that created it (0 before accounts existed).
	OwnerID int64 `json:"owner_id"`
	// CreatedColumn and UpdatedColumn name the columns that periods filter on
	// (A5); either may be empty.
	CreatedColumn string `json:"created_column,omitempty"`
	UpdatedColumn string `json:"updated_column,omitempty"`
	// Chart, when set, is how the formats that draw (png, pdf) draw the
	// report's rows.
	Chart *Chart `json:"chart,omitempty"`
	// Parameters are the named values its SQL uses as :name (see
	// Parameter); a schedule or a one-off export gives their values.
	Parameters []Parameter `json:"parameters,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// Field is one column of a report (A3). A sensitive field (names, e-mails,
// phone numbers) is left out of every export unless a schedule opts in; an
// extra field is off by default too.
type Field struct {
	Name      string `json:"name"`
	Sensitive bool   `json:"sensitive,omitempty"`
	Extra     bool   `json:"extra,omitempty"`
}

// Validate checks the report's own fields; it says which one is wrong.
func (r *Report) Validate() error {
	if err := CheckName("report", r.Name); err != nil {
		return err
	}
	switch {
	case r.SourceID == 0:
		return Errorf(EINVALID, "source_id: choose the source the report reads from")
	case strings.TrimSpace(r.SQL) == "" && strings.TrimSpace(r.Table) == "":
		return Errorf(EINVALID, "sql: give an SQL query or a table name")
	case strings.TrimSpace(r.SQL) != "" && strings.TrimSpace(r.Table) != "":
		return Errorf(EINVALID, "table: give either an SQL query or a table name, not both")
	case len(r.Table) > 200:
		return Errorf(EINVALID, "table: at most 200 bytes")
	}
	if err := CheckSQLText(r.SQL); err != nil {
		return err
	}
	switch {
	case len(r.Fields) > MaxFields:
		return Errorf(EINVALID, "fields: at most %d fields (this report has %d)", MaxFields, len(r.Fields))
	case len(r.CreatedColumn) > MaxNameLen:
		return Errorf(EINVALID, "created_column: at most %d bytes", MaxNameLen)
	case len(r.UpdatedColumn) > MaxNameLen:
		return Errorf(EINVALID, "updated_column: at most %d bytes", MaxNameLen)
	}
	seen := make(map[string]bool, len(r.Fields))
	for i, f := range r.Fields {
		if f.Name == "" {
			return Errorf(EINVALID, "fields[%d].name: a field needs the name of a column", i)
		}
		if len(f.Name) > MaxNameLen {
			return Errorf(EINVALID, "fields[%d].name: at most %d bytes", i, MaxNameLen)
		}
		if seen[f.Name] {
			return Errorf(EINVALID, "fields[%d].name: column %q is listed twice", i, f.Name)
		}
		seen[f.Name] = true
	}
	if err := ValidateParams(r.Parameters, strings.TrimSpace(r.SQL) == ""); err != nil {
		return err
	}
	if r.Chart != nil {
		return r.Chart.Validate(r.Fields)
	}
	return nil
}

// Query returns the query a source runs for the report, its parameters
// (if any) bound to their defaults or to sample values of their types:
// enough to describe its columns. See QueryWith for a run.
func (r *Report) Query() Query {
	q := Query{SQL: r.SQL, Table: r.Table}
	if len(r.Parameters) > 0 {
		q.Params = SampleParams(r.Parameters)
	}
	return q
}

// QueryWith returns the query a source runs for the report with its
// parameters bound to values (see BindParams).
func (r *Report) QueryWith(params []BoundParam) Query {
	q := Query{SQL: r.SQL, Table: r.Table}
	if len(r.Parameters) > 0 {
		q.Params = params
		if q.Params == nil {
			q.Params = []BoundParam{}
		}
	}
	return q
}

// SelectFields returns the names of the fields an export of r contains, in
// the report's order: every field that is neither sensitive nor extra, plus
// those named in optIn and those obfuscated by a rule (an obfuscated field
// is not sensitive any more). It fails with EINVALID when optIn or a rule
// names a field the report does not have, or when nothing is left to
// export. A report without fields returns nil: every column of its query.
func (r *Report) SelectFields(optIn []string, rules []FieldRule) ([]string, error) {
	want := make(map[string]bool, len(optIn))
	for _, n := range optIn {
		want[n] = true
	}
	ruled := make(map[string]bool, len(rules))
	for _, rule := range rules {
		ruled[rule.Field] = true
	}
	var out []string
	for _, f := range r.Fields {
		if (!f.Sensitive && !f.Extra) || want[f.Name] || ruled[f.Name] {
			out = append(out, f.Name)
		}
		delete(want, f.Name)
	}
	for n := range want {
		return nil, Errorf(EINVALID, "include_fields: report %q has no field %q", r.Name, n)
	}
	if len(r.Fields) > 0 {
		has := make(map[string]bool, len(r.Fields))
		for _, f := range r.Fields {
			has[f.Name] = true
		}
		for i, rule := range rules {
			if !has[rule.Field] {
				return nil, Errorf(EINVALID, "obfuscate[%d].field: report %q has no field %q", i, r.Name, shorten(rule.Field, MaxNameLen))
			}
		}
	}
	if len(r.Fields) > 0 && len(out) == 0 {
		return nil, Errorf(EINVALID, "include_fields: every field of report %q is sensitive or extra; opt in to the ones to send", r.Name)
	}
	return out, nil
}
