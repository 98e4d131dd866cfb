package facteur

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParamType is the type of a report's parameter: what its values may be.
type ParamType string

// Parameter types. A date is YYYY-MM-DD; a timestamp is a wall-clock time,
// YYYY-MM-DD HH:MM[:SS] (a T may stand for the space); an integer is a
// signed 64-bit decimal; a list is a list of texts.
const (
	ParamText      ParamType = "text"
	ParamInteger   ParamType = "integer"
	ParamDate      ParamType = "date"
	ParamTimestamp ParamType = "timestamp"
	ParamList      ParamType = "list"
)

// Bounds of parameters.
const (
	// MaxParams is the most parameters a report may declare.
	MaxParams = 50
	// MaxParamNameLen is the longest name of a parameter, in bytes.
	MaxParamNameLen = 63
	// MaxParamLabel is the longest label of a parameter, in bytes.
	MaxParamLabel = 200
	// MaxParamText is the longest text value (or list item), in bytes.
	MaxParamText = 4096
	// MaxParamList is the most items a list value may have.
	MaxParamList = 1000
)

// Parameter is a named value a report's SQL uses as :name, bound by the
// source's driver (never written into the SQL). A schedule or a one-off
// export gives its value; Default, when set, is used when none is given.
type Parameter struct {
	Name    string      `json:"name"`
	Type    ParamType   `json:"type"`
	Default *ParamValue `json:"default,omitempty"`
	Label   string      `json:"label,omitempty"`
}

// ParamValue is a parameter's value as given, before it is checked
// against a type: a text (a number in JSON is kept as its digits) or a
// list of texts. A text given for a list parameter is split at its commas.
type ParamValue struct {
	Text   string
	List   []string
	IsList bool
}

// TextValue returns a value holding the text s.
func TextValue(s string) ParamValue { return ParamValue{Text: s} }

// ListValue returns a value holding the list items.
func ListValue(items ...string) ParamValue {
	return ParamValue{List: append([]string{}, items...), IsList: true}
}

// MarshalJSON writes a text as a JSON string and a list as an array.
func (v ParamValue) MarshalJSON() ([]byte, error) {
	if v.IsList {
		if v.List == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(v.List)
	}
	return json.Marshal(v.Text)
}

// JSONExpected says what a value may be, for a decoder's message.
func (ParamValue) JSONExpected() string {
	return `a text, a number or a list of texts such as ["a", "b"]`
}

// UnmarshalJSON reads a JSON string, number or array of strings; anything
// else fails with a *json.UnmarshalTypeError, which the decoder completes
// with the field's path.
func (v *ParamValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*v = ParamValue{}
	bad := &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[ParamValue]()}
	switch {
	case len(b) > 0 && b[0] == '[':
		v.IsList = true
		if err := json.Unmarshal(b, &v.List); err != nil {
			return bad
		}
		if v.List == nil {
			v.List = []string{}
		}
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &v.Text)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		v.Text = n.String()
		return nil
	}
	return bad
}

// ParamValues are the values of a report's parameters, by name.
type ParamValues map[string]ParamValue

// UnmarshalJSON reads an object of values; a value that is not one fails
// with a *json.UnmarshalTypeError whose Field ends with the parameter's
// name, so that the decoder's message names params.NAME.
func (vs *ParamValues) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*vs = nil
		return nil
	}
	out := make(ParamValues, len(raw))
	for name, r := range raw {
		var v ParamValue
		if err := json.Unmarshal(r, &v); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) {
				typ.Field = cmp.Or(clip(name), `""`)
			}
			return err
		}
		out[name] = v
	}
	*vs = out
	return nil
}

// BoundParam is a parameter checked against its type, ready to be bound:
// Text holds the canonical text of a text, integer, date or timestamp
// value (2026-02-01, 2026-02-01 08:30:00), Int the integer, List the items
// of a list.
type BoundParam struct {
	Name string    `json:"name"`
	Type ParamType `json:"type"`
	Text string    `json:"text,omitempty"`
	Int  int64     `json:"-"`
	List []string  `json:"list,omitempty"`
}

