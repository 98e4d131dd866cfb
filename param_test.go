package facteur_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// TestParseParam checks what each type accepts, and that a refusal names
// the field and says what to give.
func TestParseParam(t *testing.T) {
	cases := []struct {
		t    facteur.ParamType
		v    facteur.ParamValue
		want string // canonical text, or the list joined with |; "!" + part of the error
	}{
		{facteur.ParamText, facteur.TextValue("FR' OR '1'='1"), "FR' OR '1'='1"},
		{facteur.ParamText, facteur.TextValue(strings.Repeat("x", facteur.MaxParamText+1)), "!at most 4096 bytes"},
		{facteur.ParamText, facteur.TextValue("a\x00"), "!NUL"},
		{facteur.ParamText, facteur.ListValue("a"), "!takes one value, not a list"},
		{facteur.ParamInteger, facteur.TextValue(" 42 "), "42"},
		{facteur.ParamInteger, facteur.TextValue("-7"), "-7"},
		{facteur.ParamInteger, facteur.TextValue("1; drop table x"), "!is not a whole number"},
		{facteur.ParamInteger, facteur.TextValue("99999999999999999999"), "!is not a whole number"},
		{facteur.ParamDate, facteur.TextValue("2026-02-01"), "2026-02-01"},
		{facteur.ParamDate, facteur.TextValue("2026-02-30"), "!use YYYY-MM-DD"},
		{facteur.ParamDate, facteur.TextValue("01/02/2026"), "!use YYYY-MM-DD"},
		{facteur.ParamTimestamp, facteur.TextValue("2026-02-01T08:30"), "2026-02-01 08:30:00"},
		{facteur.ParamTimestamp, facteur.TextValue("2026-02-01 08:30:15"), "2026-02-01 08:30:15"},
		{facteur.ParamTimestamp, facteur.TextValue("2026-02-01"), "!use YYYY-MM-DD HH:MM:SS"},
		{facteur.ParamList, facteur.TextValue("a, b,c"), "a|b|c"},
		{facteur.ParamList, facteur.TextValue(""), ""},
		{facteur.ParamList, facteur.ListValue("a,b", "c"), "a,b|c"},
		{facteur.ParamList, facteur.ListValue(make([]string, facteur.MaxParamList+1)...), "!at most 1000 items"},
		{"number", facteur.TextValue("1"), "!unknown parameter type"},
	}
	for _, c := range cases {
		b, err := facteur.ParseParam("params.x", c.t, c.v)
		if strings.HasPrefix(c.want, "!") {
			if err == nil || facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "params.x") || !strings.Contains(err.Error(), c.want[1:]) {
				t.Errorf("%s %+v: error %v, want %q", c.t, c.v, err, c.want[1:])
			}
			continue
		}
		got := b.Text
		if c.t == facteur.ParamList {
			got = strings.Join(b.List, "|")
		}
		if err != nil || got != c.want {
			t.Errorf("%s %+v: %q, %v; want %q", c.t, c.v, got, err, c.want)
		}
	}
}

