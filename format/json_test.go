package format_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

func TestJSONGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewJSONEncoder(&buf, fixtureCols), fixtureBytes())
	golden(t, "fixture.json", buf.Bytes())
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte("[\n{")) || !bytes.HasSuffix(out, []byte("}\n]\n")) {
		t.Errorf("not framed as [\\n{…},\\n{…}\\n]\\n: %q … %q", out[:3], out[len(out)-4:])
	}
	if n := bytes.Count(out, []byte("\n")); n != len(fixtureRows)+2 {
		t.Errorf("%d lines, want one per object plus two", n)
	}
	checkJSONText(t, out)

	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var rows []json.RawMessage
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("encoding/json cannot read the output: %v", err)
	}
	if len(rows) != len(fixtureRows) {
		t.Fatalf("%d objects, want %d", len(rows), len(fixtureRows))
	}
	for i, raw := range rows {
		checkJSONObject(t, raw, fixtureCols, fixtureRows[i])
	}
}

func TestNDJSONGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewNDJSONEncoder(&buf, fixtureCols), fixtureBytes())
	golden(t, "fixture.ndjson", buf.Bytes())
	checkJSONText(t, buf.Bytes())
	lines := strings.SplitAfter(buf.String(), "\n")
	if last := lines[len(lines)-1]; last != "" {
		t.Errorf("output does not end with a newline: %q", last)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != len(fixtureRows) {
		t.Fatalf("%d lines, want %d", len(lines), len(fixtureRows))
	}
	for i, line := range lines {
		checkJSONObject(t, []byte(line), fixtureCols, fixtureRows[i])
	}
}

// checkJSONText checks what any consumer relies on: valid UTF-8, and no raw
// U+2028 or U+2029 (line breaks to JavaScript).
func checkJSONText(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Error("output is not valid UTF-8")
	}
	if bytes.ContainsRune(out, '\u2028') || bytes.ContainsRune(out, '\u2029') {
		t.Error("output holds a raw U+2028 or U+2029")
	}
}

// checkJSONObject decodes one object and checks its keys (in column order)
// and each value against the fixture's text.
func checkJSONObject(t *testing.T, obj []byte, cols []facteur.Column, row []string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("object does not start with '{': %v %v", tok, err)
	}
	for i, c := range cols {
		key, err := dec.Token()
		if err != nil || key != c.Name {
			t.Fatalf("key %d = %v (%v), want %q", i, key, err, c.Name)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("value of %s: %v", c.Name, err)
		}
		checkJSONValue(t, c, row[i], raw)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		t.Fatalf("object has more than its %d keys: %v %v", len(cols), tok, err)
	}
}

// jsonNumber is the grammar of a JSON number (RFC 8259 section 6).
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// checkJSONValue checks one value against the rules of the package doc.
func checkJSONValue(t *testing.T, c facteur.Column, v string, raw json.RawMessage) {
	t.Helper()
	numeric := c.Kind == facteur.KindInt || c.Kind == facteur.KindDecimal || c.Kind == facteur.KindFloat
	var want string // the JSON text expected
	switch {
	case v == null:
		want = "null"
	case numeric && jsonNumber.MatchString(v):
		want = v // a number, digit for digit
	case c.Kind == facteur.KindBool:
		want = v
	case c.Kind == facteur.KindJSON && json.Valid([]byte(v)):
		var b bytes.Buffer
		if err := json.Compact(&b, []byte(v)); err != nil {
			t.Fatal(err)
		}
		want = strings.ReplaceAll(b.String(), "\xff", `\ufffd`)
	default:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Errorf("%s: %s is not a string: %v", c.Name, raw, err)
			return
		}
		// Each invalid byte becomes U+FFFD, as converting to runes does.
		if w := string([]rune(v)); s != w {
			t.Errorf("%s: string %q, want %q", c.Name, s, w)
		}
		return
	}
	if string(raw) != want {
		t.Errorf("%s: %s, want %s", c.Name, raw, want)
	}
	if numeric && want != "null" {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil || n.String() != v {
			t.Errorf("%s: json.Number %q (%v), want %q", c.Name, n, err, v)
		}
	}
}

func TestJSONValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind facteur.Kind
		in   string
		want string
	}{
		{facteur.KindInt, "42", "42"},
		{facteur.KindInt, "-0", "-0"},
		{facteur.KindInt, "007", `"007"`},
		{facteur.KindInt, "+5", `"+5"`},
		{facteur.KindInt, "99999999999999999999999999", "99999999999999999999999999"},
		{facteur.KindDecimal, "12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
		{facteur.KindDecimal, "-0.000001", "-0.000001"},
		{facteur.KindDecimal, "12.50", "12.50"},
		{facteur.KindDecimal, "NaN", `"NaN"`},
		{facteur.KindDecimal, ".5", `".5"`},
		{facteur.KindDecimal, "1.", `"1."`},
		{facteur.KindDecimal, "", `""`},
		{facteur.KindDecimal, "-", `"-"`},
		{facteur.KindDecimal, "1e", `"1e"`},
		{facteur.KindDecimal, "1e+", `"1e+"`},
		{facteur.KindDecimal, "0x10", `"0x10"`},
		{facteur.KindDecimal, " 1", `" 1"`},
		{facteur.KindFloat, "1e+100", "1e+100"},
		{facteur.KindFloat, "1E-7", "1E-7"},
		{facteur.KindFloat, "Infinity", `"Infinity"`},
		{facteur.KindFloat, "-Infinity", `"-Infinity"`},
		{facteur.KindBool, "true", "true"},
		{facteur.KindBool, "false", "false"},
		{facteur.KindBool, "t", `"t"`},
		{facteur.KindText, "42", `"42"`},
		{facteur.KindText, "true", `"true"`},
		{facteur.KindText, "a\"b\\c/d", `"a\"b\\c/d"`},
		{facteur.KindText, "\x00\x01\x1f\x7f\b\f\n\r\t", `"\u0000\u0001\u001f` + "\x7f" + `\b\f\n\r\t"`},
		{facteur.KindText, "<a href='x'>&amp;</a>", `"<a href='x'>&amp;</a>"`},
		{facteur.KindText, "\u2028\u2029\u202a", `"\u2028\u2029` + "\u202a\""},
		{facteur.KindText, "a\xffb\xc3", `"a\ufffdb\ufffd"`},
		{facteur.KindText, "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`}, // a UTF-8 encoded surrogate
		{facteur.KindText, "é日本🎉", `"é日本🎉"`},
		{facteur.KindTimestamp, "2024-03-31T03:00:00+02:00", `"2024-03-31T03:00:00+02:00"`},
		{facteur.KindBytes, "aGk=", `"aGk="`},
		{facteur.KindJSON, `{"a":[1,2]}`, `{"a":[1,2]}`},
		{facteur.KindJSON, "{ \"a\" :\n\t[ 1 , 2.50 ] ,\r\n \"s\": \" x y \" }", `{"a":[1,2.50],"s":" x y "}`},
		{facteur.KindJSON, `"\" \\ \u2028"`, `"\" \\ \u2028"`},
		{facteur.KindJSON, "[\"\u2028\", \"\xff\"]", `["\u2028","\ufffd"]`},
		{facteur.KindJSON, "123456789012345678901234567890", "123456789012345678901234567890"},
		{facteur.KindJSON, "null", "null"},
		{facteur.KindJSON, "{not json", `"{not json"`},
		{facteur.KindJSON, "{} {}", `"{} {}"`},
		{facteur.KindJSON, "", `""`},
	}
	for _, tt := range tests {
		cols := []facteur.Column{{Name: "v", Kind: tt.kind}}
		var buf bytes.Buffer
		encodeAll(t, format.NewNDJSONEncoder(&buf, cols), [][][]byte{{[]byte(tt.in)}})
		want := `{"v":` + tt.want + "}\n"
		if buf.String() != want {
			t.Errorf("%s %q: got %s, want %s", tt.kind, tt.in, buf.String(), want)
		}
		if !json.Valid(buf.Bytes()) || !utf8.Valid(buf.Bytes()) {
			t.Errorf("%s %q: output is not valid UTF-8 JSON: %q", tt.kind, tt.in, buf.String())
		}
	}
}

// TestJSONEscapingEveryPosition puts each byte or rune that a JSON string
// must escape or replace, and plain neighbours, at every position of
// values of 1 to 24 bytes: strings are scanned eight bytes at a time,
// and one must be seen wherever it is.
func TestJSONEscapingEveryPosition(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "v", Kind: facteur.KindText}}
	special := map[string]string{ // inserted -> how it must appear
		`"`: `\"`, `\`: `\\`, "\n": `\n`, "\x01": `\u0001`, "\x1f": `\u001f`, "\x7f": "\x7f", " ": " ", "~": "~",
		"é": "é", "\u2028": `\u2028`, "\xff": `\ufffd`, "\xc3": `\ufffd`, "🎉": "🎉",
	}
	for n := 1; n <= 24; n++ {
		for pos := range n {
			for in, out := range special {
				v := strings.Repeat("x", pos) + in + strings.Repeat("x", n-pos-1)
				var buf bytes.Buffer
				encodeAll(t, format.NewNDJSONEncoder(&buf, cols), [][][]byte{{[]byte(v)}})
				want := `{"v":"` + strings.Repeat("x", pos) + out + strings.Repeat("x", n-pos-1) + "\"}\n"
				if buf.String() != want {
					t.Fatalf("%q: got %s, want %s", v, buf.String(), want)
				}
			}
		}
	}
}

