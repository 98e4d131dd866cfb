package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// apiStub answers the login as the API does: a session cookie.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v1/login" {
		http.SetCookie(w, &http.Cookie{Name: "facteur_session", Value: "s", HttpOnly: true})
		w.Write([]byte(`{}`))
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
	w.Write([]byte(`{"error":{"code":"unauthenticated","message":"log in"}}`))
})

func handler(t *testing.T) http.Handler {
	t.Helper()
	h, err := (&Server{API: apiStub}).Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestLoginRedirect: after a login the browser goes back to the page it
// asked for, but never to another site.
func TestLoginRedirect(t *testing.T) {
	h := handler(t)
	for next, want := range map[string]string{
		"/runs?schedule_id=3":   "/runs?schedule_id=3",
		"":                      "/schedules",
		"//evil.example/x":      "/schedules",
		"https://evil.example/": "/schedules",
		"/\\evil.example":       "/schedules",
		"javascript:alert(1)":   "/schedules",
		"runs":                  "/schedules",
	} {
		form := url.Values{"email": {"a@example.org"}, "password": {"p"}, "next": {next}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want || !strings.Contains(rec.Header().Get("Set-Cookie"), "facteur_session=s") {
			t.Errorf("next %q: %d to %q, cookie %q", next, rec.Code, rec.Header().Get("Location"), rec.Header().Get("Set-Cookie"))
		}
	}
}

// TestLoginFromAnotherSite: a login form posted from another site is
// refused and sets no cookie.
func TestLoginFromAnotherSite(t *testing.T) {
	form := url.Values{"email": {"a@example.org"}, "password": {"p"}}
	req := httptest.NewRequest("POST", "http://facteur.example/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	rec := httptest.NewRecorder()
	handler(t).ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("cross-site login: %d, cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
}

// TestPagesNeedALogin: a page without a session sends the browser to the
// login page, and every answer carries the security headers.
func TestPagesNeedALogin(t *testing.T) {
	h := handler(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/runs?status=failed", nil))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Fruns%3Fstatus%3Dfailed" {
		t.Errorf("without a session: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP: %q", csp)
	}
}

// TestAssets: assets are served under a path made of their content's hash,
// cached for good; other paths are not found.
func TestAssets(t *testing.T) {
	s := &Server{API: apiStub}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.css", "app.js"} {
		p := s.byName[name]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Body.Len() == 0 {
			t.Errorf("%s at %s: %d %v", name, p, rec.Code, rec.Header())
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/static/000000000000/app.css", nil))
	if rec.Code != 404 {
		t.Errorf("a stale asset path: %d", rec.Code)
	}
}

// TestFlashIsBounded: a flash message quoting a huge name (a 100 KB
// schedule name made a 100 KB Set-Cookie, and 900 KB one a page the
// browser refused) is cut to a few hundred bytes, on a character boundary.
func TestFlashIsBounded(t *testing.T) {
	name := strings.Repeat("é", 50_000) // 100 KB
	rec := httptest.NewRecorder()
	setFlash(rec, httptest.NewRequest("POST", "/schedules/new", nil), "Schedule "+name+" saved.", "/runs/"+strings.Repeat("1", 5000))
	header := rec.Header().Get("Set-Cookie")
	if len(header) > 2048 {
		t.Fatalf("Set-Cookie of %d bytes", len(header))
	}
	req := httptest.NewRequest("GET", "/schedules", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	msg, link := takeFlash(httptest.NewRecorder(), req)
	if !strings.HasPrefix(msg, "Schedule éé") || !strings.HasSuffix(msg, "é…") || len(msg) > maxFlash+len("…") || link != "" {
		t.Errorf("flash %d bytes %q…, link %q", len(msg), msg[:min(len(msg), 20)], link)
	}
}

// TestUnknownPage: a path the UI does not serve shows the UI's own page,
// with its layout (title, language, skip link), and status 404.
func TestUnknownPage(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"user":{"id":1,"email":"a@example.org","role":"viewer"},"csrf_token":"c"}`))
	})
	h, err := (&Server{API: api}).Handler()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/no-such-page", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusNotFound || !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "<title>") ||
		!strings.Contains(body, `class="skip"`) || !strings.Contains(body, "There is no such page") {
		t.Errorf("%d\n%s", rec.Code, body)
	}
}
