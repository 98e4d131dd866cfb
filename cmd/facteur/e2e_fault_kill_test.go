package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/internal/faultpoint"
	"github.com/facteur/facteur/internal/faultproxy"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/mail/smtptest"
)

// The stages TestKillAtEveryStage kills a run in, and how it knows the run
// is there:
//   - query: the report's query is active on PostgreSQL (pg_stat_activity);
//     it sleeps 0.6 s before its first row;
//   - spool: the run's partial file is in the spool directory;
//   - upload: the destination's link is slowed to 1.5 MB/s by a proxy
//     (internal/faultproxy) that has carried 256 KB of the upload; for a
//     folder, the temporary file is created (fault point "upload");
//   - before-rename: the whole file is under its temporary name (folder,
//     SFTP), or the mail server accepted the mail and the recipient is not
//     recorded as sent (e-mail); fault point "before-rename"; an S3 object
//     and a webhook request have no such step;
//   - delivered: the destination has the file, the run's history does not
//     say so yet (fault point "delivered").
const (
	stageQuery        = "query"
	stageSpool        = "spool"
	stageUpload       = "upload"
	stageBeforeRename = faultpoint.BeforeRename
	stageDelivered    = faultpoint.Delivered
)

// killRows is the size of the export: about 4.4 MB of CSV.
const killRows = 120_000

// killTarget is one destination the kill test delivers to.
type killTarget struct {
	stages []string
	proxy  *faultproxy.Proxy // between Facteur and the server, nil for a folder
	setup  func(n *node)     // mail settings, for e-mail
	config map[string]any    // the destination's config
	// final returns what is under the final name now, and whether
	// anything is.
	final func(t *testing.T, name string) ([]byte, bool)
	// partials lists what a delivery of name left besides the final file.
	partials func(t *testing.T, name string) []string
	// keys returns one identity per copy delivered: the final name, the
	// Message-ID or the idempotency key; a repeat has the same one.
	keys func(t *testing.T, name string) []string
}

// killTally counts one (destination, stage) pair.
type killTally struct {
	tried, reached, passed, partial, lost, dups, failed int
}

// killKills is how many times each stage of each destination is killed:
// FACTEUR_FAULT_KILLS, 1 by default.
func killKills() int {
	if v, err := strconv.Atoi(os.Getenv("FACTEUR_FAULT_KILLS")); err == nil && v > 0 {
		return v
	}
	return 1
}

// TestKillAtEveryStage exports killRows rows from PostgreSQL to a folder,
// SFTP (OpenSSH), S3 (versitygw), e-mail (the SMTP test server) and a
// webhook, and kills `facteur serve` with SIGKILL in each stage of the run
// (see the stage constants), at a random moment within it, then restarts
// it. After each kill: nothing but the whole file is ever under the final
// name; the run ends delivered, with the file of the first clean run
// (same bytes, same SHA-256) and nothing partial left; a repeat delivery
// (possible only once the destination had the file) carries the same
// identity: same final name or object, same Message-ID, same idempotency
// key. A repeat can follow a kill during the upload too: what the process
// had written to its socket before it died still reaches the receiver,
// which may then hold the whole request. FACTEUR_FAULT_KILLS=20 kills each
// stage 20 times.
func TestKillAtEveryStage(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: it kills and restarts the server many times")
	}
	pg := postgresURL(t)
	token := make([]byte, 4)
	rand.Read(token)
	tag := hex.EncodeToString(token)
	kills := killKills()
	began := time.Now()

	targets := map[string]func(t *testing.T) killTarget{
		"folder": folderKill, "sftp": sftpKill, "s3": func(t *testing.T) killTarget { return s3Kill(t, tag) },
		"webhook": webhookKill, "email": emailKill,
	}
	var mu sync.Mutex
	tallies := map[string]*killTally{}
	t.Run("kinds", func(t *testing.T) {
		for kind, mk := range targets {
			t.Run(kind, func(t *testing.T) {
				t.Parallel()
				c := mk(t)
				if c.proxy != nil {
					t.Cleanup(func() { c.proxy.Close() })
				}
				k := newKiller(t, pg, fmt.Sprintf("%s-%s", tag, kind), kind, c)
				for _, stage := range c.stages {
					tally := &killTally{}
					mu.Lock()
					tallies[kind+" "+stage] = tally
					mu.Unlock()
					for range kills {
						k.once(stage, tally)
					}
				}
			})
		}
	})
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range tallies {
			if !yield(k) {
				return
			}
		}
	})
	var sum killTally
	for _, k := range keys {
		x := tallies[k]
		t.Logf("%-22s tried %d, killed in the stage %d, passed %d, partial under the final name %d, lost %d, failed %d, repeats with the same identity %d",
			k, x.tried, x.reached, x.passed, x.partial, x.lost, x.failed, x.dups)
		sum.tried += x.tried
		sum.reached += x.reached
		sum.passed += x.passed
		sum.partial += x.partial
		sum.lost += x.lost
		sum.dups += x.dups
		sum.failed += x.failed
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("kill at every stage: %d kills (%d in the stage aimed at), %d passed, %d partial files under a final name, %d runs lost, %d failed, %d repeat deliveries (same identity); %s; load average %s",
		sum.tried, sum.reached, sum.passed, sum.partial, sum.lost, sum.failed, sum.dups, time.Since(began).Round(time.Second), strings.Join(strings.Fields(string(load))[:3], " "))
}

