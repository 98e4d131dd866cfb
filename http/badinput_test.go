package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	fhttp "github.com/facteur/facteur/http"
	"github.com/facteur/facteur/http/ui"
)

// badExtras are optional fields added to the bodies the permission matrix
// sends (env.target), so that every field a write endpoint takes receives
// bad values; the bodies stay valid.
var badExtras = map[string]string{
	"POST /api/v1/schedules":         `{"name":"n","file_name":"{export_name}.{ext}","catch_up":"once","include_fields":["id"],"options":{"alert_emails":["a@example.org"]},"format":{"format":"csv","delimiter":";"},"params":{}}`,
	"PUT /api/v1/schedules/{id}":     `{"name":"n","file_name":"{export_name}.{ext}","catch_up":"once","include_fields":["id"],"options":{"alert_emails":["a@example.org"]},"format":{"format":"csv","delimiter":";"},"params":{}}`,
	"POST /api/v1/reports":           `{"created_column":"id","parameters":[]}`,
	"PUT /api/v1/reports/{id}":       `{"created_column":"id","parameters":[]}`,
	"POST /api/v1/destinations":      `{"config":{"to":["partner@example.org"],"subject":"s","message":"m"}}`,
	"PUT /api/v1/destinations/{id}":  `{"config":{"to":["partner@example.org"],"subject":"s","message":"m"}}`,
	"POST /api/v1/users":             `{"name":"N","active":true}`,
	"PUT /api/v1/users/{id}":         `{"email":"viewer@example.org","role":"viewer"}`,
	"POST /api/v1/tokens":            `{"expires_in_days":30}`,
	"PUT /api/v1/settings/policy":    `{"link_ttl_hours":72,"attachment_limit_bytes":1000,"export_account_domains":["example.org"]}`,
	"PUT /api/v1/settings/mail":      `{"security":"tls","auth":"none","timeout_ns":1000000000}`,
	"POST /api/v1/exports":           `{"time_zone":"Europe/Paris","file_name":"{export_name}.{ext}","include_fields":["id"],"params":{}}`,
	"POST /api/v1/calendar/preview":  `{"days":["mon"]}`,
	"POST /api/v1/file-name/preview": `{"schedule_name":"s","compression":"gzip"}`,
}

// badIDs are path ids that name no object.
var badIDs = []string{"0", "+1", "01", "-1", "1e0", "abc", "%201", "9223372036854775808", "1.0"}

// mutation is one must-refuse request body: field is the field it spoils
// ("" when the whole body is wrong), which the refusal must name.
type mutation struct {
	name, field string
	body        []byte
	ctype       string
}

