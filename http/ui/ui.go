// Package ui is Facteur's web UI: pages rendered on the server with
// html/template, a style sheet and a small script, all embedded. Every page
// is built on the REST API: the UI calls the API handler in process with the
// browser's session and CSRF token, so the permissions, the audit log and the
// error messages are the API's own.
package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/http/apitypes"
)

//go:embed templates static
var files embed.FS

// Server serves the web UI.
type Server struct {
	// API is the REST API's handler; every page is built on it.
	API    http.Handler
	Logger *slog.Logger
	// Kinds are the destination kinds the destination form offers, with
	// their settings. Nil: kinds.Builtin().
	Kinds *deliver.Registry

	pages  map[string]*template.Template
	assets map[string]asset // by cache-busted path
	byName map[string]string
	// patterns are the routes Handler serves, for Patterns.
	patterns []string
}

// Patterns lists the routes of the UI ("POST /schedules/{id}/edit"; a
// pattern without a method serves every method), once Handler has been
// called: tests send malformed input to every form with it.
func (s *Server) Patterns() []string { return slices.Clone(s.patterns) }

type asset struct {
	body        []byte
	contentType string
}

// Handler returns the UI's handler, for every path the API does not serve.
func (s *Server) Handler() (http.Handler, error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Kinds == nil {
		s.Kinds = kinds.Builtin()
	}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.loadPages(); err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	s.patterns = nil
	handle := func(pattern string, h http.HandlerFunc) {
		s.patterns = append(s.patterns, pattern)
		m.HandleFunc(pattern, h)
	}
	handle("GET /static/{hash}/{name}", s.static)
	handle("GET /login", s.loginPage)
	handle("POST /login", s.login)
	handle("POST /logout", s.page(s.logout))
	handle("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/schedules", http.StatusSeeOther) })
	handle("GET /schedules", s.page(s.schedules))
	handle("GET /schedules/new", s.page(s.newSchedule))
	handle("POST /schedules/new", s.page(s.saveSchedule))
	handle("GET /schedules/{id}/edit", s.page(s.editSchedule))
	handle("POST /schedules/{id}/edit", s.page(s.saveSchedule))
	handle("POST /schedules/{id}/run", s.page(s.runSchedule))
	handle("POST /schedules/{id}/test", s.page(s.testSchedule))
	handle("POST /schedules/{id}/delete", s.page(s.deleteObject("schedules", text("done.delete"))))
	handle("GET /schedules/{id}", s.page(s.schedule))
	handle("POST /schedules/{id}/pause", s.page(s.pauseSchedule(false)))
	handle("POST /schedules/{id}/resume", s.page(s.pauseSchedule(true)))
	handle("POST /schedules/{id}/watermark", s.page(s.resetWatermark))
	handle("GET /reports", s.page(s.reports))
	handle("GET /reports/new", s.page(s.newReport))
	handle("POST /reports/new", s.page(s.saveReport))
	handle("GET /reports/{id}/edit", s.page(s.editReport))
	handle("POST /reports/{id}/edit", s.page(s.saveReport))
	handle("POST /reports/{id}/duplicate", s.page(s.duplicateReport))
	handle("POST /reports/{id}/delete", s.page(s.deleteObject("reports", text("done.report_deleted"))))
	handle("GET /sources", s.page(s.sources))
	handle("GET /sources/new", s.page(s.sourceForm))
	handle("POST /sources/new", s.page(s.saveSource))
	handle("GET /sources/{id}/edit", s.page(s.sourceForm))
	handle("POST /sources/{id}/edit", s.page(s.saveSource))
	handle("POST /sources/{id}/test", s.page(s.testSource))
	handle("POST /sources/{id}/delete", s.page(s.deleteObject("sources", text("done.deleted"))))
	handle("GET /destinations", s.page(s.destinations))
	handle("GET /destinations/new", s.page(s.destinationForm))
	handle("POST /destinations/new", s.page(s.saveDestination))
	handle("GET /destinations/{id}/edit", s.page(s.destinationForm))
	handle("POST /destinations/{id}/edit", s.page(s.saveDestination))
	handle("POST /destinations/{id}/test", s.page(s.testDestination))
	handle("POST /destinations/{id}/delete", s.page(s.deleteObject("destinations", text("done.deleted"))))
	handle("GET /groups", s.page(s.groups))
	handle("GET /groups/new", s.page(s.groupForm))
	handle("POST /groups/new", s.page(s.saveGroup))
	handle("GET /groups/{id}/edit", s.page(s.groupForm))
	handle("POST /groups/{id}/edit", s.page(s.saveGroup))
	handle("POST /groups/{id}/delete", s.page(s.deleteGroup))
	handle("GET /settings", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/settings/mail", http.StatusSeeOther)
	})
	handle("GET /settings/mail", s.page(s.settingsMail))
	handle("POST /settings/mail", s.page(s.postMail))
	handle("/settings/policy", s.page(s.settingsPolicy))
	handle("/settings/users", s.page(s.settingsUsers))
	handle("GET /settings/audit", s.page(s.settingsAudit))
	handle("/closures", s.page(s.closures))
	handle("/tokens", s.page(s.tokens))
	handle("/exports", s.page(s.exports))
	handle("GET /runs", s.page(s.runs))
	handle("GET /runs/{id}", s.page(s.run))
	handle("POST /runs/{id}/retry", s.page(s.retryRun))
	handle("POST /runs/{id}/ignore", s.page(s.ignoreRun))
	handle("POST /runs/{id}/cancel", s.page(s.cancelRun))
	// Any other path: the UI's own page, which says so in the layout's words.
	m.HandleFunc("/", s.page(func(w http.ResponseWriter, r *http.Request, v view) error {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: text("error.not_found")}
	}))
	return secureHeaders(m), nil
}

