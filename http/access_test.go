package http_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"golang.org/x/crypto/bcrypt"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/format"
	fhttp "github.com/facteur/facteur/http"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/source"
	"github.com/facteur/facteur/store"
	"github.com/facteur/facteur/store/storetest"
)

// wantRoutes is the permission matrix: every route of the API and the
// least role it needs ("" for the routes that need no account). A route
// added without a line here fails TestPermissionMatrix.
var wantRoutes = map[string]facteur.Role{
	"GET /healthz":                             "",
	"GET /readyz":                              "",
	"GET /api/v1/version":                      "",
	"POST /api/v1/login":                       "",
	"GET /download/{rest...}":                  "",
	"GET /api/v1/settings/mail/oauth/callback": "",

	"POST /api/v1/logout":                  facteur.RoleViewer,
	"GET /api/v1/me":                       facteur.RoleViewer,
	"PUT /api/v1/me/password":              facteur.RoleViewer,
	"GET /api/v1/tokens":                   facteur.RoleViewer,
	"POST /api/v1/tokens":                  facteur.RoleViewer,
	"DELETE /api/v1/tokens/{id}":           facteur.RoleViewer,
	"GET /api/v1/sources":                  facteur.RoleViewer,
	"GET /api/v1/sources/{id}":             facteur.RoleViewer,
	"GET /api/v1/reports":                  facteur.RoleViewer,
	"GET /api/v1/reports/{id}":             facteur.RoleViewer,
	"GET /api/v1/destinations":             facteur.RoleViewer,
	"GET /api/v1/destinations/{id}":        facteur.RoleViewer,
	"GET /api/v1/schedules":                facteur.RoleViewer,
	"GET /api/v1/schedules/{id}":           facteur.RoleViewer,
	"GET /api/v1/schedules/{id}/next":      facteur.RoleViewer,
	"POST /api/v1/calendar/preview":        facteur.RoleViewer,
	"GET /api/v1/formats":                  facteur.RoleViewer,
	"POST /api/v1/file-name/preview":       facteur.RoleViewer,
	"GET /api/v1/runs":                     facteur.RoleViewer,
	"GET /api/v1/runs/{id}":                facteur.RoleViewer,
	"GET /api/v1/recipient-groups":         facteur.RoleViewer,
	"GET /api/v1/recipient-groups/{id}":    facteur.RoleViewer,
	"GET /api/v1/regions":                  facteur.RoleViewer,
	"GET /api/v1/closures":                 facteur.RoleViewer,
	"POST /api/v1/closures":                facteur.RoleAdmin,
	"GET /api/v1/closures/{id}":            facteur.RoleViewer,
	"PUT /api/v1/closures/{id}":            facteur.RoleAdmin,
	"DELETE /api/v1/closures/{id}":         facteur.RoleAdmin,
	"GET /api/v1/schedules/{id}/watermark": facteur.RoleViewer,

	"POST /api/v1/reports":                 facteur.RoleEditor,
	"PUT /api/v1/reports/{id}":             facteur.RoleEditor,
	"DELETE /api/v1/reports/{id}":          facteur.RoleEditor,
	"POST /api/v1/reports/{id}/duplicate":  facteur.RoleEditor,
	"GET /api/v1/reports/{id}/preview":     facteur.RoleEditor,
	"POST /api/v1/destinations":            facteur.RoleEditor,
	"PUT /api/v1/destinations/{id}":        facteur.RoleEditor,
	"DELETE /api/v1/destinations/{id}":     facteur.RoleEditor,
	"POST /api/v1/destinations/{id}/test":  facteur.RoleEditor,
	"POST /api/v1/schedules":               facteur.RoleEditor,
	"PUT /api/v1/schedules/{id}":           facteur.RoleEditor,
	"DELETE /api/v1/schedules/{id}":        facteur.RoleEditor,
	"POST /api/v1/schedules/{id}/run":      facteur.RoleEditor,
	"POST /api/v1/schedules/{id}/pause":    facteur.RoleEditor,
	"POST /api/v1/schedules/{id}/resume":   facteur.RoleEditor,
	"POST /api/v1/schedules/{id}/test":     facteur.RoleEditor,
	"PUT /api/v1/schedules/{id}/owner":     facteur.RoleAdmin,
	"PUT /api/v1/schedules/{id}/watermark": facteur.RoleAdmin,
	"POST /api/v1/runs/{id}/retry":         facteur.RoleEditor,
	"POST /api/v1/runs/{id}/ignore":        facteur.RoleEditor,
	"POST /api/v1/runs/{id}/cancel":        facteur.RoleEditor,
	"GET /api/v1/runs/{id}/download":       facteur.RoleEditor,
	"GET /api/v1/exports":                  facteur.RoleEditor,
	"POST /api/v1/exports":                 facteur.RoleEditor,
	"POST /api/v1/recipient-groups":        facteur.RoleEditor,
	"PUT /api/v1/recipient-groups/{id}":    facteur.RoleEditor,
	"DELETE /api/v1/recipient-groups/{id}": facteur.RoleEditor,

	"GET /api/v1/users":                          facteur.RoleAdmin,
	"POST /api/v1/users":                         facteur.RoleAdmin,
	"GET /api/v1/users/{id}":                     facteur.RoleAdmin,
	"PUT /api/v1/users/{id}":                     facteur.RoleAdmin,
	"GET /api/v1/audit":                          facteur.RoleAdmin,
	"POST /api/v1/sources":                       facteur.RoleAdmin,
	"PUT /api/v1/sources/{id}":                   facteur.RoleAdmin,
	"DELETE /api/v1/sources/{id}":                facteur.RoleAdmin,
	"POST /api/v1/sources/{id}/test":             facteur.RoleAdmin,
	"GET /api/v1/settings/mail":                  facteur.RoleAdmin,
	"PUT /api/v1/settings/mail":                  facteur.RoleAdmin,
	"POST /api/v1/settings/mail/test":            facteur.RoleAdmin,
	"POST /api/v1/settings/mail/oauth/authorize": facteur.RoleAdmin,
	"POST /api/v1/settings/mail/oauth/device":    facteur.RoleAdmin,
	"GET /api/v1/settings/mail/oauth/device":     facteur.RoleAdmin,
	"GET /api/v1/settings/policy":                facteur.RoleAdmin,
	"PUT /api/v1/settings/policy":                facteur.RoleAdmin,
}