func TestJSONKeys(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "a\"b"}, {Name: "é\n\xff"}, {Name: ""}}
	var buf bytes.Buffer
	encodeAll(t, format.NewJSONEncoder(&buf, cols), [][][]byte{{nil, nil, nil}})
	want := "[\n{\"a\\\"b\":null,\"é\\n\\ufffd\":null,\"\":null}\n]\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestJSONNoRows(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewJSONEncoder(&buf, fixtureCols), nil)
	if buf.String() != "[]\n" {
		t.Errorf("JSON: got %q, want %q", buf.String(), "[]\n")
	}
	buf.Reset()
	encodeAll(t, format.NewNDJSONEncoder(&buf, fixtureCols), nil)
	if buf.Len() != 0 {
		t.Errorf("NDJSON: got %q, want an empty file", buf.String())
	}
	buf.Reset()
	encodeAll(t, format.NewJSONEncoder(&buf, nil), [][][]byte{{}, {}})
	if buf.String() != "[\n{},\n{}\n]\n" {
		t.Errorf("JSON without columns: got %q", buf.String())
	}
}

// TestNDJSONLines checks that any value, whatever line breaks it holds,
// leaves one object a line.
func TestNDJSONLines(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "t", Kind: facteur.KindText}, {Name: "j", Kind: facteur.KindJSON}}
	var buf bytes.Buffer
	enc := format.NewNDJSONEncoder(&buf, cols)
	vals := []string{"a\nb", "a\r\nb", "{\n\"k\":\n[1,\n2]\n}", "\u2028", "[\"\n\"]"}
	for _, a := range vals {
		for _, b := range vals {
			if err := enc.Write([][]byte{[]byte(a), []byte(b)}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		n++
		if !json.Valid(sc.Bytes()) {
			t.Errorf("line %d is not a JSON document: %s", n, sc.Bytes())
		}
	}
	if n != len(vals)*len(vals) {
		t.Errorf("%d lines, want %d", n, len(vals)*len(vals))
	}
}
