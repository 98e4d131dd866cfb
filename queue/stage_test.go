package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/mail/smtptest"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

// A full spool is retried with backoff, and the run's log and its alert
// say so in words, not that the database failed.
func TestFullSpoolIsRetried(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: mounting a small tmpfs for a full spool needs root; run as root to test a full spool directory")
	}
	spool := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", spool).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a 1 MB tmpfs (%v: %s); a full spool directory is not tested", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", spool).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", spool, err, out)
		}
	})
	ctx := context.Background()
	smtp := smtptest.Start(t, smtptest.Options{})
	f := newFixture(t, store.Config{})
	f.schedule.Options.AlertEmails = []string{"ops@example.org"}
	must(t, f.db.UpdateSchedule(ctx, f.schedule))
	rep, err := f.db.Report(ctx, f.schedule.ReportID)
	must(t, err)
	// About 4 MB of text that does not compress much.
	rep.Table, rep.SQL = "", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 30000) SELECT x AS id, hex(randomblob(60)) AS label FROM c"
	must(t, f.db.UpdateReport(ctx, rep))
	raw, err := json.Marshal(mail.Settings{Host: smtp.Host, Port: smtp.Port, Security: mail.SecurityNone, From: "facteur@example.org"})
	must(t, err)
	must(t, f.db.PutSetting(ctx, mail.SettingsKey, raw))
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, spool, dest), queue.Config{MaxAttempts: 2,
		Backoff: []time.Duration{50 * time.Millisecond}, PollInterval: 20 * time.Millisecond, Mailer: &mail.Service{Store: f.db}})
	must(t, err)
	must(t, q.Start(ctx))
	defer q.Stop(ctx)

	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	got := waitDone(t, f.db, run.ID)
	full := fmt.Sprintf("The spool directory %s has 1.0 MB free; the export needed more.", spool)
	if got.Status != facteur.RunFailed || got.Attempt != 2 || !strings.HasPrefix(got.Error, full) {
		t.Fatalf("run %s after attempt %d: %q\n%s", got.Status, got.Attempt, got.Error, logText(t, f.db, run.ID))
	}
	log := logText(t, f.db, run.ID)
	for _, want := range []string{"error: Export failed at the spool stage: " + full, "warn: Attempt 1 of 2 failed: " + full, "error: Failed for good (after 2 attempts)"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Errorf("left in the spool: %v", left)
	}
	text, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(smtp.WaitFor(1, 10*time.Second)[0].Data)))
	must(t, err)
	if !strings.Contains(string(text), "Reason: "+full+" Make room") || strings.Contains(string(text), "database") {
		t.Errorf("alert mail:\n%s", text)
	}
}

// syncBuffer is a bytes.Buffer safe for the server log's handler.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// skewed is a source whose rows have one value more than its columns: a
// bug, which the encoder refuses.
type skewed struct{ facteur.Querier }

func (s skewed) Query(ctx context.Context, q facteur.Query) (facteur.Rows, error) {
	rows, err := s.Querier.Query(ctx, q)
	return skewedRows{rows}, err
}

type skewedRows struct{ facteur.Rows }

func (r skewedRows) Row() [][]byte { return append(r.Rows.Row(), []byte("extra")) }

// An encoder's unexpected error is a bug: the run fails at once, and the
// server's log has the run's id.
func TestEncoderBugFailsForGood(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, store.Config{})
	rep, err := f.db.Report(ctx, f.schedule.ReportID)
	must(t, err)
	rep.Fields = nil // every column, as the source returns them
	must(t, f.db.UpdateReport(ctx, rep))
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	var serverLog syncBuffer
	r := runner(f.db, t.TempDir(), dest)
	open := r.OpenSource
	r.OpenSource = func(ctx context.Context, s *facteur.Source) (facteur.Querier, error) {
		q, err := open(ctx, s)
		return skewed{q}, err
	}
	r.Logger = slog.New(slog.NewTextHandler(&serverLog, nil))
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, r, queue.Config{Backoff: []time.Duration{50 * time.Millisecond}, PollInterval: 20 * time.Millisecond})
	must(t, err)
	must(t, q.Start(ctx))
	defer q.Stop(ctx)
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	got := waitDone(t, f.db, run.ID)
	bug := "Writing the file failed because of an error in Facteur itself, which trying again will not fix; please report it with this run's log"
	if got.Status != facteur.RunFailed || got.Attempt != 1 || got.Error != bug {
		t.Fatalf("run %s after attempt %d: %q", got.Status, got.Attempt, got.Error)
	}
	if log := logText(t, f.db, run.ID); !strings.Contains(log, "error: Export failed at the encode stage: "+bug+": encode row 1: format: row has 3 values for 2 columns") ||
		!strings.Contains(log, "Failed for good (the error is permanent)") {
		t.Errorf("run log:\n%s", log)
	}
	if line := fmt.Sprintf("level=ERROR msg=\"Export failed at the encode stage: %s", bug); !strings.Contains(serverLog.String(), line) ||
		!strings.Contains(serverLog.String(), fmt.Sprintf("run=%d\n", run.ID)) {
		t.Errorf("server log lacks the error with run=%d:\n%s", run.ID, serverLog.String())
	}
}