// env is a real API on a real SQLite store and job queue, with one account
// of each role (all in example.org, the approved domain) and their tokens.
type env struct {
	t      *testing.T
	db     *store.DB
	api    *fhttp.Server
	srv    *httptest.Server
	users  map[facteur.Role]*facteur.User
	tokens map[facteur.Role]string
	// a second editor and a second file scheduler, to check visibility
	// and ownership
	otherEditor, otherFiler string
	other                   *facteur.User // the second editor
	dir                     string
	src                     *facteur.Source
	report                  *facteur.Report
	folder, email, sftp     *facteur.Destination
	shared, private         *facteur.Schedule // a folder schedule, the file scheduler's SFTP schedule
	sharedRun, privateRun   *facteur.Run
	runner                  *export.Runner
	// kinds are the destination kinds the API, the runner and the access
	// rules read.
	kinds *deliver.Registry
}

func newEnv(t *testing.T, extraKinds ...deliver.Kind) *env {
	t.Helper()
	return newEnvWith(t, format.Builtin(), extraKinds...)
}

// newEnvWith is newEnv with the formats the runner and the API read.
func newEnvWith(t *testing.T, formats *format.Registry, extraKinds ...deliver.Kind) *env {
	t.Helper()
	auth.Cost = bcrypt.MinCost
	ctx := context.Background()
	cfg := storetest.SQLite(t)
	cfg.Formats = formats // the store checks schedules with the API's formats
	db := storetest.Open(t, cfg)
	e := &env{t: t, db: db, users: map[facteur.Role]*facteur.User{}, tokens: map[facteur.Role]string{}, dir: t.TempDir(), kinds: kinds.Builtin()}
	for _, k := range extraKinds {
		must(t, e.kinds.Register(k))
	}
	for _, r := range facteur.Roles {
		e.users[r], e.tokens[r] = e.account(string(r)+"@example.org", r)
	}
	e.other, e.otherEditor = e.account("editor2@example.org", facteur.RoleEditor)
	_, e.otherFiler = e.account("filer2@example.org", facteur.RoleFileScheduler)

	srcPath := filepath.Join(e.dir, "src.db")
	sdb, err := sql.Open("sqlite", srcPath)
	must(t, err)
	_, err = sdb.Exec("CREATE TABLE items (id INTEGER, label TEXT); INSERT INTO items VALUES (1, 'a'), (2, 'b')")
	must(t, err)
	sdb.Close()
	admin := e.users[facteur.RoleAdmin]
	e.src = &facteur.Source{Name: "src", DSN: "sqlite:" + srcPath, OwnerID: admin.ID}
	must(t, db.CreateSource(ctx, e.src))
	e.report = &facteur.Report{Name: "items", SourceID: e.src.ID, Table: "items", Fields: []facteur.Field{{Name: "id"}, {Name: "label"}}, OwnerID: admin.ID}
	must(t, db.CreateReport(ctx, e.report))
	e.folder = &facteur.Destination{Name: "folder", Kind: facteur.DestinationFolder, Config: jsonOf(map[string]any{"path": e.dir}), OwnerID: admin.ID}
	must(t, db.CreateDestination(ctx, e.folder))
	e.email = &facteur.Destination{Name: "mail", Kind: facteur.DestinationEmail, Config: jsonOf(map[string]any{"to": []string{"partner@example.org"}}), OwnerID: admin.ID}
	must(t, db.CreateDestination(ctx, e.email))
	filer := e.users[facteur.RoleFileScheduler]
	e.sftp = &facteur.Destination{Name: "partner sftp", Kind: facteur.DestinationSFTP, OwnerID: filer.ID,
		Config: jsonOf(map[string]any{"host": "127.0.0.1", "port": 1, "user": "u", "password": "p", "directory": "/in"})}
	must(t, db.CreateDestination(ctx, e.sftp))
	e.shared = e.schedule(admin, e.folder)
	e.private = e.schedule(filer, e.sftp)
	e.sharedRun = e.run(e.shared)
	e.privateRun = e.run(e.private)
	must(t, db.PutSetting(ctx, facteur.PolicyKey, jsonOf(map[string]any{"allowed_email_domains": []string{"example.org"}})))

	runner := &export.Runner{Store: db, Spool: filepath.Join(e.dir, "spool"), Formats: formats,
		OpenSource: func(ctx context.Context, s *facteur.Source) (facteur.Querier, error) {
			return source.Open(ctx, s.DSN, source.Options{})
		},
		Deliverer: func(d *facteur.Destination) (facteur.Deliverer, error) { return e.kinds.Open(d, deliver.Env{}) },
		Kinds:     e.kinds,
		Authorize: func(ctx context.Context, run *facteur.Run, d *facteur.Destination) error {
			return auth.RunAsOwner(ctx, db, e.kinds, run, d)
		},
	}
	q, err := queue.New(riversqlite.New(db.SQL()), db, runner, queue.Config{})
	must(t, err)
	e.runner = runner
	e.api = &fhttp.Server{
		Store: db, Runs: q, Formats: formats,
		OpenSource: func(ctx context.Context, dsn string) (facteur.Querier, error) {
			return source.Open(ctx, dsn, source.Options{})
		},
		Deliverer: func(d *facteur.Destination) (facteur.Deliverer, error) { return e.kinds.Open(d, deliver.Env{}) },
		Kinds:     e.kinds,
		Mail:      &mail.Service{Store: db},
		PublicURL: "http://facteur.test",
	}
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// account creates an active account with a password and an API token.
func (e *env) account(email string, role facteur.Role) (*facteur.User, string) {
	e.t.Helper()
	hash, err := auth.HashPassword("password of " + email)
	must(e.t, err)
	u := &facteur.User{Email: email, Role: role, Active: true, PasswordHash: hash}
	must(e.t, e.db.CreateUser(context.Background(), u))
	secret, h := auth.NewToken()
	must(e.t, e.db.CreateToken(context.Background(), &facteur.Token{UserID: u.ID, Name: "test", Prefix: secret[:10], Hash: h}))
	return u, secret
}

func (e *env) schedule(owner *facteur.User, d *facteur.Destination) *facteur.Schedule {
	e.t.Helper()
	sc := &facteur.Schedule{Name: "items to " + d.Name, ReportID: e.report.ID, DestinationID: d.ID, OwnerID: owner.ID,
		Calendar: facteur.Calendar{Frequency: facteur.Daily, At: "06:00", TimeZone: "UTC"}}
	sc.SetDefaults()
	must(e.t, e.db.CreateSchedule(context.Background(), sc))
	return sc
}

// run records a finished run of sc, as the history holds it.
func (e *env) run(sc *facteur.Schedule) *facteur.Run {
	e.t.Helper()
	r := &facteur.Run{ScheduleID: sc.ID, ReportID: sc.ReportID, DestinationID: sc.DestinationID, OwnerID: sc.OwnerID,
		Trigger: facteur.TriggerManual, Status: facteur.RunQueued}
	must(e.t, e.db.CreateRun(context.Background(), r))
	r.Status, r.Error = facteur.RunFailed, "connection refused"
	must(e.t, e.db.UpdateRun(context.Background(), r))
	return r
}

// do sends a request with a token ("" for none) and returns the status and
// body.
func (e *env) do(token, method, path, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	must(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// target returns the path and body with which role calls a route: ids of
// objects every role may see, fresh objects for deletions, reports,
// schedules and runs owned by owner (nil: the caller, or the
// administrator for a caller who may own none), and bodies that the
// role's own rights make valid.
func (e *env) target(rt fhttp.Route, role facteur.Role, owner *facteur.User) (string, string) {
	e.t.Helper()
	ctx := context.Background()
	admin := e.users[facteur.RoleAdmin]
	if owner == nil {
		owner = admin
		if role.AtLeast(facteur.RoleEditor) {
			owner = e.users[role]
		}
	}
	owned := rt.Method != "GET" || strings.HasSuffix(rt.Path, "/download")
	path := rt.Path
	id := func(n int64) { path = strings.Replace(path, "{id}", fmt.Sprint(n), 1) }
	del := rt.Method == "DELETE"
	var body string
	switch {
	case strings.HasPrefix(rt.Path, "/api/v1/tokens/"):
		secret, h := auth.NewToken()
		tok := &facteur.Token{UserID: admin.ID, Name: "to delete", Prefix: secret[:10], Hash: h}
		if role != "" {
			tok.UserID = e.users[role].ID
		}
		must(e.t, e.db.CreateToken(ctx, tok))
		id(tok.ID)
	case strings.HasPrefix(rt.Path, "/api/v1/users/"):
		id(e.users[facteur.RoleViewer].ID)
		body = `{"name":"Viewer"}`
	case strings.HasPrefix(rt.Path, "/api/v1/sources/"):
		if del {
			s := &facteur.Source{Name: "gone", DSN: e.src.DSN, OwnerID: admin.ID}
			must(e.t, e.db.CreateSource(ctx, s))
			id(s.ID)
		} else {
			id(e.src.ID)
		}
		body = `{"name":"src","dsn":""}`
	case strings.HasPrefix(rt.Path, "/api/v1/reports/"):
		if owned {
			r := *e.report
			r.ID, r.OwnerID = 0, owner.ID
			must(e.t, e.db.CreateReport(ctx, &r))
			id(r.ID)
		} else {
			id(e.report.ID)
		}
		body = fmt.Sprintf(`{"name":"items","source_id":%d,"table":"items","fields":[{"name":"id"},{"name":"label"}]}`, e.src.ID)
	case strings.HasPrefix(rt.Path, "/api/v1/destinations/"):
		if del {
			d := *e.email
			d.ID = 0
			must(e.t, e.db.CreateDestination(ctx, &d))
			id(d.ID)
		} else {
			id(e.email.ID)
		}
		body = `{"name":"mail","kind":"email","config":{"to":["partner@example.org"]}}`
	case strings.HasPrefix(rt.Path, "/api/v1/schedules/"):
		if owned {
			id(e.schedule(owner, e.email).ID)
		} else {
			id(e.shared.ID)
		}
		body = fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"}}`, e.report.ID, e.email.ID)
		if strings.HasSuffix(rt.Path, "/owner") {
			body = fmt.Sprintf(`{"owner_id":%d}`, owner.ID)
		}
		if strings.HasSuffix(rt.Path, "/watermark") {
			body = `{"at":"2026-01-01"}`
		}
	case strings.HasPrefix(rt.Path, "/api/v1/closures/"):
		l := &facteur.ClosureList{Name: "closures " + auth.NewSecret(4)}
		must(e.t, e.db.CreateClosureList(ctx, l))
		id(l.ID)
		body = `{"name":"renamed ` + auth.NewSecret(4) + `","days":[{"from":"2026-12-24","to":"2026-12-31"}]}`
	case strings.HasPrefix(rt.Path, "/api/v1/runs/"):
		if owned {
			id(e.run(e.schedule(owner, e.email)).ID)
		} else {
			id(e.sharedRun.ID)
		}
	case strings.HasPrefix(rt.Path, "/api/v1/recipient-groups/"):
		g := &facteur.RecipientGroup{Name: "group " + auth.NewSecret(4), Addresses: []string{"team@example.org"}, OwnerID: owner.ID}
		must(e.t, e.db.CreateRecipientGroup(ctx, g))
		id(g.ID)
		body = `{"name":"team ` + auth.NewSecret(4) + `","addresses":["team@example.org"]}`
	case rt.Path == "/api/v1/recipient-groups":
		body = `{"name":"new team ` + auth.NewSecret(4) + `","addresses":["team@example.org"]}`
	case rt.Path == "/api/v1/sources":
		body = fmt.Sprintf(`{"name":"another","dsn":%q}`, e.src.DSN)
	case rt.Path == "/api/v1/reports":
		body = fmt.Sprintf(`{"name":"more items","source_id":%d,"table":"items","fields":[{"name":"id"}]}`, e.src.ID)
	case rt.Path == "/api/v1/destinations":
		body = `{"name":"partner mail","kind":"email","config":{"to":["partner@example.org"]}}`
	case rt.Path == "/api/v1/schedules":
		body = fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"}}`, e.report.ID, e.email.ID)
	case rt.Path == "/api/v1/closures":
		body = `{"name":"Office closures ` + auth.NewSecret(4) + `","days":[{"from":"2026-12-24","to":"2026-12-31","label":"Christmas break"}]}`
	case rt.Path == "/api/v1/users":
		body = fmt.Sprintf(`{"email":"new-%s@example.org","role":"viewer","password":"a long enough password"}`, auth.NewSecret(4))
	case rt.Path == "/api/v1/tokens":
		body = `{"name":"script"}`
	case rt.Path == "/api/v1/login":
		body = `{"email":"viewer@example.org","password":"password of viewer@example.org"}`
	case rt.Path == "/api/v1/me/password":
		body = `{"current_password":"wrong","new_password":"a long enough password"}`
	case rt.Path == "/api/v1/exports":
		body = fmt.Sprintf(`{"report_id":%d,"format":{"format":"csv"}}`, e.report.ID)
	case rt.Path == "/api/v1/file-name/preview":
		body = fmt.Sprintf(`{"file_name":"{export_name}-{year}.{ext}","report_id":%d,"format":"csv","time_zone":"Europe/Paris"}`, e.report.ID)
	case rt.Path == "/api/v1/calendar/preview":
		body = `{"frequency":"daily","at":"06:00","time_zone":"Europe/Paris"}`
	case rt.Path == "/api/v1/settings/policy":
		body = `{"allowed_email_domains":["example.org"]}`
	case rt.Path == "/api/v1/settings/mail":
		body = `{"host":"127.0.0.1","port":1,"from":"facteur@example.org"}`
	case rt.Path == "/api/v1/settings/mail/test":
		body = `{"to":"admin@example.org"}`
	}
	if body == "" && rt.Method != "GET" {
		body = "{}"
	}
	path = strings.Replace(path, "{rest...}", "1/2/3", 1)
	return path, body
}

// TestPermissionMatrix calls every route as every role and without an
// account: below the route's role the answer is 403 (401 without an
// account); at or above it, never 401 or 403.
func TestPermissionMatrix(t *testing.T) {
	e := newEnv(t)
	routes := e.api.Routes()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		want, ok := wantRoutes[key]
		if !ok {
			t.Errorf("route %s is not in the permission matrix of this test", key)
			continue
		}
		if rt.Need != want {
			t.Errorf("%s needs %q, the matrix says %q", key, rt.Need, want)
		}
	}
	for key := range wantRoutes {
		if !seen[key] {
			t.Errorf("the matrix lists %s, which the API does not serve", key)
		}
	}
	checked, allowed := 0, map[int]int{}
	for _, rt := range routes {
		for _, role := range append([]facteur.Role{""}, facteur.Roles...) {
			path, body := e.target(rt, role, nil)
			status, answer := e.do(e.tokens[role], rt.Method, path, body)
			checked++
			name := string(role)
			if role == "" {
				name = "no account"
			}
			switch {
			case rt.Need == "":
				if status == 401 || status == 403 {
					t.Errorf("%s %s as %s: %d, want the public route to answer: %s", rt.Method, path, name, status, answer)
				}
			case role == "":
				if status != 401 || !strings.Contains(answer, `"unauthenticated"`) {
					t.Errorf("%s %s without an account: %d, want 401: %s", rt.Method, path, status, answer)
				}
			case !role.AtLeast(rt.Need):
				if status != 403 || !strings.Contains(answer, "needs the "+string(rt.Need)+" role") {
					t.Errorf("%s %s as %s: %d, want 403: %s", rt.Method, path, name, status, answer)
				}
			default:
				allowed[status]++
				if status == 401 || status == 403 {
					t.Errorf("%s %s as %s: %d, want it allowed: %s", rt.Method, path, name, status, answer)
				}
			}
		}
	}
	t.Logf("%d routes × %d callers (no account and %d roles): %d requests checked; statuses of the allowed ones: %v", len(routes), len(facteur.Roles)+1, len(facteur.Roles), checked, allowed)

	// Two more callers on the editor's own reports, schedules and runs:
	// another editor, who may see them but not change them (a schedule
	// runs with its owner's rights), and an administrator, who may.
	owner := e.users[facteur.RoleEditor]
	for _, c := range []struct {
		name  string
		role  facteur.Role
		token string
	}{{"other editor", facteur.RoleEditor, e.otherEditor}, {"admin", facteur.RoleAdmin, e.tokens[facteur.RoleAdmin]}} {
		for _, rt := range routes {
			if rt.Need == "" {
				continue
			}
			path, body := e.target(rt, c.role, owner)
			status, answer := e.do(c.token, rt.Method, path, body)
			key := rt.Method + " " + rt.Path
			switch {
			case !c.role.AtLeast(rt.Need):
				if status != 403 || !strings.Contains(answer, "needs the "+string(rt.Need)+" role; editor2@example.org is an editor") {
					t.Errorf("%s %s as %s: %d, want 403: %s", rt.Method, path, c.name, status, answer)
				}
			case ownerOnly[key] && c.role != facteur.RoleAdmin:
				if status != 403 || !strings.Contains(answer, "belongs to editor@example.org; only its owner or an administrator can") {
					t.Errorf("%s %s as %s: %d, want 403 naming the owner: %s", rt.Method, path, c.name, status, answer)
				}
			default:
				if status == 401 || status == 403 {
					t.Errorf("%s %s as %s: %d, want it allowed: %s", rt.Method, path, c.name, status, answer)
				}
			}
		}
	}
}

// ownerOnly lists the routes that change a report, a schedule or its runs:
// only the owner and administrators may call them (G4).
var ownerOnly = map[string]bool{
	"PUT /api/v1/reports/{id}":             true,
	"DELETE /api/v1/reports/{id}":          true,
	"PUT /api/v1/schedules/{id}":           true,
	"DELETE /api/v1/schedules/{id}":        true,
	"POST /api/v1/schedules/{id}/run":      true,
	"POST /api/v1/schedules/{id}/pause":    true,
	"POST /api/v1/schedules/{id}/resume":   true,
	"POST /api/v1/schedules/{id}/test":     true,
	"POST /api/v1/runs/{id}/retry":         true,
	"POST /api/v1/runs/{id}/ignore":        true,
	"POST /api/v1/runs/{id}/cancel":        true,
	"GET /api/v1/runs/{id}/download":       true,
	"PUT /api/v1/recipient-groups/{id}":    true,
	"DELETE /api/v1/recipient-groups/{id}": true,
}

// TestFileStorageVisibility: SFTP, S3 and webhook destinations, their
// schedules and runs are visible only to their owner and administrators;
// others get "not found" and do not see them in lists. Editors may not
// create them at all.
func TestFileStorageVisibility(t *testing.T) {
	e := newEnv(t)
	private := []string{
		fmt.Sprintf("/api/v1/destinations/%d", e.sftp.ID),
		fmt.Sprintf("/api/v1/schedules/%d", e.private.ID),
		fmt.Sprintf("/api/v1/schedules/%d/next", e.private.ID),
		fmt.Sprintf("/api/v1/runs/%d", e.privateRun.ID),
	}
	for _, tok := range []string{e.tokens[facteur.RoleViewer], e.tokens[facteur.RoleEditor], e.otherFiler} {
		for _, p := range private {
			if st, body := e.do(tok, "GET", p, ""); st != 404 {
				t.Errorf("GET %s by another account: %d %s", p, st, body)
			}
		}
		for _, w := range []struct{ method, path string }{
			{"POST", fmt.Sprintf("/api/v1/schedules/%d/run", e.private.ID)},
			{"DELETE", fmt.Sprintf("/api/v1/schedules/%d", e.private.ID)},
			{"POST", fmt.Sprintf("/api/v1/runs/%d/retry", e.privateRun.ID)},
			{"GET", fmt.Sprintf("/api/v1/runs/%d/download", e.privateRun.ID)},
			{"DELETE", fmt.Sprintf("/api/v1/destinations/%d", e.sftp.ID)},
			{"POST", fmt.Sprintf("/api/v1/destinations/%d/test", e.sftp.ID)},
		} {
			if st, body := e.do(tok, w.method, w.path, "{}"); st != 404 && st != 403 {
				t.Errorf("%s %s by another account: %d %s", w.method, w.path, st, body)
			}
		}
		for _, list := range []string{"/api/v1/destinations", "/api/v1/schedules", "/api/v1/runs"} {
			_, body := e.do(tok, "GET", list, "")
			if strings.Contains(body, "partner sftp") || strings.Contains(body, fmt.Sprintf(`"id": %d,`+"\n"+`  "schedule_id": %d`, e.privateRun.ID, e.private.ID)) {
				t.Errorf("GET %s shows the file scheduler's SFTP objects to another account: %s", list, body)
			}
			var items []map[string]any
			must(t, json.Unmarshal([]byte(body), &items))
			for _, it := range items {
				if it["kind"] == "sftp" || it["destination_id"] == float64(e.sftp.ID) {
					t.Errorf("GET %s shows %v to another account", list, it)
				}
			}
		}
	}
	for _, tok := range []string{e.tokens[facteur.RoleFileScheduler], e.tokens[facteur.RoleAdmin]} {
		for _, p := range private {
			if st, body := e.do(tok, "GET", p, ""); st != 200 {
				t.Errorf("GET %s by the owner or an administrator: %d %s", p, st, body)
			}
		}
	}
	// An editor may not create or schedule to file storage, nor a folder.
	sftp := `{"name":"x","kind":"sftp","config":{"host":"127.0.0.1","user":"u","password":"p","directory":"/in"}}`
	if st, body := e.do(e.tokens[facteur.RoleEditor], "POST", "/api/v1/destinations", sftp); st != 403 || !strings.Contains(body, "sftp destinations need the file_scheduler role") {
		t.Errorf("editor creates an SFTP destination: %d %s", st, body)
	}
	folder := fmt.Sprintf(`{"name":"x","kind":"folder","config":{"path":%q}}`, e.dir)
	if st, body := e.do(e.tokens[facteur.RoleFileScheduler], "POST", "/api/v1/destinations", folder); st != 403 || !strings.Contains(body, "folder destinations need the admin role") {
		t.Errorf("file scheduler creates a folder destination: %d %s", st, body)
	}
	sched := fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"}}`, e.report.ID, e.folder.ID)
	if st, body := e.do(e.tokens[facteur.RoleEditor], "POST", "/api/v1/schedules", sched); st != 403 {
		t.Errorf("editor schedules to a folder: %d %s", st, body)
	}
	if st, body := e.do(e.tokens[facteur.RoleFileScheduler], "POST", "/api/v1/destinations", sftp); st != 201 {
		t.Errorf("file scheduler creates an SFTP destination: %d %s", st, body)
	}
}

// TestEmailOwnerOnly: without approved domains an e-mail schedule may mail
// only its owner; an approved domain opens it; export switched off, or an
// account outside the approved account domains, cannot run or download.
func TestEmailOwnerOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.db.PutSetting(ctx, facteur.PolicyKey, jsonOf(map[string]any{})))
	ed := e.tokens[facteur.RoleEditor]
	mailTo := func(to string) string {
		return fmt.Sprintf(`{"name":"m","kind":"email","config":{"to":[%q]}}`, to)
	}
	if st, body := e.do(ed, "POST", "/api/v1/destinations", mailTo("partner@example.org")); st != 403 || !strings.Contains(body, "not the owner's address (editor@example.org)") {
		t.Errorf("mail to someone else without approved domains: %d %s", st, body)
	}
	if st, body := e.do(ed, "POST", "/api/v1/destinations", mailTo("Editor@Example.org")); st != 201 {
		t.Errorf("mail to oneself: %d %s", st, body)
	}
	// The admin's destination to a partner cannot be scheduled by an editor.
	sched := fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"07:00","time_zone":"UTC"}}`, e.report.ID, e.email.ID)
	if st, body := e.do(ed, "POST", "/api/v1/schedules", sched); st != 403 || !strings.Contains(body, "partner@example.org is not the owner's address") {
		t.Errorf("editor schedules mail to a partner: %d %s", st, body)
	}

	must(t, e.db.PutSetting(ctx, facteur.PolicyKey, jsonOf(map[string]any{"allowed_email_domains": []string{"example.org"}, "export_disabled": true})))
	run := fmt.Sprintf("/api/v1/schedules/%d/run", e.shared.ID)
	if st, body := e.do(e.tokens[facteur.RoleAdmin], "POST", run, ""); st != 403 || !strings.Contains(body, "data export is switched off") {
		t.Errorf("run now with export off: %d %s", st, body)
	}
	if st, body := e.do(ed, "GET", fmt.Sprintf("/api/v1/reports/%d/preview", e.report.ID), ""); st != 403 || !strings.Contains(body, "switched off") {
		t.Errorf("preview with export off: %d %s", st, body)
	}
	must(t, e.db.PutSetting(ctx, facteur.PolicyKey, jsonOf(map[string]any{"export_account_domains": []string{"partner.example"}})))
	if st, body := e.do(e.tokens[facteur.RoleAdmin], "GET", fmt.Sprintf("/api/v1/runs/%d/download", e.sharedRun.ID), ""); st != 403 || !strings.Contains(body, "only accounts of partner.example may export") {
		t.Errorf("download from an unapproved account domain: %d %s", st, body)
	}
}

// TestSessions: a login sets an HttpOnly, SameSite cookie; a request that
// changes something without the CSRF token is refused; logout ends the
// session; a deactivated account's session and token stop working.
func TestSessions(t *testing.T) {
	e := newEnv(t)
	login := func(email, pw string) (*http.Response, string) {
		resp, err := http.Post(e.srv.URL+"/api/v1/login", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, pw)))
		must(t, err)
		defer resp.Body.Close()
		var out struct {
			CSRF string `json:"csrf_token"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		return resp, out.CSRF
	}
	resp, csrf := login("EDITOR@example.org", "password of editor@example.org")
	if resp.StatusCode != 200 || csrf == "" || len(resp.Cookies()) != 1 {
		t.Fatalf("login: %d %v", resp.StatusCode, resp.Cookies())
	}
	c := resp.Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Name != fhttp.SessionCookie {
		t.Errorf("session cookie: %+v", c)
	}
	call := func(method, path, body, csrf string) (int, string) {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		req.AddCookie(c)
		if csrf != "" {
			req.Header.Set(fhttp.CSRFHeader, csrf)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := call("GET", "/api/v1/me", "", ""); st != 200 || !strings.Contains(body, `"email": "editor@example.org"`) {
		t.Errorf("me: %d %s", st, body)
	}
	report := fmt.Sprintf(`{"name":"r","source_id":%d,"table":"items","fields":[{"name":"id"}]}`, e.src.ID)
	if st, body := call("POST", "/api/v1/reports", report, ""); st != 403 || !strings.Contains(body, "CSRF") {
		t.Errorf("POST without the CSRF token: %d %s", st, body)
	}
	if st, body := call("POST", "/api/v1/reports", report, "wrong"); st != 403 {
		t.Errorf("POST with a wrong CSRF token: %d %s", st, body)
	}
	if st, body := call("POST", "/api/v1/reports", report, csrf); st != 201 {
		t.Errorf("POST with the CSRF token: %d %s", st, body)
	}
	if st, _ := call("POST", "/api/v1/logout", "", csrf); st != 204 {
		t.Errorf("logout: %d", st)
	}
	if st, _ := call("GET", "/api/v1/me", "", ""); st != 401 {
		t.Errorf("after logout: %d", st)
	}

	// Deactivation ends sessions and tokens at once.
	resp, _ = login("viewer@example.org", "password of viewer@example.org")
	c = resp.Cookies()[0]
	viewer := e.users[facteur.RoleViewer]
	if st, body := e.do(e.tokens[facteur.RoleAdmin], "PUT", fmt.Sprintf("/api/v1/users/%d", viewer.ID), `{"active":false}`); st != 200 {
		t.Fatalf("deactivate: %d %s", st, body)
	}
	if st, _ := call("GET", "/api/v1/me", "", ""); st != 401 {
		t.Errorf("session of a deactivated account: %d", st)
	}
	if st, _ := e.do(e.tokens[facteur.RoleViewer], "GET", "/api/v1/me", ""); st != 401 {
		t.Errorf("token of a deactivated account: %d", st)
	}
	if resp, _ := login("viewer@example.org", "password of viewer@example.org"); resp.StatusCode != 401 {
		t.Errorf("login of a deactivated account: %d", resp.StatusCode)
	}
	// The last administrator stays.
	admin := e.users[facteur.RoleAdmin]
	if st, body := e.do(e.tokens[facteur.RoleAdmin], "PUT", fmt.Sprintf("/api/v1/users/%d", admin.ID), `{"role":"editor"}`); st != 409 {
		t.Errorf("demote the last administrator: %d %s", st, body)
	}
}

// TestLoginRateLimit: after 5 failures for one address, even the right
// password is refused with 429 and Retry-After; the attempts are audited.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < auth.LoginFailures; i++ {
		if st, body := e.do("", "POST", "/api/v1/login", `{"email":"editor@example.org","password":"guess"}`); st != 401 {
			t.Fatalf("failure %d: %d %s", i, st, body)
		}
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/login", strings.NewReader(`{"email":"editor@example.org","password":"password of editor@example.org"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("right password after 5 failures: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if st, _ := e.do("", "POST", "/api/v1/login", `{"email":"viewer@example.org","password":"password of viewer@example.org"}`); st != 200 {
		t.Errorf("another account from the same client: %d", st)
	}
	list, err := e.db.Audit(context.Background(), facteur.AuditFilter{Action: "login."})
	must(t, err)
	counts := map[string]int{}
	for _, a := range list {
		counts[a.Action]++
	}
	if counts["login.failed"] != auth.LoginFailures || counts["login.blocked"] != 1 {
		t.Errorf("audit of logins: %v", counts)
	}
}