// TestBadInput sends a fixed list of must-refuse inputs to every write
// endpoint of the permission matrix, as every role and without an
// account: invalid UTF-8, over-long texts, out-of-range numbers, wrong
// types, unknown fields, NUL bytes, bad ids, huge arrays, deep nesting,
// empty and non-JSON bodies. Each gets a 4xx (401 without an account, 403
// below the route's role, else 400, 404, 413 or 415 with the spoilt field
// named), never a 5xx; nothing is stored, and every list is valid JSON
// afterwards. The UI's forms get malformed bodies and bad ids likewise.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	keys := slices.Sorted(maps.Keys(wantRoutes))
	hist := map[int]int{}
	count := 0
	send := func(token, method, path string, m mutation) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(m.body))
		must(t, err)
		req.Header.Set("Content-Type", m.ctype)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		count++
		hist[resp.StatusCode]++
		return resp.StatusCode, string(b)
	}
	callers := append([]facteur.Role{""}, facteur.Roles...)
	writes := 0
	for _, key := range keys {
		method, pattern, _ := strings.Cut(key, " ")
		need := wantRoutes[key]
		if method == "GET" {
			continue
		}
		writes++
		for _, role := range callers {
			if need == "" && role != "" {
				continue
			}
			path, base := e.target(fhttp.Route{Method: method, Path: pattern, Need: need}, role, nil)
			extra := badExtras[key]
			if key == "PUT /api/v1/me/password" && role != "" {
				extra = fmt.Sprintf(`{"current_password":"password of %s@example.org"}`, role)
			}
			var muts []mutation
			before := e.snapshot()
			var paths []string
			if strings.Contains(pattern, "{id}") {
				for _, id := range badIDs {
					paths = append(paths, strings.Replace(pattern, "{id}", id, 1))
				}
			}
			name := string(role)
			if role == "" {
				name = "no account"
			}
			check := func(path string, m mutation, status int, answer string, badID bool) {
				t.Helper()
				ok := false
				switch {
				case status >= 500:
				case need != "" && role == "":
					ok = status == 401
				case need != "" && !role.AtLeast(need):
					ok = status == 403
				case badID:
					ok = status == 404
				case key == "POST /api/v1/login":
					ok = status >= 400 && status < 500
				default:
					ok = status == 400 || status == 404 || status == 413 || status == 415
					if ok && status == 400 && m.field != "" {
						ok = namesField(answer, m.field)
					}
				}
				if !ok {
					t.Errorf("%s %s as %s, %s: %d %s", method, path, name, m.name, status, cut(answer, 300))
				}
			}
			for _, p := range paths {
				m := mutation{name: "bad id " + p, body: []byte(base), ctype: "application/json"}
				status, answer := send(e.tokens[role], method, p, m)
				check(p, m, status, answer, true)
			}
			if takesBody(method, pattern) {
				if strings.HasSuffix(pattern, "/duplicate") {
					base = `{"name":"a copy"}`
				}
				muts = mutations(t, base, extra)
				for _, m := range muts {
					if m.name == "an empty body" && strings.HasSuffix(pattern, "/duplicate") {
						continue // its body is optional
					}
					status, answer := send(e.tokens[role], method, path, m)
					check(path, m, status, answer, false)
				}
			}
			if after := e.snapshot(); !maps.Equal(before, after) {
				for k := range before {
					if before[k] != after[k] {
						t.Errorf("%s as %s: %s changed:\n%s\n→\n%s", key, name, k, cut(before[k], 400), cut(after[k], 400))
					}
				}
			}
		}
	}
	t.Logf("API: %d must-refuse requests to %d write routes; statuses: %v", count, writes, hist)

	uiCount, uiHist := badForms(t, e)
	t.Logf("UI: %d malformed form posts; statuses: %v", uiCount, uiHist)
}

// takesBody reports whether a write route reads a JSON body; the others
// (deletions, actions on one object, logout) ignore theirs and get bad ids
// only.
func takesBody(method, pattern string) bool {
	switch {
	case method == "PUT", strings.HasSuffix(pattern, "/duplicate"):
		return true
	case method != "POST", strings.Contains(pattern, "{id}"), strings.Contains(pattern, "/oauth/"), pattern == "/api/v1/logout":
		return false
	}
	return true
}

// namesField reports whether an error answer names field (its last part,
// as messages say "config.to[0]" or "to[0]").
func namesField(answer, field string) bool {
	var e struct {
		Error struct{ Message string }
	}
	if json.Unmarshal([]byte(answer), &e) != nil {
		return false
	}
	leaf := field[strings.LastIndex(field, ".")+1:]
	return strings.Contains(e.Error.Message, leaf)
}