// TestBindParams fills defaults, refuses unknown names and missing values,
// and checks declarations.
func TestBindParams(t *testing.T) {
	def := facteur.TextValue("FR")
	decl := []facteur.Parameter{
		{Name: "country", Type: facteur.ParamText, Default: &def},
		{Name: "since", Type: facteur.ParamDate},
		{Name: "teams", Type: facteur.ParamList},
	}
	if err := facteur.ValidateParams(decl, false); err != nil {
		t.Fatal(err)
	}
	got, err := facteur.BindParams(decl, facteur.ParamValues{"since": facteur.TextValue("2026-01-02"), "teams": facteur.ListValue("a")})
	if err != nil || len(got) != 3 || got[0].Text != "FR" || got[1].Text != "2026-01-02" || got[2].List[0] != "a" {
		t.Fatalf("%+v, %v", got, err)
	}
	for _, c := range []struct {
		vals facteur.ParamValues
		want string
	}{
		{facteur.ParamValues{"teams": facteur.ListValue()}, "params.since: give a value (date); the parameter has no default"},
		{facteur.ParamValues{"since": facteur.TextValue("x"), "teams": facteur.ListValue()}, "params.since: \"x\" is not a date"},
		{facteur.ParamValues{"cuntry": facteur.TextValue("x")}, "params.cuntry: the report declares no such parameter; it declares country, since, teams"},
	} {
		_, err := facteur.BindParams(decl, c.vals)
		if err == nil || !strings.Contains(facteur.ErrorMessage(err), c.want) {
			t.Errorf("%v: %v, want %q", c.vals, err, c.want)
		}
	}
	if err := facteur.CheckParamValues(decl, facteur.ParamValues{"teams": facteur.ListValue()}, false); err != nil {
		t.Errorf("an incomplete set of values is refused: %v", err)
	}
	bad := facteur.TextValue("soon")
	for _, c := range []struct {
		p    []facteur.Parameter
		want string
	}{
		{[]facteur.Parameter{{Name: "1x", Type: facteur.ParamText}}, "parameters[0].name"},
		{[]facteur.Parameter{{Name: strings.Repeat("a", 64), Type: facteur.ParamText}}, "parameters[0].name: at most 63 bytes"},
		{[]facteur.Parameter{{Name: "a", Type: facteur.ParamText}, {Name: "A", Type: facteur.ParamText}}, "parameters[1].name: parameter \"A\" is declared twice"},
		{[]facteur.Parameter{{Name: "a", Type: "float"}}, "parameters[0].type: use text, integer, date, timestamp or list"},
		{[]facteur.Parameter{{Name: "a", Type: facteur.ParamDate, Default: &bad}}, "parameters[0].default: \"soon\" is not a date"},
		{[]facteur.Parameter{{Name: "a", Type: facteur.ParamText, Label: "two\nlines"}}, "parameters[0].label"},
	} {
		err := facteur.ValidateParams(c.p, false)
		if err == nil || !strings.Contains(facteur.ErrorMessage(err), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
}

// TestParamValueJSON reads strings, numbers and lists, and writes them back.
func TestParamValueJSON(t *testing.T) {
	var v facteur.ParamValues
	if err := json.Unmarshal([]byte(`{"a": "FR", "n": 42, "l": ["x", "y"], "e": []}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"a":"FR","e":[],"l":["x","y"],"n":"42"}` {
		t.Errorf("%s", b)
	}
	for _, bad := range []string{`{"a": true}`, `{"a": null}`, `{"a": {"b": 1}}`, `{"a": [1]}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// FuzzParseParam parses arbitrary text as each type: it never panics, a
// value it accepts is bounded and parses again to itself.
func FuzzParseParam(f *testing.F) {
	for _, s := range []string{"FR", "42", "-9223372036854775808", "2026-02-01", "2026-02-01T08:30", "a,b,c", "", "1; drop table x", "é,\x00"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(2))
		f.Add(s, uint8(4))
	}
	types := []facteur.ParamType{facteur.ParamText, facteur.ParamInteger, facteur.ParamDate, facteur.ParamTimestamp, facteur.ParamList}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		typ := types[int(which)%len(types)]
		b, err := facteur.ParseParam("params.p", typ, facteur.TextValue(s))
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), "params.p") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(b.Text) > facteur.MaxParamText || len(b.List) > facteur.MaxParamList {
			t.Fatalf("unbounded value %+v", b)
		}
		again, err := facteur.ParseParam("params.p", typ, b.Value())
		if err != nil || again.Text != b.Text || strings.Join(again.List, "\x00") != strings.Join(b.List, "\x00") {
			t.Fatalf("%q parsed as %+v, which parses as %+v, %v", s, b, again, err)
		}
		var v facteur.ParamValue
		raw, _ := json.Marshal(b.Value())
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s does not read back: %v", raw, err)
		}
	})
}

// FuzzParamValuesJSON decodes arbitrary JSON as a schedule's values: it
// never panics, a refusal names the parameter, and what it accepts
// encodes and decodes back to itself.
func FuzzParamValuesJSON(f *testing.F) {
	for _, s := range []string{`{"a":"FR","n":42,"l":["x","y"],"e":[]}`, `{"a":true}`, `{"a":[1]}`, `{"a":null}`, `null`, `{}`, `{"a":-1.5e3}`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v facteur.ParamValues
		if err := json.Unmarshal(b, &v); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) && typ.Type == reflect.TypeFor[facteur.ParamValue]() && typ.Field == "" {
				t.Fatalf("the refusal of %q names no parameter: %v", b, err)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%v does not encode: %v", v, err)
		}
		var again facteur.ParamValues
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("%s does not decode again: %v", out, err)
		}
		back, _ := json.Marshal(again)
		if string(back) != string(out) {
			t.Fatalf("%s decodes to %s", out, back)
		}
	})
}
