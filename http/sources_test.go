package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/ui"
	"github.com/facteur/facteur/internal/testdb"
)

// sourceBody is the JSON of a source to create or update.
func sourceBody(name, dsn string, accept ...bool) string {
	m := map[string]any{"name": name, "dsn": dsn}
	if len(accept) > 0 {
		m["accept_extra_rights"] = accept[0]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// savedSource is a source as the API answers it.
type savedSource struct {
	ID                int64
	AcceptExtraRights bool `json:"accept_extra_rights"`
	Rights            facteur.SourceRights
}

func decodeSource(t *testing.T, body string) savedSource {
	t.Helper()
	var s savedSource
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return s
}

// acceptances returns the details of the source.accept_extra_rights
// entries of the audit log.
func (e *env) acceptances() []string {
	e.t.Helper()
	list, err := e.db.Audit(context.Background(), facteur.AuditFilter{Action: "source.accept_extra_rights"})
	must(e.t, err)
	var out []string
	for _, a := range list {
		out = append(out, fmt.Sprintf("%s by %s on source %d", a.Detail, a.Actor, a.ObjectID))
	}
	return out
}

// TestSourceExtraRights: a PostgreSQL or MariaDB account that can do more
// than read is refused at save with the list of its rights and the README's
// recipe; a read-only one is saved; an administrator's acceptance saves the
// other, and is audited once.
func TestSourceExtraRights(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	pg, schema, pgAdmin := testdb.PostgresSchema(t, "facteur_http_")
	testdb.Exec(t, pgAdmin, "CREATE TABLE "+schema+".orders (id int)")
	table := "facteur_http_" + testdb.Suffix(t)
	_, my := testdb.MySQL(t, table)
	if _, err := my.Exec("CREATE TABLE " + table + " (id int)"); err != nil {
		t.Fatal(err)
	}
	usage := "GRANT USAGE ON SCHEMA " + schema + " TO {role}"
	for _, c := range []struct {
		name, dsn string
		refused   []string // the rights the refusal lists; none for a reader
	}{
		{"postgres superuser", pg, []string{"superuser"}},
		{"pg_read_server_files", testdb.PostgresRole(t, pg, "GRANT pg_read_server_files TO {role}"), []string{"member of pg_read_server_files (reads the server's files)"}},
		{"postgres table write", testdb.PostgresRole(t, pg, usage, "GRANT SELECT, UPDATE ON "+schema+".orders TO {role}"), []string{"UPDATE on " + schema + ".orders"}},
		{"postgres reader", testdb.PostgresReader(t, pg), nil},
		{"mariadb FILE", testdb.MySQLUser(t, "GRANT FILE ON *.* TO {user}", "GRANT SELECT ON test.* TO {user}"), []string{"FILE on *.* (reads and writes the server's files)"}},
		{"mariadb INSERT", testdb.MySQLUser(t, "GRANT SELECT ON test.* TO {user}", "GRANT INSERT ON test."+table+" TO {user}"), []string{"INSERT on test." + table}},
		{"mariadb reader", testdb.MySQLUser(t, "GRANT SELECT ON test.* TO {user}"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.acceptances())
			st, body := e.do(admin, "POST", "/api/v1/sources", sourceBody(c.name, c.dsn))
			if c.refused == nil {
				s := decodeSource(t, body)
				if st != 201 || len(s.Rights.Extra) != 0 || s.Rights.CheckedAt.IsZero() {
					t.Fatalf("reader: %d %s", st, body)
				}
				return
			}
			var refusal fhttpError
			json.Unmarshal([]byte(body), &refusal)
			msg := refusal.Error.Message
			if st != 400 || !strings.Contains(msg, "can do more than read") || !strings.Contains(msg, "README") {
				t.Fatalf("refusal: %d %s", st, body)
			}
			listed := msg[strings.Index(msg, "use it: ")+len("use it: ") : strings.Index(msg, ". Give Facteur")]
			if !strings.HasPrefix(listed, c.refused[0]) || len(strings.Split(listed, "; ")) != len(c.refused) {
				t.Errorf("the refusal lists %q, want %q", listed, c.refused)
			}
			if n := len(e.acceptances()); n != before {
				t.Errorf("a refusal was audited as an acceptance")
			}

			// Accepted by an administrator: saved, shown, audited once.
			st, body = e.do(admin, "POST", "/api/v1/sources", sourceBody(c.name, c.dsn, true))
			s := decodeSource(t, body)
			if st != 201 || !s.AcceptExtraRights || len(s.Rights.Extra) != len(c.refused) || !strings.HasPrefix(s.Rights.Extra[0], c.refused[0]) {
				t.Fatalf("accepted: %d %s", st, body)
			}
			got := e.acceptances()
			want := fmt.Sprintf("%s: %s by admin@example.org on source %d", c.name, strings.Join(s.Rights.Extra, "; "), s.ID)
			if len(got) != before+1 || got[0] != want {
				t.Errorf("audit: %q, want first %q", got, want)
			}
			// Saving it again accepts nothing new.
			if st, body := e.do(admin, "PUT", fmt.Sprintf("/api/v1/sources/%d", s.ID), sourceBody(c.name+" renamed", "")); st != 200 {
				t.Fatalf("rename: %d %s", st, body)
			}
			if n := len(e.acceptances()); n != before+1 {
				t.Errorf("a rename added an acceptance: %d entries", n)
			}
			st, body = e.do(admin, "POST", fmt.Sprintf("/api/v1/sources/%d/test", s.ID), "")
			if st != 200 || !strings.Contains(body, "which an administrator accepted") {
				t.Errorf("test of the accepted source: %d %s", st, body)
			}
		})
	}
}

// fhttpError is the body of a failed API call.
type fhttpError struct {
	Error struct{ Code, Message string }
}

// TestSourceRightsAtTest: a grant added after the save is found by the
// next Test, which fails, keeps the finding for the list, and passes
// once an administrator accepts it; another DSN needs a new acceptance.
func TestSourceRightsAtTest(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	pg, schema, pgAdmin := testdb.PostgresSchema(t, "facteur_http_")
	testdb.Exec(t, pgAdmin, "CREATE TABLE "+schema+".orders (id int)")
	var role string
	dsn := testdb.PostgresRole(t, pg, "GRANT USAGE ON SCHEMA "+schema+" TO {role}", "GRANT SELECT ON "+schema+".orders TO {role}")
	role = dsn[strings.Index(dsn, "facteur_role_"):strings.Index(dsn, "@")]
	st, body := e.do(admin, "POST", "/api/v1/sources", sourceBody("crm", dsn))
	if st != 201 {
		t.Fatalf("reader: %d %s", st, body)
	}
	s := decodeSource(t, body)
	path := fmt.Sprintf("/api/v1/sources/%d", s.ID)
	if st, body := e.do(admin, "POST", path+"/test", ""); st != 200 || !strings.Contains(body, `"message": "Connected."`) {
		t.Fatalf("test of a reader: %d %s", st, body)
	}

	testdb.Exec(t, pgAdmin, "GRANT DELETE ON "+schema+".orders TO "+role)
	st, body = e.do(admin, "POST", path+"/test", "")
	if st != 400 || !strings.Contains(body, "DELETE on "+schema+".orders") {
		t.Fatalf("test after a grant: %d %s", st, body)
	}
	_, body = e.do(admin, "GET", path, "")
	if got := decodeSource(t, body); len(got.Rights.Extra) != 1 || got.AcceptExtraRights {
		t.Fatalf("the finding was not kept: %s", body)
	}
	if st, body := e.do(admin, "PUT", path, `{"name":"crm","dsn":"","accept_extra_rights":true}`); st != 200 {
		t.Fatalf("accept: %d %s", st, body)
	}
	if st, body := e.do(admin, "POST", path+"/test", ""); st != 200 {
		t.Fatalf("test once accepted: %d %s", st, body)
	}
	if got := e.acceptances(); len(got) != 1 || !strings.Contains(got[0], "DELETE on "+schema+".orders") {
		t.Errorf("audit: %q", got)
	}
	// Another account: the acceptance does not carry over.
	if st, body := e.do(admin, "PUT", path, sourceBody("crm", pg)); st != 400 || !strings.Contains(body, "superuser") {
		t.Errorf("superuser DSN on an accepted source: %d %s", st, body)
	}
	// An editor cannot accept (sources are the administrators').
	if st, _ := e.do(e.tokens[facteur.RoleEditor], "PUT", path, `{"name":"crm","dsn":"","accept_extra_rights":true}`); st != 403 {
		t.Errorf("editor: %d", st)
	}
}

// TestSourceUnreachableAtSave: a database that cannot be reached at save
// is saved as before, marked unchecked with the reason; its Test fails.
func TestSourceUnreachableAtSave(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	st, body := e.do(admin, "POST", "/api/v1/sources", sourceBody("down", "postgres://reader:pw@127.0.0.1:1/db"))
	s := decodeSource(t, body)
	if st != 201 || s.Rights.Unchecked == "" || !s.Rights.CheckedAt.IsZero() {
		t.Fatalf("unreachable at save: %d %s", st, body)
	}
	if st, body := e.do(admin, "POST", fmt.Sprintf("/api/v1/sources/%d/test", s.ID), ""); st != 502 {
		t.Errorf("test: %d %s", st, body)
	}
}

// TestSourceRightsPages: the sources list and the source form show the
// rights of an accepted account, and the form offers the acceptance and
// the SQL of a read-only account.
func TestSourceRightsPages(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[facteur.RoleAdmin]
	dsn := testdb.MySQLUser(t, "GRANT FILE ON *.* TO {user}", "GRANT SELECT ON test.* TO {user}")
	st, body := e.do(admin, "POST", "/api/v1/sources", sourceBody("files", dsn, true))
	if st != 201 {
		t.Fatalf("accepted: %d %s", st, body)
	}
	s := decodeSource(t, body)
	page := uiPages(t, e)
	list := page("/sources")
	if !strings.Contains(list, `data-rights="accepted">Can do more than read (accepted): FILE on *.* (reads and writes the server&#39;s files)</p>`) {
		t.Errorf("the list does not warn:\n%s", list)
	}
	form := page(fmt.Sprintf("/sources/%d/edit", s.ID))
	for _, want := range []string{
		`data-rights="accepted"`, "<li>FILE on *.* (reads and writes the server&#39;s files)</li>",
		`<input type="checkbox" name="accept_extra_rights" value="1" checked>`, "I accept that report authors can use this account&#39;s extra rights",
		"GRANT SELECT ON db.* TO 'facteur_reader'@'%';", "GRANT pg_read_all_data TO facteur_reader",
	} {
		if !strings.Contains(form, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	if strings.Contains(page("/sources/new"), "data-rights") {
		t.Error("a new source's form warns")
	}
}

// uiPages returns a function that gets a page of the web UI, built on
// e's API, as the logged-in administrator.
func uiPages(t *testing.T, e *env) func(path string) string {
	t.Helper()
	h, err := (&ui.Server{API: e.api.Handler(), Kinds: e.kinds}).Handler()
	must(t, err)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"email":"admin@example.org","password":"password of admin@example.org"}`))
	req.Header.Set("Content-Type", "application/json")
	e.api.Handler().ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if rec.Code != 200 || len(cookies) == 0 {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	return func(path string) string {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, b)
		}
		return string(b)
	}
}
