package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/queue"
	"github.com/facteur/facteur/store"
)

// blocking waits in Deliver until its context ends.
type blocking struct{ started, ended chan struct{} }

func (b *blocking) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	close(b.started)
	<-ctx.Done()
	close(b.ended)
	return facteur.Delivery{}, ctx.Err()
}

func (b *blocking) Test(ctx context.Context) (facteur.Delivery, error) {
	return facteur.Delivery{}, nil
}

// TestCancelInterruptsRunningRun: cancelling a running run cancels the
// context of its work at once.
func TestCancelInterruptsRunningRun(t *testing.T) {
	f := newFixture(t, store.Config{})
	d := &blocking{started: make(chan struct{}), ended: make(chan struct{})}
	q, err := queue.New(riversqlite.New(f.db.SQL()), f.db, runner(f.db, t.TempDir(), d), queue.Config{PollInterval: 20 * time.Millisecond})
	must(t, err)
	ctx := context.Background()
	must(t, q.Start(ctx))
	defer q.Stop(ctx)
	run, err := q.RunNow(ctx, f.schedule.ID, f.owner.ID)
	must(t, err)
	select {
	case <-d.started:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not start")
	}
	must(t, q.Cancel(ctx, run.ID))
	select {
	case <-d.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not interrupt the running delivery")
	}
	if got := waitDone(t, f.db, run.ID); got.Status != facteur.RunCancelled {
		t.Fatalf("status %s", got.Status)
	}
}