// mutations returns the must-refuse bodies made from a valid body (base,
// with extra's fields added): for every field, and every field of its
// objects, an invalid UTF-8 byte, a NUL, 300 KB of text, numbers out of
// range and values of the wrong type; then an unknown field, a huge array,
// deep nesting, an empty body, a body that is not JSON, trailing data.
func mutations(t *testing.T, base, extra string) []mutation {
	t.Helper()
	doc := map[string]any{}
	if base != "" {
		must(t, json.Unmarshal([]byte(base), &doc))
	}
	if extra != "" {
		more := map[string]any{}
		must(t, json.Unmarshal([]byte(extra), &more))
		merge(doc, more)
	}
	var out []mutation
	add := func(name, field string, body []byte) {
		out = append(out, mutation{name: name + " in " + field, field: field, body: body, ctype: "application/json"})
	}
	const mark = "\x01MARK\x01"
	var walk func(prefix string, obj map[string]any)
	walk = func(prefix string, obj map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			field := prefix + k
			set := func(v any) []byte {
				obj[k], v = v, obj[k]
				defer func() { obj[k] = v }()
				b, err := json.Marshal(doc)
				must(t, err)
				return bytes.ReplaceAll(b, []byte(strings.ReplaceAll(mustJSON(mark), `"`, "")), []byte("\xff"))
			}
			switch v := obj[k].(type) {
			case map[string]any:
				walk(field+".", v)
				add("a list", field, set([]any{}))
			case string:
				add("invalid UTF-8", field, set("a"+mark+"b"))
				add("a NUL", field, set("a\x00b"))
				add("300 KB of text", field, set(strings.Repeat("é", 150_000)))
				add("an object", field, set(map[string]any{}))
			case float64:
				for _, n := range []json.Number{"9223372036854775807", "-9223372036854775808", "1e300", "-1"} {
					add("the number "+string(n), field, set(n))
				}
				add("a string", field, set("12"))
			case bool:
				add("a string", field, set("true"))
			case []any:
				if len(v) > 0 {
					if _, ok := v[0].(string); ok {
						add("invalid UTF-8", field, set([]any{"a" + mark + "b"}))
						add("a NUL", field, set([]any{"a\x00b"}))
						add("300 KB of text", field, set([]any{strings.Repeat("x", 300_000)}))
						add("100,000 items", field, set(slices.Repeat([]any{v[0]}, 100_000)))
					}
				}
				add("a string", field, set("x"))
			}
		}
	}
	walk("", doc)
	whole := func(name, ctype, body string) {
		out = append(out, mutation{name: name, body: []byte(body), ctype: ctype})
	}
	withUnknown, _ := json.Marshal(merge(map[string]any{"zz_unknown": 1}, doc))
	whole("an unknown field", "application/json", string(withUnknown))
	whole("an empty body", "application/json", "")
	whole("a form body", "application/x-www-form-urlencoded", "name=x&dsn=y")
	whole("not JSON", "application/json", "name: x")
	whole("a JSON array", "application/json", "[1,2,3]")
	whole("a JSON string", "application/json", `"x"`)
	whole("deep nesting", "application/json", `{"name":`+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+"}")
	whole("a huge array", "application/json", `{"name":[`+strings.Repeat(`"x",`, 200_000)+`"x"]}`)
	whole("trailing data", "application/json", "{} {}")
	whole("a body over 1 MB", "application/json", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`)
	whole("a raw NUL", "application/json", "{\"name\":\"a\x00b\"}")
	whole("invalid UTF-8 outside strings", "application/json", "{\xff}")
	return out
}

// merge copies src's fields into dst (objects merged field by field) and
// returns dst.
func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if d, ok := dst[k].(map[string]any); ok {
				merge(d, sub)
				continue
			}
		}
		dst[k] = v
	}
	return dst
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// snapshot reads every list as the administrator and returns, for each,
// its objects' ids and versions (or the whole answer for the settings),
// failing the test when one is not valid JSON.
func (e *env) snapshot() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, p := range []string{"/api/v1/users", "/api/v1/sources", "/api/v1/reports", "/api/v1/destinations", "/api/v1/schedules",
		"/api/v1/runs?limit=1000", "/api/v1/exports", "/api/v1/settings/policy", "/api/v1/settings/mail"} {
		status, body := e.do(e.tokens[facteur.RoleAdmin], "GET", p, "")
		if status != 200 || !json.Valid([]byte(body)) {
			e.t.Fatalf("GET %s: %d, valid JSON %v: %s", p, status, json.Valid([]byte(body)), cut(body, 300))
		}
		var items []map[string]any
		if json.Unmarshal([]byte(body), &items) != nil {
			out[p] = body
			continue
		}
		var rows []string
		for _, it := range items {
			rows = append(rows, fmt.Sprint(it["id"], " ", it["updated_at"], " ", it["status"]))
		}
		sort.Strings(rows)
		out[p] = strings.Join(rows, "\n")
	}
	for _, role := range facteur.Roles {
		_, body := e.do(e.tokens[role], "GET", "/api/v1/tokens", "")
		var toks []map[string]any
		if err := json.Unmarshal([]byte(body), &toks); err != nil {
			e.t.Fatalf("GET /api/v1/tokens as %s: %v", role, err)
		}
		var ids []string
		for _, tk := range toks {
			ids = append(ids, fmt.Sprint(tk["id"]))
		}
		sort.Strings(ids)
		out["tokens of "+string(role)] = strings.Join(ids, " ")
	}
	return out
}

// badForms posts malformed bodies to every POST form of the web UI, and
// well-formed ones to its pages about one object with bad ids, as every
// role: never a 5xx, bad ids 404, and nothing stored.
func badForms(t *testing.T, e *env) (int, map[int]int) {
	t.Helper()
	srv := &ui.Server{API: e.api.Handler()}
	h, err := srv.Handler()
	must(t, err)
	var posts []string
	for _, p := range srv.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			path, method = p, "POST"
		}
		if method == "POST" {
			posts = append(posts, path)
		}
	}
	// Logging out last: it ends the session the other posts use.
	slices.SortStableFunc(posts, func(a, b string) int {
		return strings.Compare(fmt.Sprint(a == "/logout"), fmt.Sprint(b == "/logout"))
	})
	if len(posts) < 20 {
		t.Fatalf("the UI serves only %d POST forms: %v", len(posts), posts)
	}
	hist, count := map[int]int{}, 0
	before := e.snapshot()
	for _, role := range facteur.Roles {
		cookies, csrf := uiLogin(t, e, role)
		post := func(path, ctype, body string) (int, string) {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			for _, c := range cookies {
				req.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			count++
			hist[rec.Code]++
			return rec.Code, rec.Body.String()
		}
		form := "application/x-www-form-urlencoded"
		valid := url.Values{"csrf_token": {csrf}, "name": {"from a bad id"}, "report_id": {fmt.Sprint(e.report.ID)},
			"destination_id": {fmt.Sprint(e.email.ID)}, "frequency": {"daily"}, "at": {"06:00"}, "time_zone": {"UTC"},
			"source_id": {fmt.Sprint(e.src.ID)}, "table": {"items"}, "dsn": {e.src.DSN}, "kind": {"email"}, "to": {"partner@example.org"}}.Encode()
		malformed := []struct{ name, ctype, body string }{
			{"bad escape", form, "name=%zz&csrf_token=" + csrf},
			{"lone percent", form, "name=%"},
			{"semicolon", form, "name=x;kind=folder"},
			{"too many fields", form, strings.Repeat("a=1&", 10_001)},
			{"bad multipart", "multipart/form-data; boundary=", "--x\r\n"},
			{"json", "application/json", `{"name":"x"}`},
			{"invalid UTF-8", form, "name=%ff%fe&csrf_token=" + csrf},
			{"a NUL", form, "name=a%00b&csrf_token=" + csrf},
		}
		for _, pattern := range posts {
			path := strings.Replace(pattern, "{id}", "1", 1)
			for _, m := range malformed {
				if status, body := post(path, m.ctype, m.body); status >= 500 || (status != 400 && path != "/login") {
					t.Errorf("UI POST %s as %s, %s: %d, want 400: %s", path, role, m.name, status, cut(body, 300))
				}
			}
			if !strings.Contains(pattern, "{id}") {
				continue
			}
			for _, id := range badIDs {
				p := strings.Replace(pattern, "{id}", id, 1)
				if status, body := post(p, form, valid); status != 404 {
					t.Errorf("UI POST %s as %s: %d, want 404: %s", p, role, status, cut(body, 300))
				}
			}
		}
	}
	after := e.snapshot()
	for k := range before {
		if before[k] != after[k] {
			t.Errorf("the UI's bad forms changed %s:\n%s\n→\n%s", k, cut(before[k], 400), cut(after[k], 400))
		}
	}
	return count, hist
}

// uiLogin logs in as role and returns the session cookies and the CSRF
// token the forms carry.
func uiLogin(t *testing.T, e *env, role facteur.Role) ([]*http.Cookie, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(fmt.Sprintf(`{"email":"%s@example.org","password":"password of %s@example.org"}`, role, role)))
	req.Header.Set("Content-Type", "application/json")
	e.api.Handler().ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if rec.Code != 200 || len(cookies) == 0 {
		t.Fatalf("login as %s: %d %s", role, rec.Code, rec.Body)
	}
	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	e.api.Handler().ServeHTTP(rec, req)
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	must(t, json.Unmarshal(rec.Body.Bytes(), &me))
	return cookies, me.CSRF
}

// TestRefusedValues: values that could never work are refused when saved,
// naming the field, and nothing is stored.
func TestRefusedValues(t *testing.T) {
	e := newEnv(t)
	admin, editor := e.tokens[facteur.RoleAdmin], e.tokens[facteur.RoleEditor]
	long := strings.Repeat("a", 243) + "@example.org" // 255 characters
	schedule := func(extra string) string {
		return fmt.Sprintf(`{"report_id":%d,"destination_id":%d,"calendar":{"frequency":"daily","at":"07:00"}%s}`, e.report.ID, e.email.ID, extra)
	}
	before := e.snapshot()
	for _, c := range []struct {
		token, method, path, body string
		status                    int
		field                     string
	}{
		{admin, "PUT", "/api/v1/settings/policy", `{"link_ttl_hours":2562048}`, 400, "link_ttl_hours"},
		{admin, "PUT", "/api/v1/settings/policy", `{"link_ttl_hours":9223372036854775807}`, 400, "link_ttl_hours"},
		{admin, "PUT", "/api/v1/settings/policy", `{"allowed_email_domains":["*"]}`, 400, "allowed_email_domains[0]"},
		{admin, "POST", "/api/v1/users", `{"email":"` + long + `","role":"viewer"}`, 400, "email"},
		{admin, "PUT", fmt.Sprintf("/api/v1/users/%d", e.users[facteur.RoleViewer].ID), `{"email":"` + long + `"}`, 400, "email"},
		{admin, "POST", "/api/v1/users", `{"email":"\"a b\"@example.org","role":"viewer"}`, 400, "email"},
		{admin, "POST", "/api/v1/users", `{"email":"n@example.org","role":"viewer","name":"` + strings.Repeat("n", 201) + `"}`, 400, "name"},
		{editor, "POST", "/api/v1/tokens", `{"name":"` + strings.Repeat("n", 201) + `"}`, 400, "name"},
		{editor, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"time_zone":"Local"}`, e.report.ID), 400, "time_zone"},
		{editor, "POST", "/api/v1/exports", fmt.Sprintf(`{"report_id":%d,"time_zone":"Europe/./Paris"}`, e.report.ID), 400, "time_zone"},
		{editor, "POST", "/api/v1/schedules", schedule(`,"options":{"alert_emails":["` + long + `"]}`), 400, "options.alert_emails[0]"},
		{editor, "POST", "/api/v1/schedules", schedule(`,"include_fields":["id","id"]`), 400, "include_fields[1]"},
		{editor, "POST", "/api/v1/schedules", schedule(`,"calendar":{"frequency":"daily","days":["mon","mon","mon","mon","mon","mon","mon","mon"]}`), 400, "calendar.days"},
		{editor, "POST", "/api/v1/destinations", `{"name":"d","kind":"email","config":{"to":["` + long + `"]}}`, 400, "to[0]"},
		{admin, "POST", "/api/v1/destinations", `{"name":"d","kind":"folder","config":{"path":"/srv/` + strings.Repeat("a", 256) + `"}}`, 400, "path"},
		{admin, "POST", "/api/v1/settings/mail/test", `{"to":"` + long + `"}`, 400, "to"},
		{admin, "PUT", "/api/v1/settings/mail", `{"host":"smtp.example.org","from":"f@example.org","timeout_ns":9223372036854775807}`, 400, "smtp.timeout_ns"},
	} {
		status, answer := e.do(c.token, c.method, c.path, c.body)
		if status != c.status || !strings.Contains(answer, `"message": "`+c.field+": ") {
			t.Errorf("%s %s %s: %d %s, want %d naming %s", c.method, c.path, cut(c.body, 80), status, cut(answer, 300), c.status, c.field)
		}
	}
	if after := e.snapshot(); len(after) != len(before) {
		t.Errorf("the refused writes changed the lists: %d before, %d after", len(before), len(after))
	} else {
		for k := range before {
			if before[k] != after[k] {
				t.Errorf("a refused write changed %s", k)
			}
		}
	}
	// A folder saved before paths were bounded: Send test is a 400 with
	// the reason at once, not a 502 "will be tried again".
	old := &facteur.Destination{Name: "old folder", Kind: facteur.DestinationFolder, OwnerID: e.users[facteur.RoleAdmin].ID,
		Config: jsonOf(map[string]any{"path": e.dir + "/" + strings.Repeat("a", 256)})}
	must(t, e.db.CreateDestination(context.Background(), old))
	if status, answer := e.do(admin, "POST", fmt.Sprintf("/api/v1/destinations/%d/test", old.ID), ""); status != 400 || !strings.Contains(answer, `"message": "path: `) {
		t.Errorf("Send test to a folder with a 256-byte name: %d %s, want 400 naming path", status, cut(answer, 300))
	}
	before = e.snapshot()

	// The web UI's account form says the same.
	h, err := (&ui.Server{API: e.api.Handler()}).Handler()
	must(t, err)
	cookies, csrf := uiLogin(t, e, facteur.RoleAdmin)
	req := httptest.NewRequest("POST", "/settings/users", strings.NewReader(url.Values{"csrf_token": {csrf}, "email": {long}, "role": {"viewer"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "email: at most 254 characters") {
		t.Errorf("UI account form with a 255-character address: %d %s", rec.Code, cut(rec.Body.String(), 300))
	}
	after := e.snapshot()
	for k := range before {
		if before[k] != after[k] {
			t.Errorf("%s changed", k)
		}
	}
}