// killer runs one destination's kills on one data directory.
type killer struct {
	t        *testing.T
	pg       string
	c        killTarget
	data     string
	armed    string // the fault points file
	env      []string
	n        *node
	schedule int64
	tag      string
	want     string // the SHA-256 of the whole file, from a clean run
	rng      *mrand.Rand
}

func newKiller(t *testing.T, pg, tag, kind string, c killTarget) *killer {
	k := &killer{t: t, pg: pg, c: c, data: t.TempDir(), tag: tag}
	k.armed = filepath.Join(t.TempDir(), "points")
	k.env = []string{"FACTEUR_ADMIN_EMAIL=" + testAdmin, "FACTEUR_ADMIN_PASSWORD=" + testPassword,
		"FACTEUR_FAULT_POINTS=" + k.armed, "FACTEUR_FAULT_HOLD=2s"}
	seed := time.Now().UnixNano()
	k.rng = mrand.New(mrand.NewPCG(uint64(seed), 0))
	t.Logf("%s: seed %d", kind, seed)
	k.start()
	if c.setup != nil {
		c.setup(k.n)
	}
	var src, rep, dest, sc struct{ ID int64 }
	k.n.must(201, "POST", "/api/v1/sources", map[string]any{"name": "pg", "dsn": testdb.PostgresReader(t, pg)}, &src)
	sql := fmt.Sprintf("select /* fault-%s */ g as id, md5(g::text) as label from pg_sleep(0.6), generate_series(1, %d) g order by g", tag, killRows)
	k.n.must(201, "POST", "/api/v1/reports", map[string]any{"name": "big", "source_id": src.ID, "sql": sql}, &rep)
	k.n.must(201, "POST", "/api/v1/destinations", map[string]any{"name": "Partner " + kind, "kind": kind, "config": c.config}, &dest)
	k.n.must(201, "POST", "/api/v1/schedules", map[string]any{"report_id": rep.ID, "destination_id": dest.ID, "enabled": false,
		"format": map[string]any{"format": "csv"}, "file_name": "kill-" + tag + "-{run_id}.csv", "calendar": map[string]any{"frequency": "daily"}}, &sc)
	k.schedule = sc.ID
	// A clean run gives the whole file every later run must deliver.
	var run facteur.Run
	k.n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", sc.ID), nil, &run)
	r := k.n.waitRun(run.ID)
	if r.Status != facteur.RunSucceeded || r.Rows != killRows {
		t.Fatalf("clean run: %s, %d rows, %s; log %+v", r.Status, r.Rows, r.Error, r.Log)
	}
	k.want = r.SHA256
	if b, ok := c.final(t, r.FileName); !ok || shaOf(b) != k.want {
		t.Fatalf("clean run: %s has %d bytes (%v), sha-256 %s, want %s", r.FileName, len(b), ok, shaOf(b), k.want)
	}
	return k
}

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (k *killer) start() {
	k.n = startServeEnv(k.t, k.data, k.env)
	k.n.token = k.n.login(testAdmin, testPassword)
}