// TestLoginLimitAcrossNodes: two nodes share the store, so failures on
// either count against the same address; a successful login starts the
// count again.
func TestLoginLimitAcrossNodes(t *testing.T) {
	e := newEnv(t)
	other := httptest.NewServer((&fhttp.Server{Store: e.db, Runs: e.api.Runs, Mail: e.api.Mail, PublicURL: e.api.PublicURL}).Handler())
	t.Cleanup(other.Close)
	login := func(node, password string) int {
		req, _ := http.NewRequest("POST", node+"/api/v1/login", strings.NewReader(`{"email":"editor@example.org","password":"`+password+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	right := "password of editor@example.org"
	for i, node := range []string{e.srv.URL, other.URL, e.srv.URL, other.URL} {
		if st := login(node, "guess"); st != 401 {
			t.Fatalf("failure %d: %d", i+1, st)
		}
	}
	if st := login(e.srv.URL, right); st != 200 {
		t.Fatalf("right password after 4 failures: %d", st)
	}
	for i := range auth.LoginFailures { // the success started the count again
		node := []string{e.srv.URL, other.URL}[i%2]
		if st := login(node, "guess"); st != 401 {
			t.Fatalf("failure %d after the success: %d", i+1, st)
		}
	}
	for _, node := range []string{e.srv.URL, other.URL} {
		if st := login(node, right); st != 429 {
			t.Errorf("right password after %d failures spread over two nodes: %d", auth.LoginFailures, st)
		}
	}
}

// TestLoginNeedsJSON: a login posted as a form or as text (what another
// site's page can send without asking) is refused.
func TestLoginNeedsJSON(t *testing.T) {
	e := newEnv(t)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		resp, err := http.Post(e.srv.URL+"/api/v1/login", ct, strings.NewReader(`{"email":"viewer@example.org","password":"password of viewer@example.org"}`))
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 400 || len(resp.Cookies()) != 0 {
			t.Errorf("login as %q: %d, cookies %v", ct, resp.StatusCode, resp.Cookies())
		}
	}
}

// TestAuditLog: changes, runs, downloads and denials are recorded with
// actor, object and address, and administrators can export the log as CSV.
func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	ed := e.tokens[facteur.RoleEditor]
	st, body := e.do(ed, "POST", "/api/v1/reports", fmt.Sprintf(`{"name":"=cmd|' /C calc'!A0","source_id":%d,"table":"items","fields":[{"name":"id"}]}`, e.src.ID))
	if st != 201 {
		t.Fatalf("create report: %d %s", st, body)
	}
	var rep facteur.Report
	must(t, json.Unmarshal([]byte(body), &rep))
	own := e.schedule(e.users[facteur.RoleEditor], e.email)
	e.do(ed, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", own.ID), "")
	e.do(e.tokens[facteur.RoleViewer], "POST", "/api/v1/sources", "{}")
	// A refusal of the handler's own: editors may not send files to SFTP
	// (refused before the settings, which are wrong here, are read).
	if st, body := e.do(ed, "POST", "/api/v1/destinations", `{"name":"drop","kind":"sftp","config":{"host":"sftp.example.org","path":"/in"}}`); st != 403 {
		t.Errorf("editor creates an SFTP destination: %d %s", st, body)
	}
	list, err := e.db.Audit(context.Background(), facteur.AuditFilter{})
	must(t, err)
	var got []string
	for _, a := range list {
		got = append(got, fmt.Sprintf("%s %s %s %d %s", a.Actor, a.Action, a.Object, a.ObjectID, a.Address))
	}
	want := []string{
		"editor@example.org access.denied  0 127.0.0.1",
		"viewer@example.org access.denied  0 127.0.0.1",
		fmt.Sprintf("editor@example.org schedule.run schedule %d 127.0.0.1", own.ID),
		fmt.Sprintf("editor@example.org report.create report %d 127.0.0.1", rep.ID),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := list[0].Detail; !strings.HasPrefix(d, "POST /api/v1/destinations: ") || !strings.Contains(d, "sftp") {
		t.Errorf("the handler's refusal is audited with detail %q; want the route and the reason", d)
	}
	if st, body := e.do(ed, "GET", "/api/v1/audit", ""); st != 403 {
		t.Errorf("editor reads the audit log: %d %s", st, body)
	}
	st, csv := e.do(e.tokens[facteur.RoleAdmin], "GET", "/api/v1/audit?format=csv&action=report.", "")
	if st != 200 || !strings.HasPrefix(csv, "id,at,actor_id,actor,action,object,object_id,address,detail\n") || !strings.Contains(csv, ",report.create,report,") {
		t.Errorf("audit CSV: %d %s", st, csv)
	}
	if strings.Contains(csv, "access.denied") {
		t.Errorf("the action filter let other actions through: %s", csv)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func jsonOf(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
