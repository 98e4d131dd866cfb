package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/mail/smtptest"
)

// as returns a copy of the node that calls the API with another account's
// token.
func (n *node) as(email, password string) *node {
	n.t.Helper()
	other := *n
	other.token = n.login(email, password)
	return &other
}

// addAccount creates an account through the API and returns a node acting
// as it.
func (n *node) addAccount(email string, role facteur.Role) *node {
	n.t.Helper()
	pw := "password of " + email
	n.must(201, "POST", "/api/v1/users", map[string]any{"email": email, "role": role, "password": pw}, nil)
	return n.as(email, pw)
}

// TestRunAsOwner: a schedule runs with its owner's rights, checked at run
// time (G4). A database error reaches administrators' alert mail in full
// and other addresses without its text; once the owner is deactivated the
// schedule's runs fail closed, nothing is delivered, and every
// administrator is alerted.
func TestRunAsOwner(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"facteur": "mail-secret"}})
	n := startServe(t, t.TempDir())
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": smtp.Host, "port": smtp.Port, "security": "none", "auth": "plain",
		"username": "facteur", "password": "mail-secret", "from": "facteur@example.org"}, nil)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	ed := n.addAccount("editor@example.org", facteur.RoleEditor)

	var src, good, bad, dest, broken, nightly struct{ ID int64 }
	dsn := smallSQLiteSource(t)
	sdb, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if _, err := sdb.Exec("CREATE TABLE director_salaries (amount INTEGER)"); err != nil {
		t.Fatal(err)
	}
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": dsn}, &src)
	ed.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &good)
	ed.must(201, "POST", "/api/v1/reports", map[string]any{"name": "salaries", "source_id": src.ID, "sql": "select amount from director_salaries"}, &bad)
	// The table goes away after the report was saved: the run fails with
	// the database's own words, which name it.
	if _, err := sdb.Exec("DROP TABLE director_salaries"); err != nil {
		t.Fatal(err)
	}
	ed.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Me", "kind": "email", "config": map[string]any{"to": []string{"editor@example.org"}}}, &dest)
	schedule := func(name string, report int64, alerts []string, out any) {
		ed.must(201, "POST", "/api/v1/schedules", map[string]any{"name": name, "report_id": report, "destination_id": dest.ID, "enabled": false,
			"format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}, "options": map[string]any{"alert_emails": alerts}}, out)
	}
	schedule("Broken", bad.ID, []string{"ops@example.org", "admin@example.org"}, &broken)
	schedule("Nightly", good.ID, []string{"ops@example.org"}, &nightly)

	var run facteur.Run
	ed.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", broken.ID), nil, &run)
	if r := n.waitRun(run.ID); r.Status != facteur.RunFailed || !strings.Contains(r.Error, "director_salaries") {
		t.Fatalf("broken run: %s %q", r.Status, r.Error)
	}
	// The owner is alerted too, by default: a mail to each recipient.
	alerts := byRecipient(t, smtp.WaitFor(3, 20*time.Second))
	if a := alerts["editor@example.org"]; !strings.Contains(a, "Error with scheduled task Broken") {
		t.Errorf("the owner's alert:\n%s", a)
	}
	if a := alerts["admin@example.org"]; !strings.Contains(a, "director_salaries") {
		t.Errorf("the administrator's alert lacks the database's message:\n%s", a)
	}
	if a := alerts["ops@example.org"]; strings.Contains(a, "director_salaries") || !strings.Contains(a, "message is in the run's history") {
		t.Errorf("the alert to a non-administrator shows the database's message:\n%s", a)
	}

	// The owner is deactivated: an administrator's Run now fails closed.
	var users []facteur.User
	n.must(200, "GET", "/api/v1/users", nil, &users)
	for _, u := range users {
		if u.Email == "editor@example.org" {
			n.must(200, "PUT", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"active": false}, nil)
		}
	}
	if st := ed.call("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Errorf("the deactivated editor's token still works: %d", st)
	}
	n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", nightly.ID), nil, &run)
	r := n.waitRun(run.ID)
	if r.Status != facteur.RunFailed || !strings.Contains(r.Error, "runs as editor@example.org") || !strings.Contains(r.Error, "deactivated") || r.Rows != 0 || r.FileName != "" {
		t.Fatalf("run of a deactivated owner: %s %q rows %d file %q", r.Status, r.Error, r.Rows, r.FileName)
	}
	// The deactivated owner is not alerted; every administrator is.
	got := smtp.WaitFor(5, 20*time.Second)
	if len(got) != 5 {
		t.Fatalf("mails: %d", len(got))
	}
	alerts = byRecipient(t, got[3:])
	for _, to := range []string{"admin@example.org", "ops@example.org"} {
		if a := alerts[to]; !strings.Contains(a, "Error with scheduled task Nightly") || !strings.Contains(a, "deactivated") {
			t.Errorf("alert to %s:\n%s", to, a)
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, m := range smtp.Messages() {
		if m.To[0] == "editor@example.org" && !strings.Contains(string(m.Data), "Subject: Error with scheduled task Broken") {
			t.Errorf("a file or a second alert was mailed to a deactivated owner")
		}
	}
}

// byRecipient maps each mail's first recipient to its subject and text.
func byRecipient(t *testing.T, mails []smtptest.Received) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range mails {
		p := parseMail(t, m.Data)
		for _, to := range m.To {
			out[to] = p.header.Get("Subject") + "\n" + p.text
		}
	}
	return out
}

// TestFirstAdministrator: without an account the API refuses everything
// and serve says how to create one; `facteur user create --admin` prints a
// generated password once and `facteur user token` a working token; a
// half-given FACTEUR_ADMIN_* stops start-up; --demo creates a demo
// administrator and prints its password and a token once.
func TestFirstAdministrator(t *testing.T) {
	data := t.TempDir()
	n := startServeEnv(t, data, nil)
	if st := n.call("GET", "/api/v1/sources", nil, nil); st != 401 {
		t.Errorf("the API without an account: %d", st)
	}
	if !strings.Contains(n.out.String(), "No account exists yet: create the first administrator with `facteur user create --admin") {
		t.Errorf("serve does not say how to create the first administrator:\n%s", n.out)
	}
	n.stop()

	out, err := exec.Command(bin, "user", "create", "--admin", "--email", "Boss@Example.org", "--data", data).CombinedOutput()
	m := regexp.MustCompile(`Password \(shown once\): (\S+)`).FindSubmatch(out)
	if err != nil || m == nil || !strings.Contains(string(out), "Created boss@example.org (admin)") {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	password := string(m[1])
	if out, err := exec.Command(bin, "user", "create", "--email", "boss@example.org", "--data", data).CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("a second account with the same address: %v\n%s", err, out)
	}
	tok, err := exec.Command(bin, "user", "token", "--email", "boss@example.org", "--name", "script", "--data", data).Output()
	if err != nil {
		t.Fatal(err)
	}
	// Each subcommand lists and takes only its own flags.
	if out, err := exec.Command(bin, "user", "list", "--email", "boss@example.org", "--data", data).CombinedOutput(); err == nil || !strings.Contains(string(out), "flag provided but not defined: -email") {
		t.Errorf("user list --email: %v\n%s", err, out)
	}
	help, _ := exec.Command(bin, "user", "token", "-h").CombinedOutput()
	if !strings.Contains(string(help), "-expires-days") || strings.Contains(string(help), "-role") || strings.Contains(string(help), "-password-stdin") {
		t.Errorf("user token -h lists other subcommands' flags:\n%s", help)
	}
	n = startServeEnv(t, data, nil)
	n.token = strings.TrimSpace(string(tok))
	var me struct{ User facteur.User }
	n.must(200, "GET", "/api/v1/me", nil, &me)
	if me.User.Email != "boss@example.org" || me.User.Role != facteur.RoleAdmin {
		t.Errorf("me: %+v", me.User)
	}
	if n.login("boss@example.org", password) == "" {
		t.Error("no login with the printed password")
	}
	n.stop()

	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	cmd.Env = append(os.Environ(), "FACTEUR_ADMIN_EMAIL=admin@example.org")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "FACTEUR_ADMIN_PASSWORD is not") {
		t.Errorf("start with an e-mail and no password: %v\n%s", err, out)
	}

	n = startServeEnv(t, t.TempDir(), nil, "--demo")
	var pw, demoToken string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && demoToken == ""; time.Sleep(100 * time.Millisecond) {
		if m := regexp.MustCompile(`administrator demo@example.com with the password (\S+) `).FindStringSubmatch(n.out.String()); m != nil {
			pw = m[1]
		}
		if m := regexp.MustCompile(`API token of demo@example.com \(shown once\): (\S+)`).FindStringSubmatch(n.out.String()); m != nil {
			demoToken = m[1]
		}
	}
	if pw == "" || demoToken == "" {
		t.Fatalf("the demo printed no password or token:\n%s", n.out)
	}
	n.token = demoToken
	var runs []facteur.Run
	n.must(200, "GET", "/api/v1/runs", nil, &runs)
	if len(runs) != 1 || n.login("demo@example.com", pw) == "" {
		t.Errorf("demo runs %+v", runs)
	}
}