// arm sets the fault points file and the link's speed for a stage.
func (k *killer) arm(stage string) {
	points := ""
	switch {
	case stage == stageBeforeRename || stage == stageDelivered:
		points = stage
	case stage == stageUpload && k.c.proxy == nil:
		points = faultpoint.Upload
	}
	if err := os.WriteFile(k.armed, []byte(points), 0o644); err != nil {
		k.t.Fatal(err)
	}
	if k.c.proxy != nil {
		k.c.proxy.Throttle(map[bool]int64{true: 1_500_000}[stage == stageUpload])
	}
}

// reached waits until the run is in stage, and reports whether it is.
func (k *killer) reached(stage string, run int64, carried int64) bool {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		switch {
		case stage == stageQuery:
			if pgCount(k.t, k.pg, fmt.Sprintf("select count(*) from pg_stat_activity where query like '%%fault-%s%%' and state = 'active' and pid <> pg_backend_pid()", k.tag)) > 0 {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		case stage == stageSpool:
			if m, _ := filepath.Glob(filepath.Join(k.data, "spool", fmt.Sprintf(".run-%d.*.partial", run))); len(m) > 0 {
				return true
			}
		case stage == stageUpload && k.c.proxy != nil:
			if k.c.proxy.Carried() > carried+256<<10 {
				return true
			}
		default:
			point := stage
			if stage == stageUpload {
				point = faultpoint.Upload
			}
			if strings.Contains(k.n.out.String(), "fault point "+point+" reached") {
				return true
			}
		}
		var r facteur.Run
		k.n.must(200, "GET", fmt.Sprintf("/api/v1/runs/%d", run), nil, &r)
		if facteur.RunFinished(r.Status) {
			return false
		}
	}
	return false
}

// within is how long after a stage was seen the kill may come, at most.
func within(stage string) time.Duration {
	switch stage {
	case stageQuery:
		return 300 * time.Millisecond
	case stageSpool:
		return 100 * time.Millisecond
	case stageUpload:
		return time.Second
	}
	return time.Second // the fault point holds for 2 s
}

// noQueries waits until no query of the report is left on PostgreSQL (a
// killed node's query ends when the server finds its client gone).
func (k *killer) noQueries() {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if pgCount(k.t, k.pg, fmt.Sprintf("select count(*) from pg_stat_activity where query like '%%fault-%s%%' and pid <> pg_backend_pid()", k.tag)) == 0 {
			return
		}
	}
}

