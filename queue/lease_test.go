package queue_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

// TestLostLeaseIsFenced: an attempt whose lease expired while it exported
// (its node was taken for dead, say after a long pause) does not deliver:
// the attempt that took the run over does, once.
func TestLostLeaseIsFenced(t *testing.T) {
	f := newFixture(t, store.Config{})
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	d := &flaky{folder: dest}
	r := runner(f.db, t.TempDir(), d)
	open := r.OpenSource
	var once sync.Once
	paused, resume := make(chan struct{}), make(chan struct{})
	r.OpenSource = func(ctx context.Context, s *facteur.Source) (facteur.Querier, error) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(paused)
			<-resume // the node is paused past its lease
		}
		return open(ctx, s)
	}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, r, queue.Config{PollInterval: 20 * time.Millisecond,
		Node: "paused", LeaseTTL: 3 * time.Second, LeaseRenew: time.Second})
	must(t, err)
	r.Fence = q.Fence
	ctx := context.Background()
	must(t, q.Start(ctx))
	defer q.Stop(ctx)
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	<-paused
	// The lease runs out while the node is paused, and a live node takes
	// the run up.
	if _, err := f.db.SQL().Exec("UPDATE job_leases SET expires_at = 0"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.db.ReclaimExpired(ctx, time.Now(), time.Now(), nil); err != nil || len(got) != 1 {
		t.Fatalf("reclaim: %+v %v", got, err)
	}
	got := waitDone(t, f.db, run.ID)
	close(resume)
	time.Sleep(time.Second) // the paused attempt gets to its delivery
	log := logText(t, f.db, run.ID)
	if got.Status != facteur.RunSucceeded || got.Attempt != 2 || d.calls.Load() != 1 {
		t.Fatalf("run %s attempt %d, %d deliveries:\n%s", got.Status, got.Attempt, d.calls.Load(), log)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log, "Attempt 1 on node paused lost its lease") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		log = logText(t, f.db, run.ID)
	}
	if !strings.Contains(log, "Attempt 1 on node paused lost its lease and stopped") || d.calls.Load() != 1 {
		t.Errorf("the paused attempt was not fenced (%d deliveries):\n%s", d.calls.Load(), log)
	}
	if after, _ := f.db.Run(ctx, run.ID); after.Status != facteur.RunSucceeded || after.Attempt != 2 {
		t.Errorf("after the fenced attempt stopped the run reads %s, attempt %d", after.Status, after.Attempt)
	}
	if files, _ := os.ReadDir(f.outbox); len(files) != 1 {
		t.Errorf("outbox has %d files", len(files))
	}
}