// Value returns the bound value as it was given, for a snapshot.
func (b BoundParam) Value() ParamValue {
	if b.Type == ParamList {
		return ListValue(b.List...)
	}
	return TextValue(b.Text)
}

// CheckParamName checks a parameter's name: a letter or _ then letters,
// digits or _, at most MaxParamNameLen bytes. field names the field in the
// error.
func CheckParamName(field, name string) error {
	if name == "" {
		return Errorf(EINVALID, "%s: give the parameter a name, such as country", field)
	}
	if len(name) > MaxParamNameLen {
		return Errorf(EINVALID, "%s: at most %d bytes", field, MaxParamNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return Errorf(EINVALID, "%s: %q is not a parameter name; use letters, digits and _, starting with a letter or _", field, name)
		}
	}
	return nil
}

// ParseParam checks v against type t and returns its bound form; field
// names the value in the error, which says what to fix.
func ParseParam(field string, t ParamType, v ParamValue) (BoundParam, error) {
	b := BoundParam{Type: t}
	if t == ParamList {
		items := v.List
		if !v.IsList {
			items = nil
			if strings.TrimSpace(v.Text) != "" {
				items = strings.Split(v.Text, ",")
				for i := range items {
					items[i] = strings.TrimSpace(items[i])
				}
			}
		}
		if len(items) > MaxParamList {
			return b, Errorf(EINVALID, "%s: at most %d items (this list has %d)", field, MaxParamList, len(items))
		}
		b.List = make([]string, len(items))
		for i, s := range items {
			if err := checkParamText(field+"["+strconv.Itoa(i)+"]", s); err != nil {
				return b, err
			}
			b.List[i] = s
		}
		return b, nil
	}
	if v.IsList {
		return b, Errorf(EINVALID, "%s: a %s parameter takes one value, not a list", field, t)
	}
	s := v.Text
	if err := checkParamText(field, s); err != nil {
		return b, err
	}
	switch t {
	case ParamText:
		b.Text = s
	case ParamInteger:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return b, Errorf(EINVALID, "%s: %q is not a whole number; give digits, such as 42 or -7", field, clip(s))
		}
		b.Int, b.Text = n, strconv.FormatInt(n, 10)
	case ParamDate:
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
		if err != nil {
			return b, Errorf(EINVALID, "%s: %q is not a date; use YYYY-MM-DD, such as 2026-02-01", field, clip(s))
		}
		b.Text = d.Format(time.DateOnly)
	case ParamTimestamp:
		ts, ok := parseWallClock(strings.TrimSpace(s))
		if !ok {
			return b, Errorf(EINVALID, "%s: %q is not a date and time; use YYYY-MM-DD HH:MM:SS, such as 2026-02-01 08:30:00", field, clip(s))
		}
		b.Text = ts.Format(time.DateTime)
	default:
		return b, Errorf(EINVALID, "%s: unknown parameter type %q; use text, integer, date, timestamp or list", field, t)
	}
	return b, nil
}