// once runs the schedule, kills the node in stage, restarts it and checks
// what the destination holds.
func (k *killer) once(stage string, tally *killTally) {
	t := k.t
	tally.tried++
	k.noQueries()
	k.arm(stage)
	var carried int64
	if k.c.proxy != nil {
		carried = k.c.proxy.Carried()
	}
	var run facteur.Run
	k.n.must(202, "POST", fmt.Sprintf("/api/v1/schedules/%d/run", k.schedule), nil, &run)
	if k.reached(stage, run.ID, carried) {
		time.Sleep(time.Duration(k.rng.Int64N(int64(within(stage)))))
		tally.reached++
	} else {
		t.Errorf("run %d: never seen in stage %s; killed anyway", run.ID, stage)
	}
	kill9(k.n)
	name := strings.Replace("kill-"+k.tag+"-{run_id}.csv", "{run_id}", strconv.FormatInt(run.ID, 10), 1)
	if b, ok := k.c.final(t, name); ok && shaOf(b) != k.want {
		tally.partial++
		t.Errorf("%s, killed in %s: %s holds %d bytes that are not the whole file", k.c.config, stage, name, len(b))
	}
	k.arm("")
	k.start()
	r := k.n.waitRun(run.ID)
	b, ok := k.c.final(t, name)
	left := k.c.partials(t, name)
	ids := k.c.keys(t, name)
	switch {
	case r.Status != facteur.RunSucceeded:
		tally.failed++
		if r.Error == "" {
			t.Errorf("run %d killed in %s: %s without a reason", run.ID, stage, r.Status)
		}
		t.Errorf("run %d killed in %s: %s (%s); log %+v", run.ID, stage, r.Status, r.Error, r.Log)
	case !ok:
		tally.lost++
		t.Errorf("run %d killed in %s: succeeded, but %s is not at the destination", run.ID, stage, name)
	case shaOf(b) != k.want || r.SHA256 != k.want || r.Rows != killRows:
		tally.partial++
		t.Errorf("run %d killed in %s: %s has %d bytes, sha-256 %s; the run says %s, %d rows; want %s", run.ID, stage, name, len(b), shaOf(b), r.SHA256, r.Rows, k.want)
	case len(left) > 0:
		tally.partial++
		t.Errorf("run %d killed in %s: left beside the file: %q", run.ID, stage, left)
	case len(ids) == 0:
		tally.lost++
		t.Errorf("run %d killed in %s: no delivery recorded at the destination", run.ID, stage)
	default:
		tally.passed++
	}
	for _, id := range ids[min(1, len(ids)):] {
		tally.dups++
		if id != ids[0] {
			t.Errorf("run %d killed in %s: delivered again under another identity: %q", run.ID, stage, ids)
		}
		if stage == stageQuery || stage == stageSpool {
			t.Errorf("run %d killed in %s: delivered %d times, though the kill came before any byte was sent", run.ID, stage, len(ids))
		}
	}
}

func folderKill(t *testing.T) killTarget {
	dir := t.TempDir()
	return killTarget{
		stages: []string{stageQuery, stageSpool, stageUpload, stageBeforeRename, stageDelivered},
		config: map[string]any{"path": dir},
		final:  func(t *testing.T, name string) ([]byte, bool) { return readIfThere(t, filepath.Join(dir, name)) },
		partials: func(t *testing.T, name string) []string {
			return partialsIn(t, dir, name)
		},
		keys: func(t *testing.T, name string) []string { return existing(t, dir, name) },
	}
}

func sftpKill(t *testing.T) killTarget {
	addr, user, password, dir := sftpEnv(t)
	proxy, err := faultproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(proxy.Addr(), ":")
	p, _ := strconv.Atoi(port)
	t.Cleanup(func() {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if strings.Contains(e.Name(), "kill-") {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	})
	return killTarget{
		stages: []string{stageQuery, stageSpool, stageUpload, stageBeforeRename, stageDelivered},
		proxy:  proxy,
		config: map[string]any{"host": host, "port": p, "user": user, "password": password, "directory": dir},
		final:  func(t *testing.T, name string) ([]byte, bool) { return readIfThere(t, filepath.Join(dir, name)) },
		partials: func(t *testing.T, name string) []string {
			return partialsIn(t, dir, name)
		},
		keys: func(t *testing.T, name string) []string { return existing(t, dir, name) },
	}
}

func readIfThere(t *testing.T, path string) ([]byte, bool) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, false
	} else if err != nil {
		t.Fatal(err)
	}
	return b, true
}

func partialsIn(t *testing.T, dir, name string) []string {
	var out []string
	for _, e := range files(t, dir) {
		if deliver.IsPartialOf(e, name) {
			out = append(out, e)
		}
	}
	return out
}

func existing(t *testing.T, dir, name string) []string {
	if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
		return []string{name}
	}
	return nil
}

