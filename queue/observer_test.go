package queue_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/folder"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

// recorder is an Observer that keeps the states it is told of.
type recorder struct {
	mu     sync.Mutex
	states []string
}

func (r *recorder) RunChanged(_ context.Context, run *facteur.Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, run.Status)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states)
}

// TestObserverSeesEachOutcomeOnce: a run that fails twice then succeeds is
// observed retrying twice and succeeded once; a run cancelled while queued
// is observed cancelled once.
func TestObserverSeesEachOutcomeOnce(t *testing.T) {
	f := newFixture(t, store.Config{})
	dest, err := folder.New(folder.Config{Path: f.outbox})
	must(t, err)
	d := &flaky{folder: dest, failures: 2, err: facteur.Errorf(facteur.EUNAVAILABLE, "connection reset by peer")}
	rec := &recorder{}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), d),
		queue.Config{Backoff: []time.Duration{100 * time.Millisecond}, PollInterval: 20 * time.Millisecond, Observer: rec})
	must(t, err)
	ctx := context.Background()
	// Cancelled before any node started: observed by the cancel.
	queued, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	must(t, q.Cancel(ctx, queued.ID))
	must(t, q.Start(ctx))
	defer q.Stop(ctx)
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	if got := waitDone(t, f.db, run.ID); got.Status != facteur.RunSucceeded {
		t.Fatalf("run %s:\n%s", got.Status, logText(t, f.db, run.ID))
	}
	time.Sleep(300 * time.Millisecond) // nothing more is to come
	want := []string{facteur.RunCancelled, facteur.RunRetrying, facteur.RunRetrying, facteur.RunSucceeded}
	if got := rec.got(); !slices.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}