// secureHeaders forbids framing, inline scripts and foreign resources.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// loadAssets reads the static files and names each by its content's hash,
// so that a new version is never served from a stale cache.
func (s *Server) loadAssets() error {
	s.assets, s.byName = map[string]asset{}, map[string]string{}
	return fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		url := "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		ct := "text/css; charset=utf-8"
		if strings.HasSuffix(name, ".js") {
			ct = "text/javascript; charset=utf-8"
		}
		s.assets[url], s.byName[name] = asset{b, ct}, url
		return nil
	})
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.body)
}

// loadPages parses each page with the layout.
func (s *Server) loadPages() error {
	funcs := template.FuncMap{
		"t":       text,
		"asset":   func(name string) string { return s.byName[name] },
		"time":    timeTag,
		"timeSec": timeSecTag,
		"timeIn":  timeInTag,
		"bytes":   humanBytes,
		"dur":     humanDuration,
		"pct":     func(part, whole time.Duration) int { return int(100 * part / max(whole, 1)) },
		"list":    func(xs ...string) []string { return xs },
		"chart":   runsChart,
		"inc":     func(i int) int { return i + 1 },
		"mb":      func(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) },
		"deref":   func(p *string) string { return *p },
		"mib":     func(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) },
		"minutes": func(sec int64) string { return strconv.FormatFloat(float64(sec)/60, 'f', -1, 64) },
		// unset shows a schedule's unset limit (0) as an empty field.
		"unset": func(n int64, shown string) string {
			if n == 0 {
				return ""
			}
			return shown
		},
	}
	s.pages = map[string]*template.Template{}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		if path.Base(n) == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("parse %s: %w", n, err)
		}
		s.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return nil
}

// view is what every page template gets.
type view struct {
	Title string
	Me    *facteur.User
	CSRF  string
	Flash string // a message after an action (e.g. "Run 12 queued")
	// FlashLink is the page the message leads to (the run), if any.
	FlashLink string
	Error     string // the API's own words when an action failed
	Section   string // the navigation entry to highlight
	Path      string // the page's path, for the sub-menus to mark it
	Data      any
}

// CanEdit reports whether the account may change reports and schedules.
func (v view) CanEdit() bool { return v.Me != nil && v.Me.Role.AtLeast(facteur.RoleEditor) }

// Owns reports whether the account may change a schedule or its runs
// owned by ownerID: an editor who is its owner, or an administrator. Others
// see them read-only (the API refuses their changes in any case).
func (v view) Owns(ownerID int64) bool {
	return v.CanEdit() && (v.Me.Role == facteur.RoleAdmin || v.Me.ID == ownerID)
}

// IsAdmin reports whether the account administers the server.
func (v view) IsAdmin() bool { return v.Me != nil && v.Me.Role == facteur.RoleAdmin }

