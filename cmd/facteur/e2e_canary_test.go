package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/mail/smtptest"
)

// canaryScan collects everything a user, a log reader or a partner can see
// of Facteur, to look for secrets in it.
type canaryScan struct {
	mu       sync.Mutex
	surfaces map[string][]byte // name -> what was seen
}

func (c *canaryScan) add(name string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.surfaces[name] = append(c.surfaces[name], b...)
	c.surfaces[name] = append(c.surfaces[name], '\n')
}

// recorder is a node whose every answer is kept for the scan.
type recorder struct {
	*node
	scan *canaryScan
	who  string
}

func (r recorder) do(method, path string, body any) (int, []byte) {
	r.t.Helper()
	var in io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		in = bytes.NewReader(b)
	}
	resp := r.request(method, path, in)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var head bytes.Buffer
	resp.Header.Write(&head)
	r.scan.add("API answers to "+r.who, append(head.Bytes(), b...))
	return resp.StatusCode, b
}

// mustDo calls and decodes, failing unless the status is want.
func (r recorder) mustDo(want int, method, path string, body, out any) {
	r.t.Helper()
	st, b := r.do(method, path, body)
	if st != want {
		r.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, r.who, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			r.t.Fatal(err)
		}
	}
}

// TestCanarySecrets plants a recognisable secret in every kind of
// credential — source passwords (PostgreSQL, MariaDB), an SFTP password and
// private key, an S3 secret key, a webhook secret and its headers, the SMTP
// password, the OAuth client secret and the OAuth tokens — then uses
// everything (tests, runs that succeed and fail, alerts, retries, downloads)
// and searches every answer of the API to every role, the logs at debug
// level, the run logs, every mail received, every request a partner
// received, the exported files and the audit log: no secret may appear.
func TestCanarySecrets(t *testing.T) {
	sftpAddr, s3Endpoint := os.Getenv("FACTEUR_TEST_SFTP_ADDR"), os.Getenv("FACTEUR_TEST_S3_ENDPOINT")
	for name, v := range map[string]string{"FACTEUR_TEST_SFTP_ADDR": sftpAddr, "FACTEUR_TEST_S3_ENDPOINT": s3Endpoint} {
		if v == "" {
			t.Fatalf("%s is not set: run scripts/test.sh", name)
		}
	}
	tag := make([]byte, 4)
	rand.Read(tag)
	canary := func(kind string) string { return "Canary" + kind + hex.EncodeToString(tag) }
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(block))
	keyLines := strings.Split(keyPEM, "\n")
	secrets := map[string]string{
		"PostgreSQL password": canary("Pg"),
		"MariaDB password":    canary("My"),
		"SFTP password":       canary("Sftp"),
		"SFTP private key":    keyLines[2], // a line of the key's body
		"S3 secret key":       canary("S3"),
		"webhook secret":      canary("Hook"),
		"webhook header":      canary("Header"),
		"SMTP password":       canary("Smtp"),
		"OAuth client secret": canary("OauthClient"),
		"OAuth access token":  canary("Oauth") + "access-device",
		"OAuth refresh token": canary("Oauth") + "refresh-2",
	}
	scan := &canaryScan{surfaces: map[string][]byte{}}

	smtpPass := smtptest.Start(t, smtptest.Options{Users: map[string]string{"facteur": secrets["SMTP password"]}})
	smtpOAuth := smtptest.Start(t, smtptest.Options{Tokens: map[string]string{"facteur@example.org": secrets["OAuth access token"]}})
	provider := newFakeProvider(t)
	provider.prefix = canary("Oauth")
	var hookMu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var seen bytes.Buffer
		r.Header.Write(&seen)
		io.Copy(&seen, r.Body)
		hookMu.Lock()
		scan.add("requests the webhook receiver got", seen.Bytes())
		hookMu.Unlock()
	}))
	defer hook.Close()

	data := t.TempDir()
	n := startServe(t, data, "--log-level", "debug")
	admin := recorder{n, scan, "admin"}
	roles := map[string]recorder{"admin": admin}
	for _, r := range []facteur.Role{facteur.RoleViewer, facteur.RoleEditor, facteur.RoleFileScheduler} {
		roles[string(r)] = recorder{n.addAccount(string(r)+"@example.org", r), scan, string(r)}
	}
	editor, filer := roles["editor"], roles["file_scheduler"]
	admin.mustDo(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	admin.mustDo(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtpPass.Host, "port": smtpPass.Port, "security": "none", "auth": "plain",
		"username": "facteur", "password": secrets["SMTP password"], "from": "facteur@example.org"}, nil)
	admin.mustDo(200, "POST", "/api/v1/settings/mail/test", map[string]any{"to": "ops@example.org"}, nil)
	for _, r := range roles {
		r.do("GET", "/api/v1/settings/mail", nil)
	}

	// Sources: PostgreSQL (a read-only account, which accepts the
	// password: the test server trusts loopback), MariaDB (which refuses
	// it), SQLite.
	pg, err := url.Parse(testdb.PostgresReader(t, testdb.Postgres(t)))
	if err != nil {
		t.Fatal(err)
	}
	pg.User = url.UserPassword(pg.User.Username(), secrets["PostgreSQL password"])
	var pgSrc, mySrc, rep struct{ ID int64 }
	admin.mustDo(201, "POST", "/api/v1/sources", map[string]any{"name": "warehouse", "dsn": pg.String()}, &pgSrc)
	admin.mustDo(201, "POST", "/api/v1/sources", map[string]any{"name": "crm", "dsn": "mysql://facteur_canary:" + secrets["MariaDB password"] + "@127.0.0.1:3306/test"}, &mySrc)
	admin.do("POST", fmt.Sprintf("/api/v1/sources/%d/test", pgSrc.ID), nil)
	if st, b := admin.do("POST", fmt.Sprintf("/api/v1/sources/%d/test", mySrc.ID), nil); st == 200 {
		t.Errorf("MariaDB accepted the canary account: %s", b)
	}
	admin.do("PUT", fmt.Sprintf("/api/v1/sources/%d", mySrc.ID), map[string]any{"name": "crm", "dsn": ""})
	editor.mustDo(201, "POST", "/api/v1/reports", map[string]any{"name": "figures", "source_id": pgSrc.ID, "sql": "select 1 as n, 'north' as region"}, &rep)
	editor.do("GET", fmt.Sprintf("/api/v1/reports/%d/preview", rep.ID), nil)

	// Destinations of every kind, each with its secrets.
	outbox := t.TempDir()
	sftpHost, sftpPort, _ := strings.Cut(sftpAddr, ":")
	type dest struct {
		who  recorder
		body map[string]any
	}
	dests := map[string]dest{
		"folder": {admin, map[string]any{"name": "drop", "kind": "folder", "config": map[string]any{"path": outbox}}},
		"email":  {editor, map[string]any{"name": "me", "kind": "email", "config": map[string]any{"to": []string{"editor@example.org"}}}},
		"sftp password": {filer, map[string]any{"name": "partner sftp", "kind": "sftp", "config": map[string]any{"host": sftpHost, "port": atoi(sftpPort),
			"user": os.Getenv("FACTEUR_TEST_SFTP_USER"), "password": secrets["SFTP password"], "directory": "/in"}}},
		"sftp key": {filer, map[string]any{"name": "partner sftp key", "kind": "sftp", "config": map[string]any{"host": sftpHost, "port": atoi(sftpPort),
			"user": os.Getenv("FACTEUR_TEST_SFTP_USER"), "private_key": keyPEM, "directory": "/in"}}},
		"s3": {filer, map[string]any{"name": "bucket", "kind": "s3", "config": map[string]any{"bucket": "facteur-canary", "endpoint": s3Endpoint,
			"access_key_id": os.Getenv("FACTEUR_TEST_S3_ACCESS_KEY"), "secret_access_key": secrets["S3 secret key"]}}},
		"webhook": {filer, map[string]any{"name": "hook", "kind": "webhook", "config": map[string]any{"url": hook.URL, "secret": secrets["webhook secret"],
			"headers": map[string]string{"Authorization": "Bearer " + secrets["webhook header"]}}}},
	}
	var names []string
	for name := range dests {
		names = append(names, name)
	}
	sort.Strings(names)
	var runIDs []int64
	var scheduleIDs []int64
	for _, name := range names {
		d := dests[name]
		var created struct{ ID int64 }
		d.who.mustDo(201, "POST", "/api/v1/destinations", d.body, &created)
		d.who.do("PUT", fmt.Sprintf("/api/v1/destinations/%d", created.ID), map[string]any{"name": d.body["name"], "kind": d.body["kind"], "config": map[string]any{}})
		d.who.do("POST", fmt.Sprintf("/api/v1/destinations/%d/test", created.ID), nil)
		var sc struct{ ID int64 }
		d.who.mustDo(201, "POST", "/api/v1/schedules", map[string]any{"name": "figures to " + name, "report_id": rep.ID, "destination_id": created.ID, "enabled": false,
			"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"},
			"options": map[string]any{"alert_emails": []string{"ops@example.org", "admin@example.org"}}}, &sc)
		scheduleIDs = append(scheduleIDs, sc.ID)
		var run facteur.Run
		d.who.mustDo(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
		runIDs = append(runIDs, run.ID)
	}
	for _, id := range runIDs {
		if r := n.waitRun(id); r.Status == facteur.RunSucceeded {
			admin.do("POST", fmt.Sprintf("/api/v1/runs/%d/retry", id), nil)
		}
	}

	// The mail account moves to OAuth: client secret and tokens.
	admin.mustDo(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtpOAuth.Host, "port": smtpOAuth.Port, "security": "none",
		"auth": "xoauth2", "username": "facteur@example.org", "from": "facteur@example.org",
		"oauth": map[string]any{"provider": "custom", "client_id": "facteur-app", "client_secret": secrets["OAuth client secret"],
			"auth_url": provider.URL + "/authorize", "token_url": provider.URL + "/token", "device_url": provider.URL + "/device"}}, nil)
	var dev struct{ Status string }
	admin.mustDo(200, "POST", "/api/v1/settings/mail/oauth/device", nil, &dev)
	for deadline := time.Now().Add(20 * time.Second); dev.Status == "pending" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		admin.mustDo(200, "GET", "/api/v1/settings/mail/oauth/device", nil, &dev)
	}
	if dev.Status != "connected" {
		t.Fatalf("device flow: %+v", dev)
	}
	admin.mustDo(200, "POST", "/api/v1/settings/mail/test", map[string]any{"to": "ops@example.org"}, nil)
	for _, id := range scheduleIDs {
		admin.do("POST", fmt.Sprintf("/api/v1/schedules/%d/run", id), nil)
	}
	var all []facteur.Run
	admin.mustDo(200, "GET", "/api/v1/runs?limit=1000", nil, &all)
	for _, r := range all {
		n.waitRun(r.ID)
	}
	smtpOAuth.WaitFor(1, 10*time.Second)

	// Every read of the API, as every role.
	reads := []string{"/healthz", "/api/v1/version", "/api/v1/me", "/api/v1/tokens", "/api/v1/users", "/api/v1/audit", "/api/v1/audit?format=csv",
		"/api/v1/sources", "/api/v1/reports", "/api/v1/destinations", "/api/v1/schedules", "/api/v1/runs?limit=1000", "/api/v1/settings/mail",
		"/api/v1/settings/policy", "/api/v1/settings/mail/oauth/device"}
	for _, list := range []string{"sources", "reports", "destinations", "schedules", "users"} {
		var items []struct{ ID int64 }
		admin.mustDo(200, "GET", "/api/v1/"+list, nil, &items)
		for _, it := range items {
			reads = append(reads, fmt.Sprintf("/api/v1/%s/%d", list, it.ID))
			if list == "schedules" {
				reads = append(reads, fmt.Sprintf("/api/v1/schedules/%d/next", it.ID))
			}
		}
	}
	admin.mustDo(200, "GET", "/api/v1/runs?limit=1000", nil, &all)
	for _, r := range all {
		reads = append(reads, fmt.Sprintf("/api/v1/runs/%d", r.ID), fmt.Sprintf("/api/v1/runs/%d/download", r.ID))
	}
	requests := 0
	for _, r := range roles {
		for _, p := range reads {
			r.do("GET", p, nil)
			requests++
		}
	}

	// What else a person or a partner sees.
	for _, m := range append(smtpPass.Messages(), smtpOAuth.Messages()...) {
		scan.add("mails received (test mails, deliveries, alerts)", m.Data)
	}
	filepath.Walk(outbox, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(path)
			scan.add("exported files", b)
		}
		return nil
	})
	n.stop()
	scan.add("logs (debug level)", []byte(n.out.String()))
	for _, f := range []string{"facteur.db", "facteur.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(data, f))
		scan.add("Facteur's database file and its WAL", b)
	}

	var leaks []string
	bytesScanned := 0
	for surface, b := range scan.surfaces {
		bytesScanned += len(b)
		for what, secret := range secrets {
			if what == "webhook header" && surface == "requests the webhook receiver got" {
				continue // the one place that credential is for
			}
			if bytes.Contains(b, []byte(secret)) {
				i := bytes.Index(b, []byte(secret))
				leaks = append(leaks, fmt.Sprintf("%s in %s: …%s…", what, surface, b[max(0, i-120):min(len(b), i+len(secret)+40)]))
			}
		}
	}
	sort.Strings(leaks)
	for _, l := range leaks {
		t.Error(l)
	}
	var surfaces []string
	for s := range scan.surfaces {
		surfaces = append(surfaces, s)
	}
	sort.Strings(surfaces)
	t.Logf("%d secrets searched in %d surfaces (%d bytes; %d GET requests of %d paths × %d roles, %d runs): %d found\n%s",
		len(secrets), len(surfaces), bytesScanned, requests, len(reads), len(roles), len(all), len(leaks), strings.Join(surfaces, "\n"))
	if len(scan.surfaces["API answers to admin"]) == 0 || len(scan.surfaces["requests the webhook receiver got"]) == 0 || len(scan.surfaces["exported files"]) == 0 {
		t.Errorf("a surface is empty: the test did not exercise it")
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}