// parseWallClock reads YYYY-MM-DD HH:MM[:SS], with a space or a T.
func parseWallClock(s string) (time.Time, bool) {
	s = strings.Replace(s, "T", " ", 1)
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// checkParamText bounds one text value.
func checkParamText(field, s string) error {
	switch {
	case len(s) > MaxParamText:
		return Errorf(EINVALID, "%s: at most %d bytes (this value has %d)", field, MaxParamText, len(s))
	case !utf8.ValidString(s):
		return Errorf(EINVALID, "%s: the value is not valid UTF-8 text", field)
	case strings.IndexByte(s, 0) >= 0:
		return Errorf(EINVALID, "%s: the value contains a NUL byte", field)
	}
	return nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ValidateParams checks a report's parameter declarations: names, types,
// labels and defaults, and that a report reading a whole table declares
// none.
func ValidateParams(params []Parameter, table bool) error {
	if len(params) > MaxParams {
		return Errorf(EINVALID, "parameters: at most %d parameters (this report has %d)", MaxParams, len(params))
	}
	if table && len(params) > 0 {
		return Errorf(EINVALID, "parameters: a report that reads a whole table has no parameters; give an SQL query that uses them")
	}
	seen := make(map[string]bool, len(params))
	for i, p := range params {
		field := "parameters[" + strconv.Itoa(i) + "]"
		if err := CheckParamName(field+".name", p.Name); err != nil {
			return err
		}
		if seen[strings.ToLower(p.Name)] {
			return Errorf(EINVALID, "%s.name: parameter %q is declared twice", field, p.Name)
		}
		seen[strings.ToLower(p.Name)] = true
		switch p.Type {
		case ParamText, ParamInteger, ParamDate, ParamTimestamp, ParamList:
		default:
			return Errorf(EINVALID, "%s.type: use text, integer, date, timestamp or list (not %q)", field, clip(string(p.Type)))
		}
		if len(p.Label) > MaxParamLabel || strings.ContainsAny(p.Label, "\x00\r\n") || !utf8.ValidString(p.Label) {
			return Errorf(EINVALID, "%s.label: one line of at most %d bytes", field, MaxParamLabel)
		}
		if p.Default != nil {
			if _, err := ParseParam(field+".default", p.Type, *p.Default); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckParamValues checks values against the declarations: each value
// names a declared parameter and fits its type. With complete, a
// parameter without a default must have a value. Errors name the field
// "params.NAME".
func CheckParamValues(params []Parameter, values ParamValues, complete bool) error {
	_, err := bindParams(params, values, complete)
	return err
}

// BindParams checks values against the declarations (see
// CheckParamValues, complete) and returns every declared parameter bound,
// in the declarations' order, defaults filling the values not given.
func BindParams(params []Parameter, values ParamValues) ([]BoundParam, error) {
	return bindParams(params, values, true)
}

func bindParams(params []Parameter, values ParamValues, complete bool) ([]BoundParam, error) {
	if len(values) > MaxParams {
		return nil, Errorf(EINVALID, "params: at most %d values", MaxParams)
	}
	declared := make(map[string]bool, len(params))
	for _, p := range params {
		declared[p.Name] = true
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !declared[n] {
			if len(params) == 0 {
				return nil, Errorf(EINVALID, "params.%s: the report declares no parameters; remove the value", clip(n))
			}
			return nil, Errorf(EINVALID, "params.%s: the report declares no such parameter; it declares %s", clip(n), paramNames(params))
		}
	}
	out := make([]BoundParam, 0, len(params))
	for _, p := range params {
		v, ok := values[p.Name]
		if !ok {
			if p.Default == nil {
				if complete {
					return nil, Errorf(EINVALID, "params.%s: give a value (%s); the parameter has no default", p.Name, p.Type)
				}
				continue
			}
			v = *p.Default
		}
		b, err := ParseParam("params."+p.Name, p.Type, v)
		if err != nil {
			return nil, err
		}
		b.Name = p.Name
		out = append(out, b)
	}
	return out, nil
}

func paramNames(params []Parameter) string {
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// SampleParams returns every parameter bound to its default, or to a value
// of its type when it has none (an empty text, 0, 1970-01-01, an empty
// list): enough for a source to describe the query's columns.
func SampleParams(params []Parameter) []BoundParam {
	out := make([]BoundParam, 0, len(params))
	for _, p := range params {
		if p.Default != nil {
			if b, err := ParseParam("", p.Type, *p.Default); err == nil {
				b.Name = p.Name
				out = append(out, b)
				continue
			}
		}
		b := BoundParam{Name: p.Name, Type: p.Type}
		switch p.Type {
		case ParamInteger:
			b.Text = "0"
		case ParamDate:
			b.Text = "1970-01-01"
		case ParamTimestamp:
			b.Text = "1970-01-01 00:00:00"
		case ParamList:
			b.List = []string{}
		}
		out = append(out, b)
	}
	return out
}

// ParseParamFlag reads NAME=VALUE, as given on the command line or in a
// query string, into a name and a text value (a list parameter splits it
// at its commas).
func ParseParamFlag(s string) (string, ParamValue, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return "", ParamValue{}, Errorf(EINVALID, "param: %q: write NAME=VALUE, such as country=FR or teams=a,b", clip(s))
	}
	name = strings.TrimSpace(name)
	if err := CheckParamName("param", name); err != nil {
		return "", ParamValue{}, err
	}
	return name, TextValue(val), nil
}
