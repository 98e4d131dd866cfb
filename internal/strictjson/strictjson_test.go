package strictjson

import (
	"encoding/json"
	"testing"

	"github.com/facteur/facteur"
)

func TestFieldAt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{"{\"name\":\"a\xffb\"}", "name"},
		{"{\"name\":\"ok\",\"config\":{\"to\":[\"x\",\"y\xff\"],\"message\":\"m\"}}", "config.to[1]"},
		{"{\"config\":{\"message\":\"\xfe\"}}", "config.message"},
		{"{\"na\xffme\":\"x\"}", "na\ufffdme"},
		{"[\"a\",{\"b\":\"\xff\"}]", "[1].b"},
		{"{\"a\":1,\"b\":[true,null,\"\xc3\"]}", "b[2]"},
	} {
		b := []byte(tc.body)
		if got := fieldAt(b, invalidUTF8At(b)); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.body, got, tc.want)
		}
	}
}

// TestDecodeErrors: each refusal names the field at fault, or the whole
// value, in the words the options give.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	type cfg struct {
		Path      string            `json:"path"`
		Overwrite bool              `json:"overwrite"`
		Port      int               `json:"port"`
		Timeout   int               `json:"timeout"`
		To        []string          `json:"to"`
		Ratio     float64           `json:"ratio"`
		Headers   map[string]string `json:"headers"`
	}
	o := Options{Where: "config", Prefix: "smtp.", Fields: `it has "path" and "overwrite"`, Hints: map[string]string{"timeout": "a whole number of seconds", "headers": "an object", "headers:string": "a string as every value"}}
	for body, want := range map[string]string{
		``:                      "config: expected a JSON object",
		`  `:                    "config: expected a JSON object",
		`[1]`:                   "config: expected a JSON object",
		`{"path":`:              "config: not valid JSON: it ends too early",
		`{"path" "x"}`:          "config: not valid JSON at byte 9",
		`{"path":"a"} {}`:       "config: expected a single JSON object",
		`{"overwrit":true}`:     `smtp.overwrit: unknown field; it has "path" and "overwrite"`,
		`{"path":1}`:            "smtp.path: expected a string",
		`{"overwrite":"yes"}`:   "smtp.overwrite: expected true or false",
		`{"port":"22"}`:         "smtp.port: expected a whole number",
		`{"port":2.5}`:          "smtp.port: expected a whole number",
		`{"timeout":"60"}`:      "smtp.timeout: expected a whole number of seconds",
		`{"to":"a@b"}`:          "smtp.to: expected a list",
		`{"ratio":"x"}`:         "smtp.ratio: expected a number",
		"{\"path\":\"a\xffb\"}": "smtp.path: the text is not valid UTF-8 (byte 10); send text in UTF-8",
		`{"to":["x","\u0000"]}`: `smtp.to[1]: the text contains a NUL character (\u0000); remove it`,
	} {
		var c cfg
		err := Decode([]byte(body), &c, o)
		if facteur.ErrorCode(err) != facteur.EINVALID || facteur.ErrorMessage(err) != want {
			t.Errorf("%q: %v (%s), want %q", body, facteur.ErrorMessage(err), facteur.ErrorCode(err), want)
		}
	}
	var c cfg
	if err := Decode([]byte(` {"path":"/srv","to":["a"]} `), &c, o); err != nil || c.Path != "/srv" || len(c.To) != 1 {
		t.Errorf("a valid config: %+v, %v", c, err)
	}
}

// FuzzDecode: whatever the text, Decode answers EINVALID with a message,
// or a value that encodes again as valid UTF-8 without NUL and decodes to
// itself.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, "{\"name\":\"\xff\"}", `{"name":1}`, `{`, ``, `{"a":{"b":["\u0000"]}}`, `{"name":"x"} {}`, `{"to":["a","b"],"n":3}`} {
		f.Add([]byte(s))
	}
	type value struct {
		Name   string          `json:"name"`
		Config json.RawMessage `json:"config,omitempty"`
		To     []string        `json:"to"`
		N      int             `json:"n"`
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v value
		if err := Decode(body, &v, Options{}); err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || facteur.ErrorMessage(err) == "" {
				t.Fatalf("%q: %v (code %s)", body, err, facteur.ErrorCode(err))
			}
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%q decoded to %+v, which does not encode: %v", body, v, err)
		}
		if err := Check(b, Options{}); err != nil {
			t.Fatalf("%q decoded to %s: %v", body, b, err)
		}
		var again value
		if err := Decode(b, &again, Options{}); err != nil {
			t.Fatalf("%s does not decode again: %v", b, err)
		}
		if b2, _ := json.Marshal(again); string(b2) != string(b) {
			t.Fatalf("%s → %s", b, b2)
		}
	})
}
