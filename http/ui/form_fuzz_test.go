package ui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"
)

// FuzzReadForm: whatever the body and its content type, readForm accepts
// it, or refuses it with 400 or 413 and a message; it never panics, and
// what it accepts holds at most its bounds.
func FuzzReadForm(f *testing.F) {
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct{ ctype, body string }{
		{form, "name=x&csrf_token=t"}, {form, "name=%zz"}, {form, "name=%"}, {form, "a=1;b=2"},
		{"multipart/form-data; boundary=", "--x\r\n"}, {"application/json", `{"a":1}`}, {"", "a=1"},
		{form, "name=%ff%fe"}, {form, "a=1&a=2&a=3"}, {"text/plain; charset=utf-8", "a=1"},
	} {
		f.Add(c.ctype, []byte(c.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest("POST", "/reports/new", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		status, msg := readForm(httptest.NewRecorder(), r)
		switch status {
		case 0:
			n := 0
			for _, vs := range r.PostForm {
				n += len(vs)
			}
			if n > maxFormFields {
				t.Fatalf("accepted %d fields", n)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if msg == "" || !utf8.ValidString(msg) {
				t.Fatalf("refused with %d and message %q", status, msg)
			}
		default:
			t.Fatalf("%q as %q: status %d", body, ctype, status)
		}
	})
}
