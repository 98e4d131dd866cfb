package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var jsonSeeds = []string{
	``, ` `, `0`, `-0`, `01`, `1.`, `.5`, `1e5`, `1E+5`, `1e`, `-`, `+1`, `NaN`,
	`true`, `false`, `null`, `tru`, `nulll`, `"`, `""`, `"\"`, `"\u00e9"`, `"\u00g9"`, `"\x"`,
	"\"\t\"", "\"\xff\"", `{}`, `[]`, `{ }`, `[ ]`, `{"a":1}`, `{"a":1,}`, `{"a"}`, `{"a":}`,
	`{,"a":1}`, `[1,]`, `[,1]`, `[1 2]`, `[[[[]]]]`, `[[[[]]]`, `[{"a":[{"b":null}]}]`,
	`{"a":[1,2]}`, "{\"a\": [1, 2],\n \"b\": \"x\"}", `{} {}`, `[]]`, `{"a":1}}`, `{1:2}`,
	"\ufeff{}", "[\"\u2028\"]", `{"a" : "b" , "c" : [ true , false ] }`, `[1e400]`, `"\/"`,
}

func TestJSONValidator(t *testing.T) {
	t.Parallel()
	var s jsonValidator
	for _, v := range jsonSeeds {
		if got, want := s.valid([]byte(v)), json.Valid([]byte(v)); got != want {
			t.Errorf("valid(%q) = %v, json.Valid says %v", v, got, want)
		}
	}
}

// FuzzJSONValidator checks the validator against encoding/json, and that a
// valid document compacts to what json.Compact gives, with strings repaired.
func FuzzJSONValidator(f *testing.F) {
	for _, v := range jsonSeeds {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var s jsonValidator
		ok := s.valid(v)
		if ok != json.Valid(v) {
			t.Fatalf("valid(%q) = %v, json.Valid says %v", v, ok, !ok)
		}
		if !ok {
			return
		}
		var got, want bytes.Buffer
		bw := bufio.NewWriter(&got)
		writeCompactJSON(bw, v)
		bw.Flush()
		if !utf8.Valid(got.Bytes()) || !json.Valid(got.Bytes()) || bytes.ContainsAny(got.Bytes(), "\n\u2028\u2029") {
			t.Fatalf("compact(%q) = %q: not one line of valid UTF-8 JSON", v, got.Bytes())
		}
		if utf8.Valid(v) && !bytes.ContainsAny(v, "\u2028\u2029") {
			json.Compact(&want, v)
			if got.String() != want.String() {
				t.Fatalf("compact(%q) = %q, json.Compact gives %q", v, got.Bytes(), want.Bytes())
			}
		}
	})
}

// FuzzJSONString checks that any bytes become a JSON string that decodes
// to the same text, with each invalid byte as U+FFFD.
func FuzzJSONString(f *testing.F) {
	for _, v := range jsonSeeds {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		writeJSONString(bw, v)
		bw.Flush()
		if !utf8.Valid(out.Bytes()) || bytes.ContainsAny(out.Bytes(), "\u2028\u2029") {
			t.Fatalf("%q: output %q holds invalid UTF-8 or a raw line separator", v, out.Bytes())
		}
		var s string
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatalf("%q: output %q is not a JSON string: %v", v, out.Bytes(), err)
		}
		if want := string([]rune(string(v))); s != want {
			t.Fatalf("%q: decodes to %q, want %q", v, s, want)
		}
	})
}

// FuzzXMLText checks that any bytes become XML text that an XML parser
// reads back as the input less the characters XML cannot hold.
func FuzzXMLText(f *testing.F) {
	for _, v := range []string{"", "a&b", "<]]>", "\r\n", "\x00\x01\t", "_x000D_", "_x005F_", "\xff", "\uFFFE", "é日本🎉"} {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		bw.WriteString("<t>")
		writeXMLText(bw, v)
		bw.WriteString("</t>")
		bw.Flush()
		var got string
		if err := xml.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%q: %q is not well-formed XML: %v", v, out.Bytes(), err)
		}
		var want strings.Builder
		for _, r := range string(v) {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
				continue
			}
			want.WriteRune(r)
		}
		if got = excelUnescape(got); got != want.String() {
			t.Fatalf("%q: Excel reads %q, want %q", v, got, want.String())
		}
	})
}

// excelUnescape decodes Excel's _xHHHH_ escapes, left to right, as Excel
// does when it reads a cell's text.
func excelUnescape(s string) string {
	return excelEscapeRE.ReplaceAllStringFunc(s, func(m string) string {
		r, _ := strconv.ParseUint(m[2:6], 16, 32)
		return string(rune(r))
	})
}

var excelEscapeRE = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)