func (s *Server) render(w http.ResponseWriter, status int, page string, v view) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "no page "+page, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.Logger.Error("render page", "page", page, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// editor names an editor page: its template, the navigation entry it
// belongs to, and the titles' string keys for a new and an existing object.
type editor struct{ page, section, newTitle, editTitle string }

// renderEditor shows an editor page for the object id (0: a new one) named
// name, with data.
func (s *Server) renderEditor(w http.ResponseWriter, v view, e editor, id int64, name string, data any, status int) error {
	v.Title, v.Section, v.Data = text(e.newTitle), e.section, data
	if id != 0 {
		v.Title = text(e.editTitle, name)
	}
	s.render(w, status, e.page, v)
	return nil
}

// apiError is an API answer that was not a success.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

// call sends a request to the API in process, as the browser's session:
// its cookies, and for a change the CSRF token the page's form carried.
// The answer's JSON goes into out; a failure comes back as *apiError with
// the API's message.
func (s *Server) call(r *http.Request, method, p string, body, out any) error {
	return s.callCSRF(r, "", method, p, body, out)
}

// callCSRF is call with a given CSRF token instead of the form's, for
// requests the UI makes on its own that change nothing (previews).
func (s *Server) callCSRF(r *http.Request, csrf, method, p string, body, out any) error {
	_, err := s.exchange(r, csrf, method, p, body, out)
	return err
}

// list is a GET of a list of the API that also returns the answer's
// headers (its total, its links to other pages).
func (s *Server) list(r *http.Request, p string, out any) (http.Header, error) {
	return s.exchange(r, "", http.MethodGet, p, nil, out)
}

// exchange sends a request to the API in process as call does, and
// returns the answer's headers with its error.
func (s *Server) exchange(r *http.Request, csrf, method, p string, body, out any) (http.Header, error) {
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, p, in)
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = r.RemoteAddr
	req.Header.Set("Content-Type", "application/json")
	for _, c := range r.Cookies() {
		req.AddCookie(c)
	}
	if csrf == "" && method != http.MethodGet {
		csrf = r.PostFormValue("csrf_token")
	}
	req.Header.Set("X-CSRF-Token", csrf)
	rec := newRecorder()
	s.API.ServeHTTP(rec, req)
	if rec.status >= 400 {
		var e apitypes.Error
		json.Unmarshal(rec.body.Bytes(), &e)
		return rec.header, &apiError{Status: rec.status, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil && rec.body.Len() > 0 {
		return rec.header, json.Unmarshal(rec.body.Bytes(), out)
	}
	return rec.header, nil
}

// refusal splits an API answer: a refusal the page shows in the API's words
// with its status, or an error that fails the page. Nil gives ("", 200, nil).
func refusal(err error) (msg string, status int, fail error) {
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		return ae.Message, ae.Status, nil
	}
	return "", http.StatusOK, err
}

// page wraps a page's handler: it finds the account of the session (or
// sends the browser to the login page) and renders failures in the API's
// words.
func (s *Server) page(fn func(w http.ResponseWriter, r *http.Request, v view) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// A page about one object answers only to its canonical id:
		// "/schedules/0/edit" or "/schedules/+1/edit" name no schedule, and
		// saving there must not create one.
		if strings.Contains(r.Pattern, "{id}") {
			if _, ok := facteur.ParseID(r.PathValue("id")); !ok {
				s.render(w, http.StatusNotFound, "error", view{Title: text("error.title"), Error: text("error.bad_id")})
				return
			}
		}
		if status, msg := readForm(w, r); status != 0 {
			s.render(w, status, "error", view{Title: text("error.title"), Error: msg})
			return
		}
		var me apitypes.Session
		if err := s.call(r, "GET", "/api/v1/me", nil, &me); err != nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		v := view{Me: me.User, CSRF: me.CSRFToken, Path: r.URL.Path}
		v.Flash, v.FlashLink = takeFlash(w, r)
		if err := fn(w, r, v); err != nil {
			v.Error = err.Error()
			status := http.StatusInternalServerError
			if ae, ok := err.(*apiError); ok {
				status = ae.Status
			} else {
				s.Logger.Error("page", "path", r.URL.Path, "err", err)
				v.Error = text("error.internal")
			}
			v.Title = text("error.title")
			s.render(w, status, "error", v)
		}
	}
}

// flashCookie carries the message of an action to the page shown next.
// A cookie and not the URL: no other site can make a page of Facteur show
// words of its choosing.
const flashCookie = "facteur_flash"

// maxFlash bounds a flash message in bytes: it often quotes a name the
// user typed, and a cookie must stay far below the 4 KB browsers take.
const maxFlash = 300

// cut returns s, or its first max bytes (whole characters) and "…".
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// redirectWith sends the browser to the page to, which shows msg.
func redirectWith(w http.ResponseWriter, r *http.Request, to, msg string) {
	setFlash(w, r, msg, "")
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// setFlash leaves msg for the next page, as a link to the page link if
// link is not empty.
func setFlash(w http.ResponseWriter, r *http.Request, msg, link string) {
	val := url.Values{"m": {cut(msg, maxFlash)}}
	if link != "" && len(link) <= maxFlash {
		val.Set("l", link)
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(val.Encode()), Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// takeFlash returns the message an action left for this page and the page
// it links to, if any, and clears it.
func takeFlash(w http.ResponseWriter, r *http.Request) (msg, link string) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return "", ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	raw, err := url.QueryUnescape(c.Value)
	if err != nil {
		return "", ""
	}
	val, err := url.ParseQuery(raw)
	if err != nil {
		return "", ""
	}
	if link = val.Get("l"); !localPath(link) {
		link = ""
	}
	return val.Get("m"), link
}

// back sends the browser to the page it came from (or to fallback), with
// a message to show.
func back(w http.ResponseWriter, r *http.Request, fallback, msg string) {
	backLink(w, r, fallback, msg, "")
}

// backLink is back with a message that links to the page link.
func backLink(w http.ResponseWriter, r *http.Request, fallback, msg, link string) {
	to := fallback
	if ref, err := url.Parse(r.Referer()); err == nil && localPath(ref.Path) {
		to = ref.Path
		if ref.RawQuery != "" {
			to += "?" + ref.RawQuery
		}
	}
	setFlash(w, r, msg, link)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// recorder keeps an in-process answer of the API, headers included.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.status = code }

// localPath reports whether p is a path on this site, so that a redirect to
// it cannot leave the site ("//host" and "/\host" are other sites to a
// browser).
func localPath(p string) bool {
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(p, "/") &&
		!strings.HasPrefix(p, "//") && !strings.Contains(p, "\\")
}
