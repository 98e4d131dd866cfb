package http

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/strictjson"
)

// writeInputs are the body types of the API's write endpoints, each as a
// fresh value to decode into.
var writeInputs = []func() any{
	func() any { return new(loginInput) },
	func() any { return new(passwordInput) },
	func() any { return new(tokenInput) },
	func() any { return new(userInput) },
	func() any { return new(sourceInput) },
	func() any { return new(reportInput) },
	func() any { return new(destinationInput) },
	func() any { return new(scheduleInput) },
	func() any { return new(transferInput) },
	func() any { return new(exportInput) },
	func() any { return new(fileNameInput) },
	func() any { return new(facteur.Calendar) },
	func() any { return new(facteur.Policy) },
}

// FuzzWriteBodies: whatever the body, decoding it as the input of any
// write endpoint either fails with EINVALID or ETOOLARGE and a message, or
// gives a value that holds only valid UTF-8 without NUL and that encodes
// and decodes back to itself.
func FuzzWriteBodies(f *testing.F) {
	for i, s := range []string{
		`{"name":"x","dsn":"sqlite:/a.db"}`,
		`{"report_id":1,"destination_id":2,"calendar":{"frequency":"daily","at":"06:00"},"options":{"alert_emails":["a@example.org"]}}`,
		`{"name":"d","kind":"email","config":{"to":["a@example.org"]}}`,
		`{"email":"a@example.org","role":"viewer","password":"long enough password"}`,
		`{"allowed_email_domains":["example.org"],"link_ttl_hours":9223372036854775807}`,
		"{\"name\":\"a\xffb\"}", `{"name":"a\u0000b"}`, `{"name":"a\\u0000b"}`, `{"fields":[{"name":"id","sensitive":true}]}`,
		`{"report_id":1e300}`, `{"name":[[[[[[]]]]]]}`, `{} {}`, ``, `[1]`, `"x"`, `{"zz":1}`,
	} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		v := writeInputs[int(which)%len(writeInputs)]()
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		err := decode(r, v)
		if err != nil {
			code := facteur.ErrorCode(err)
			if (code != facteur.EINVALID && code != facteur.ETOOLARGE) || facteur.ErrorMessage(err) == "" {
				t.Fatalf("%T from %q: %v (code %s)", v, body, err, code)
			}
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%T from %q does not encode: %v", v, body, err)
		}
		if strictjson.Check(b, strictjson.Options{}) != nil {
			t.Fatalf("%T from %q holds invalid UTF-8 or a NUL: %s", v, body, b)
		}
		again := reflect.New(reflect.TypeOf(v).Elem()).Interface()
		if err := decode(httptest.NewRequest("POST", "/", bytes.NewReader(b)), again); err != nil {
			t.Fatalf("%T: %s decoded, its encoding %s does not: %v", v, body, b, err)
		}
		if b2, _ := json.Marshal(again); !bytes.Equal(b, b2) {
			t.Fatalf("%T does not round-trip: %s → %s", v, b, b2)
		}
	})
}