func s3Kill(t *testing.T, tag string) killTarget {
	endpoint, access, secret, client := s3Env(t)
	bucket := "facteur-kill-" + tag
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(endpoint)
	proxy, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		list, _ := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if list != nil {
			for _, o := range list.Contents {
				client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			}
		}
		client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	})
	final := func(t *testing.T, name string) ([]byte, bool) {
		obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(name)})
		if err != nil {
			return nil, false
		}
		defer obj.Body.Close()
		b, err := io.ReadAll(obj.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b, true
	}
	return killTarget{
		stages: []string{stageQuery, stageSpool, stageUpload, stageDelivered},
		proxy:  proxy,
		config: map[string]any{"bucket": bucket, "endpoint": "http://" + proxy.Addr(), "access_key_id": access, "secret_access_key": secret},
		final:  final,
		partials: func(t *testing.T, name string) []string {
			ups, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, up := range ups.Uploads {
				if aws.ToString(up.Key) == name {
					out = append(out, "unfinished upload of "+name)
				}
			}
			return out
		},
		keys: func(t *testing.T, name string) []string {
			if _, ok := final(t, name); ok {
				return []string{name}
			}
			return nil
		},
	}
}

func webhookKill(t *testing.T) killTarget {
	var mu sync.Mutex
	bodies := map[string][][]byte{} // by file name, the whole bodies answered 2xx
	keys := map[string][]string{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return // cut: nothing received
		}
		name, _ := url.PathUnescape(r.Header.Get("Facteur-File-Name"))
		mu.Lock()
		bodies[name] = append(bodies[name], body)
		keys[name] = append(keys[name], r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	u, _ := url.Parse(recv.URL)
	proxy, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return killTarget{
		stages: []string{stageQuery, stageSpool, stageUpload, stageDelivered},
		proxy:  proxy,
		config: map[string]any{"url": "http://" + proxy.Addr() + "/in", "secret": "a-webhook-secret-of-32-characters"},
		final: func(t *testing.T, name string) ([]byte, bool) {
			mu.Lock()
			defer mu.Unlock()
			for _, b := range bodies[name] {
				if !bytes.Equal(b, bodies[name][0]) {
					t.Errorf("%s: the receiver got different bodies", name)
				}
			}
			if len(bodies[name]) == 0 {
				return nil, false
			}
			return bodies[name][0], true
		},
		partials: func(*testing.T, string) []string { return nil },
		keys: func(t *testing.T, name string) []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(keys[name])
		},
	}
}

func emailKill(t *testing.T) killTarget {
	smtp := smtptest.Start(t, smtptest.Options{})
	proxy, err := faultproxy.Start(smtp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	// mails returns the mails carrying name, decoded.
	mails := func(t *testing.T, name string) []parsed {
		var out []parsed
		for _, m := range smtp.Messages() {
			if !bytes.Contains(m.Data, []byte(name)) {
				continue
			}
			if p := parseMail(t, m.Data); p.attachments[name] != nil {
				out = append(out, p)
			}
		}
		return out
	}
	host, port, _ := strings.Cut(proxy.Addr(), ":")
	p, _ := strconv.Atoi(port)
	return killTarget{
		stages: []string{stageQuery, stageSpool, stageUpload, stageBeforeRename, stageDelivered},
		proxy:  proxy,
		setup: func(n *node) {
			n.must(200, "PUT", "/api/v1/settings/mail", map[string]any{"host": host, "port": p, "security": "none", "from": "facteur@example.org"}, nil)
			n.must(200, "PUT", "/api/v1/settings/policy", map[string]any{"allowed_email_domains": []string{"example.org"}}, nil)
		},
		config: map[string]any{"to": []string{"partner@example.org"}},
		final: func(t *testing.T, name string) ([]byte, bool) {
			got := mails(t, name)
			if len(got) == 0 {
				return nil, false
			}
			return got[0].attachments[name], true
		},
		partials: func(*testing.T, string) []string { return nil },
		keys: func(t *testing.T, name string) []string {
			var ids []string
			for _, m := range mails(t, name) {
				ids = append(ids, m.header.Get("Message-Id"))
			}
			return ids
		},
	}
}
