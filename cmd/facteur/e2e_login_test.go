package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	fhttp "github.com/facteur/facteur/http"
)

// TestLoginOverHTTPS: with a public URL in https (whatever the case of its
// scheme), the session cookie of the API's login and of the UI's login
// page carries Secure; a locked-out login on the UI page says when to try
// again and sends Retry-After.
func TestLoginOverHTTPS(t *testing.T) {
	n := startServe(t, t.TempDir(), "--public-url", "HTTPS://facteur.example.org")
	n.addAccount("editor@example.org", facteur.RoleEditor)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	session := func(resp *http.Response) *http.Cookie {
		for _, c := range resp.Cookies() {
			if c.Name == fhttp.SessionCookie {
				return c
			}
		}
		return nil
	}
	body, _ := json.Marshal(map[string]string{"email": "editor@example.org", "password": "password of editor@example.org"})
	resp, err := http.Post(n.base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := session(resp); resp.StatusCode != 200 || c == nil || !c.Secure {
		t.Errorf("API login: %d, cookie %+v", resp.StatusCode, c)
	}
	form := func(password string) *http.Response {
		t.Helper()
		resp, err := noRedirect.PostForm(n.base+"/login", url.Values{"email": {"editor@example.org"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp = form("password of editor@example.org")
	resp.Body.Close()
	if c := session(resp); resp.StatusCode != http.StatusSeeOther || c == nil || !c.Secure {
		t.Errorf("UI login: %d, cookie %+v", resp.StatusCode, c)
	}

	for range auth.LoginFailures {
		form("guess").Body.Close()
	}
	resp = form("password of editor@example.org")
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || session(resp) != nil ||
		!regexp.MustCompile(`try again in \d+ minutes \(at \d\d:\d\d UTC\)`).Match(page) {
		t.Errorf("UI login while locked out: %d, Retry-After %q, page:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), strings.TrimSpace(string(page)))
	}
}
