package ui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMalformedForms: bodies a browser never sends get 400 (413 when too
// large) with what to do, never a 500, on every form the UI has and on the
// login page; the API behind is never asked to change anything.
func TestMalformedForms(t *testing.T) {
	var changes int
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && r.URL.Path == "/api/v1/me" {
			w.Write([]byte(`{"user":{"id":1,"email":"a@example.org","role":"admin","active":true},"csrf_token":"t"}`))
			return
		}
		if r.Method != "GET" {
			changes++
		}
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":"not_found","message":"no"}}`))
	})
	h, err := (&Server{API: api}).Handler()
	if err != nil {
		t.Fatal(err)
	}
	form := "application/x-www-form-urlencoded"
	many := strings.Repeat("a=1&", 10_001)
	bodies := []struct {
		name, ctype, body string
		status            int
	}{
		{"bad escape", form, "name=%zz&csrf_token=t", 400},
		{"lone percent", form, "name=%", 400},
		{"semicolon separator", form, "name=x;kind=folder", 400},
		{"too many fields", form, many, 400},
		{"multipart with a bad boundary", "multipart/form-data; boundary=", "--x\r\n", 400},
		{"json", "application/json", `{"name":"x"}`, 400},
		{"no content type", "", "name=x", 400},
		{"over 10 MB", form, "name=" + strings.Repeat("x", 10<<20+1), 413},
	}
	paths := []string{"/login", "/schedules/new", "/schedules/1/edit", "/schedules/1/run", "/reports/new", "/sources/new",
		"/destinations/new", "/destinations/1/test", "/settings/mail", "/settings/policy", "/settings/users", "/tokens", "/exports",
		"/runs/1/retry", "/logout"}
	for _, p := range paths {
		for _, b := range bodies {
			req := httptest.NewRequest("POST", p, bytes.NewBufferString(b.body))
			if b.ctype != "" {
				req.Header.Set("Content-Type", b.ctype)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != b.status || !strings.Contains(rec.Body.String(), "form") {
				t.Errorf("%s, %s: %d, want %d with a message about the form", p, b.name, rec.Code, b.status)
			}
		}
	}
	if changes != 0 {
		t.Errorf("%d changes reached the API", changes)
	}
}
