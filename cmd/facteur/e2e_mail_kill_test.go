package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// slowSMTP builds and starts testdata/slowsmtp: a real SMTP server in a
// process of its own that waits delay before accepting each message and
// writes it to inbox. It returns its host and port.
func slowSMTP(t *testing.T, inbox string, delay time.Duration) (string, int) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "slowsmtp")
	if out, err := exec.Command("go", "build", "-o", exe, "./testdata/slowsmtp").CombinedOutput(); err != nil {
		t.Fatalf("build slowsmtp: %v\n%s", err, out)
	}
	last := "0.5"
	if v := os.Getenv("FACTEUR_TEST_SMTP_LAST"); v != "" {
		last = v // the share of the delay after the server has the message: 0 leaves no repeat
	}
	cmd := exec.Command(exe, "-dir", inbox, "-delay", delay.String(), "-last", last)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var host string
	var port int
	if _, serr := fmt.Sscanf(strings.Replace(strings.TrimPrefix(strings.TrimSpace(line), "listening on "), ":", " ", 1), "%s %d", &host, &port); err != nil || serr != nil {
		t.Fatalf("slowsmtp: %q %v %v", line, err, serr)
	}
	return host, port
}

// received is one message the slow server kept.
type received struct {
	file, to, id string
}

// readInbox returns the messages in inbox, by envelope recipient.
func readInbox(t *testing.T, inbox string) []received {
	t.Helper()
	entries, err := os.ReadDir(inbox)
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(inbox, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, to := range strings.Split(m.Header.Get("X-Envelope-To"), ", ") {
			out = append(out, received{file: e.Name(), to: to, id: m.Header.Get("Message-Id")})
		}
	}
	return out
}

// strictCheck parses every message of inbox with Python's email package
// and policy.strict, which raises on any defect, and checks that every
// attachment's name reads back as wantPrefix…; it returns how many it
// parsed.
const strictCheck = `
import email, email.policy, os, sys
inbox, prefix = sys.argv[1], sys.argv[2]
parsed, bad = 0, 0
for name in sorted(os.listdir(inbox)):
    if name.startswith('.'):
        continue
    try:
        with open(os.path.join(inbox, name), 'rb') as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.strict)
        for part in msg.walk():
            for k, v in part.items():
                str(v)
            if part.defects:
                raise ValueError(part.defects)
            if part.get_content_disposition() == 'attachment':
                fn = part.get_filename()
                if not fn or not fn.startswith(prefix):
                    raise ValueError('attachment name %r' % fn)
            if not part.is_multipart():
                part.get_content()
        parsed += 1
    except Exception as e:
        bad += 1
        print('%s: %r' % (name, e))
print('parsed %d defective %d' % (parsed, bad))
sys.exit(1 if bad else 0)
`

