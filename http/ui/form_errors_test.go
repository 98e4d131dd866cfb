package ui

import (
	"net/http/httptest"
	"testing"

	"github.com/facteur/facteur/deliver/kinds"
)

// TestRelabel: the API's messages name their field by its key; the form
// says them in the words of the field's label, by the field's input.
func TestRelabel(t *testing.T) {
	kinds := formKinds(kinds.Builtin())
	sftp := destinationInputs(kinds, "sftp")
	email := destinationInputs(kinds, "email")
	for _, c := range []struct {
		msg             string
		fields          map[string]fieldInput
		wantID, wantMsg string
	}{
		{"port: 70000 is not a port number; the SSH port is usually 22", sftp, "sftp.port", "Port: 70000 is not a port number; the SSH port is usually 22"},
		{"to: give at least one recipient", email, "email.to", "Recipients: give at least one recipient"},
		{`to[1]: "x" is not an e-mail address`, email, "email.to", `Recipients, line 2: "x" is not an e-mail address`},
		{"name: give a name", email, "name", "Name: give a name"},
		{"port: not an e-mail field", email, "", "port: not an e-mail field"},
		{"dial tcp 127.0.0.1:1: connection refused", sftp, "", "dial tcp 127.0.0.1:1: connection refused"},
		{"calendar.at: with a cron expression, leave at empty", scheduleInputs, "at", "Time: with a cron expression, leave at empty"},
		{"format.delimiter: give one character", scheduleInputs, "delimiter", "Delimiter: give one character"},
		{"calendar.cron: expected 5 fields\nnear here", scheduleInputs, "cron", "Cron expression: expected 5 fields\nnear here"},
		{"include_fields: no field x", scheduleInputs, "", "Sensitive and extra fields: no field x"},
	} {
		id, msg := relabel(c.msg, c.fields)
		if id != c.wantID || msg != c.wantMsg {
			t.Errorf("%q: %q %q, want %q %q", c.msg, id, msg, c.wantID, c.wantMsg)
		}
	}
}

// TestFlashLink: a message can link to a page of the site, never to
// another site.
func TestFlashLink(t *testing.T) {
	for link, want := range map[string]string{"/runs/12": "/runs/12", "//evil.example/": "", "https://evil.example/": "", "": ""} {
		rec := httptest.NewRecorder()
		setFlash(rec, httptest.NewRequest("POST", "/schedules/1/run", nil), "Run 12 is queued.", link)
		req := httptest.NewRequest("GET", "/schedules", nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		msg, got := takeFlash(httptest.NewRecorder(), req)
		if msg != "Run 12 is queued." || got != want {
			t.Errorf("link %q: %q %q", link, msg, got)
		}
	}
	if msg, link := takeFlash(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)); msg != "" || link != "" {
		t.Errorf("without a cookie: %q %q", msg, link)
	}
}
