package queue_test

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

// TestFirstFailureSaysWhenTheLastTryIs: after the first failure of a
// delivery to a host that does not resolve, the run's error keeps the
// destination's sentence and says that the delivery is tried again, when,
// and when the last of the five attempts will be (10 s + 30 s + 2 min +
// 10 min of backoff: 12 min 40 s after the failure); the run log has the
// technical detail after the sentence, without doubled punctuation.
func TestFirstFailureSaysWhenTheLastTryIs(t *testing.T) {
	f := newFixture(t, store.Config{})
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	sentence := "Connection failed. The host name sftp.example.com cannot be resolved: check the host."
	d := &flaky{folder: dest, failures: 100, err: facteur.WrapError(facteur.EUNAVAILABLE,
		&net.DNSError{Err: "no such host", Name: "sftp.example.com", IsNotFound: true}, "%s", sentence)}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), d), queue.Config{PollInterval: 20 * time.Millisecond})
	must(t, err)
	ctx := context.Background()
	must(t, q.Start(ctx))
	defer q.Stop(ctx)
	failed := time.Now().UTC()
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	var got *facteur.Run
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err = f.db.Run(ctx, run.ID)
		must(t, err)
		if got.Status == facteur.RunRetrying || time.Now().After(deadline) {
			break
		}
	}
	if got.Status != facteur.RunRetrying {
		t.Fatalf("run %s: %q", got.Status, got.Error)
	}
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(sentence) + ` The delivery of the same file is tried again at (\S+ \S+) UTC; if it keeps failing, the last attempt \(5 of 5\) is at about (\S+ \S+) UTC\.$`).FindStringSubmatch(got.Error)
	if m == nil {
		t.Fatalf("the retrying run's error: %q", got.Error)
	}
	next, err1 := time.Parse(time.DateTime, m[1])
	last, err2 := time.Parse(time.DateTime, m[2])
	if err1 != nil || err2 != nil {
		t.Fatalf("times %q, %q: %v %v", m[1], m[2], err1, err2)
	}
	if d := next.Sub(failed); d < 9*time.Second || d > 20*time.Second {
		t.Errorf("the next attempt is %s after the failure, want 10 s", d)
	}
	if d := last.Sub(next); d != 12*time.Minute+30*time.Second {
		t.Errorf("the last attempt is %s after the next one, want 12 min 30 s", d)
	}
	log := logText(t, f.db, run.ID)
	want := "Attempt 1 of 5 failed: " + sentence + " (lookup sftp.example.com: no such host). The delivery of the same file is tried again at"
	if !strings.Contains(log, want) || strings.Contains(log, ".:") || strings.Contains(log, "..") {
		t.Errorf("log, want %q and no doubled punctuation:\n%s", want, log)
	}
}