// TestMailKillSoak: e-mail deliveries to five recipients (the file attached
// and its rows in the mail) and failure
// alerts to four go through a slow SMTP server in another process while
// facteur is killed with SIGKILL at random points, a dozen times. Every
// (run, recipient) pair arrives; a pair that arrives twice (the server
// kept the mail, the process died before recording it) keeps its
// Message-ID; no run and no outbox job is left unfinished; every message
// passes Python's strict MIME parser.
func TestMailKillSoak(t *testing.T) {
	began := time.Now()
	inbox := t.TempDir()
	host, port := slowSMTP(t, inbox, 600*time.Millisecond)
	data := t.TempDir()
	n := startServe(t, data)
	n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": host, "port": port, "security": "none",
		"from": "Facteur <facteur@example.org>"}, nil)
	n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
	var src, rep, dest, folder, good, bad struct{ ID int64 }
	n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "small", "dsn": smallSQLiteSource(t)}, &src)
	n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "items", "source_id": src.ID, "sql": "select * from items order by id"}, &rep)
	partners := []string{"p1@example.org", "p2@example.org", "p3@example.org", "p4@example.org", "p5@example.org"}
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partners", "kind": "email", "config": map[string]any{
		"to": partners, "subject": "Items {file_name}", "html": true, "message": "<p>Hello,</p><p>{file_name}: {rows} rows &amp; more.</p>",
		"body": "both"}}, &dest)
	gone := filepath.Join(t.TempDir(), "gone")
	os.Mkdir(gone, 0o755)
	n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Vanishing", "kind": "folder", "config": map[string]any{"path": gone}}, &folder)
	os.Remove(gone)
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Items to partners", "report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"file_name": "données-{run_id}.csv", "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &good)
	ops := []string{"ops1@example.org", "ops2@example.org", "ops3@example.org"}
	n.must(201, "POST", "/api/v1/schedules", map[string]any{"name": "Nightly items", "report_id": rep.ID, "destination_id": folder.ID, "enabled": false,
		"options": map[string]any{"alert_emails": ops}, "format": map[string]any{"format": "csv"}, "calendar": map[string]any{"frequency": "daily"}}, &bad)

	// want holds every (run, recipient) pair that must arrive.
	want := map[string]bool{}
	var runs []int64
	delivers := map[int64]bool{} // the runs that mail the file, and succeed
	for i := range 18 {
		var run facteur.Run
		sc, to := good.ID, partners
		if i%3 == 2 {
			sc, to = bad.ID, append([]string{testAdmin}, ops...)
		}
		n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc), nil, &run)
		runs = append(runs, run.ID)
		delivers[run.ID] = sc == good.ID
		for _, a := range to {
			want[fmt.Sprintf("%d %s", run.ID, a)] = true
		}
	}

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	const kills = 12
	var keptAtKill []int // the mails the server had kept at each kill
	for range kills {
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		kill9(n)
		keptAtKill = append(keptAtKill, len(readInbox(t, inbox)))
		n = startServe(t, data)
	}
	t.Logf("%d kills (seed %d) in %s", kills, seed, time.Since(began).Round(time.Millisecond))

	// Every run reaches its final state, and every recipient is sent.
	stuck := 0
	for _, id := range runs {
		r := n.waitRun(id)
		if want := map[bool]string{true: facteur.RunSucceeded, false: facteur.RunFailed}[delivers[id]]; r.Status != want {
			t.Errorf("run %d: %s %s, want %s", id, r.Status, r.Error, want)
		}
	}
	var recipients map[int64][]*facteur.MailRecipient
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		recipients = map[int64][]*facteur.MailRecipient{}
		pending := 0
		for _, id := range runs {
			var r struct {
				Recipients []*facteur.MailRecipient `json:"recipients"`
			}
			n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r)
			recipients[id] = r.Recipients
			for _, x := range r.Recipients {
				if x.State != facteur.MailSent {
					pending++
				}
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			stuck = pending
			break
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "facteur.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The queue records a job's end just after its work: give it a moment.
	var stuckJobs, stuckRuns int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM river_job WHERE kind IN ('facteur_mail', 'facteur_run')
			AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&stuckJobs); err != nil {
			t.Fatal(err)
		}
		if stuckJobs == 0 || time.Now().After(deadline) {
			break
		}
	}
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM runs WHERE status IN ('queued', 'running', 'retrying')`).Scan(&stuckRuns); err != nil {
		t.Fatal(err)
	}
	if stuckJobs > 0 {
		rows, err := db.QueryContext(context.Background(), `SELECT id, kind, state, attempt, args, errors, scheduled_at FROM river_job
			WHERE kind IN ('facteur_mail', 'facteur_run') AND state NOT IN ('completed', 'cancelled', 'discarded')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, attempt int64
			var kind, state, args, scheduled string
			var errs sql.NullString
			rows.Scan(&id, &kind, &state, &attempt, &args, &errs, &scheduled)
			t.Logf("unfinished job %d %s %s attempt %d scheduled %s: %s %s", id, kind, state, attempt, scheduled, args, errs.String)
		}
		rows.Close()
	}

	// What arrived: every pair, a repeat only with the same Message-ID.
	time.Sleep(time.Second) // a mail being accepted is written
	got := map[string][]string{}
	idRun := regexp.MustCompile(`^<(?:run|alert)-(\d+)\.`)
	for _, m := range readInbox(t, inbox) {
		sm := idRun.FindStringSubmatch(m.id)
		if sm == nil {
			t.Errorf("%s: Message-ID %q names no run", m.file, m.id)
			continue
		}
		got[sm[1]+" "+m.to] = append(got[sm[1]+" "+m.to], m.id)
		// A delivery shows the rows in the mail too: the tables spooled
		// beside the file survived the kills with it.
		if strings.HasPrefix(m.id, "<run-") {
			if b, err := os.ReadFile(filepath.Join(inbox, m.file)); err != nil || !bytes.Contains(b, []byte("id | label")) || !bytes.Contains(b, []byte("(2 rows)")) {
				t.Errorf("%s: the delivery's mail lacks its text table (%v)", m.file, err)
			}
		}
	}
	// A delivery's Message-ID names the run of the file; alerts their run.
	lost, dups, total := 0, 0, 0
	for pair := range want {
		ids := got[pair]
		if len(ids) == 0 {
			lost++
			t.Errorf("never arrived: run %s", pair)
			continue
		}
		total += len(ids)
		if len(ids) > 1 {
			t.Logf("run %s received %d times (%s)", pair, len(ids), ids[0])
		}
		for _, id := range ids[1:] {
			dups++
			if id != ids[0] {
				t.Errorf("run %s received twice with different Message-IDs: %s, %s", pair, ids[0], id)
			}
		}
	}
	for pair := range got {
		if !want[pair] {
			t.Errorf("unexpected mail: run %s", pair)
		}
	}
	// The run's page lists each recipient with its state and the reply.
	c := uiSession(t, n, testAdmin)
	for _, id := range runs[:3] {
		page := uiPage(t, c, fmt.Sprintf("%s/runs/%d", n.base, id))
		to, purpose := partners, "delivery"
		if !delivers[id] {
			to, purpose = append([]string{testAdmin}, ops...), "alert"
		}
		for _, a := range to {
			row := regexp.MustCompile(`<tr data-recipient="` + regexp.QuoteMeta(a) + `" data-purpose="` + purpose + `">.*?</tr>`).FindString(page)
			if !strings.Contains(row, `<span class="status sent">sent</span>`) || !strings.Contains(row, "<td>250 ") {
				t.Errorf("run %d's page, recipient %s: %q", id, a, row)
			}
		}
	}
	if form := uiPage(t, c, fmt.Sprintf("%s/destinations/%d/edit", n.base, dest.ID)); !strings.Contains(form, `<select id="email.recipients" name="email.recipients"`) ||
		!strings.Contains(form, `<option value="separate" selected>`) {
		t.Errorf("the e-mail destination form does not offer how recipients are addressed")
	}

	out, err := exec.Command("/usr/bin/python3", "-c", strictCheck, inbox, "données-").CombinedOutput()
	if err != nil {
		t.Errorf("Python's strict parser: %v\n%s", err, out)
	}
	midSend := 0
	for _, k := range keptAtKill {
		if k < total {
			midSend++
		}
	}
	if midSend < kills*2/3 {
		t.Errorf("only %d of %d kills landed while mail was still due: give the test more mail", midSend, kills)
	}
	t.Logf("mail kill soak: %d kills (%d while mail was still due), %d (run, recipient) pairs, %d mails received, %d lost, %d duplicates (same Message-ID), %d recipients not sent, %d runs and %d jobs unfinished; %s; %s in all",
		kills, midSend, len(want), total, lost, dups, stuck, stuckRuns, stuckJobs, strings.TrimSpace(string(out)), time.Since(began).Round(time.Second))
	if lost != 0 || stuck != 0 || stuckRuns != 0 || stuckJobs != 0 {
		t.Errorf("lost %d, recipients not sent %d, unfinished runs %d, unfinished jobs %d", lost, stuck, stuckRuns, stuckJobs)
	}
}
