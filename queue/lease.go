package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/facteur/facteur"
)

// errLeaseLost is the cause of an attempt's context when its node could
// not renew its lease in time and another node may have taken its job
// over: the attempt stops and delivers nothing.
var errLeaseLost = errors.New("this node lost the lease of the attempt: another node may have taken the run over")

// DefaultNode names this process in leases and run logs: the host name and
// the process id.
func DefaultNode() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "facteur"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// heldLease is a lease this node holds, and how to stop its attempt.
type heldLease struct {
	lease  facteur.Lease
	cancel context.CancelCauseFunc
}

// hold takes the lease of one attempt of job jobID (of run runID, 0 for a
// mail). It returns the attempt's context, cancelled with errLeaseLost when
// the lease is lost; the previous attempt's lease (nil when none); and
// release, to call when the attempt ends. It fails with ECONFLICT when
// another attempt still holds the job.
func (q *Queue[TTx]) hold(ctx context.Context, jobID, runID int64, attempt int) (context.Context, *facteur.Lease, func(), error) {
	now := q.cfg.Now().UTC()
	l := facteur.Lease{JobID: jobID, RunID: runID, Node: q.cfg.Node, Attempt: attempt,
		StartedAt: now, RenewedAt: now, ExpiresAt: now.Add(q.cfg.LeaseTTL)}
	prev, err := q.leases.AcquireLease(ctx, &l, now)
	if err != nil {
		return nil, nil, nil, err
	}
	lctx, cancel := context.WithCancelCause(ctx)
	q.held.Store(jobID, &heldLease{lease: l, cancel: cancel})
	release := func() {
		q.held.Delete(jobID)
		cancel(nil)
		// The lease stays valid a while, until River has recorded the
		// outcome; a node dead before that is taken for dead once it ends.
		until := q.cfg.Now().UTC().Add(q.cfg.LeaseTTL)
		if err := q.leases.ReleaseLease(context.WithoutCancel(ctx), jobID, l.Node, attempt, until); err != nil {
			q.cfg.Logger.Warn("release lease", "job", jobID, "err", err)
		}
	}
	return lctx, prev, release, nil
}

// Fence checks, just before a run's file is delivered, that this node
// still holds the lease of the run's attempt, renewing it. It fails (with
// errLeaseLost) when another node may have taken the run over: the file
// must then not be delivered by this attempt.
func (q *Queue[TTx]) Fence(ctx context.Context, run *facteur.Run) error {
	var h *heldLease
	q.held.Range(func(_, v any) bool {
		if hl := v.(*heldLease); hl.lease.RunID == run.ID {
			h = hl
		}
		return h == nil
	})
	if h == nil {
		return facteur.WrapError(facteur.ECONFLICT, errLeaseLost, "Run %d holds no lease on this node; it is not delivered from here.", run.ID)
	}
	if !q.renew(ctx, h) {
		return facteur.WrapError(facteur.ECONFLICT, errLeaseLost, "This node lost the run's lease; another node takes the run over, nothing is delivered from here.")
	}
	return nil
}

// renew extends one held lease; when the lease is lost it stops its
// attempt and reports false. A database error keeps the lease until it
// expires: the next renewal then fails for good.
func (q *Queue[TTx]) renew(ctx context.Context, h *heldLease) bool {
	now := q.cfg.Now().UTC()
	ok, err := q.leases.RenewLease(ctx, h.lease.JobID, h.lease.Node, h.lease.Attempt, now, now.Add(q.cfg.LeaseTTL))
	if err != nil {
		q.cfg.Logger.Warn("renew lease", "job", h.lease.JobID, "err", err)
		return true
	}
	if !ok {
		q.cfg.Logger.Error("lost the lease of a running job; stopping its attempt", "job", h.lease.JobID, "run", h.lease.RunID)
		h.cancel(errLeaseLost)
	}
	return ok
}

// keepLeases renews the leases this node holds every LeaseRenew and, on a
// shared database, takes up the jobs of dead nodes every LeaseRenew/2,
// until ctx ends.
func (q *Queue[TTx]) keepLeases(ctx context.Context) {
	renew := time.NewTicker(q.cfg.LeaseRenew)
	defer renew.Stop()
	var reclaim <-chan time.Time
	if !q.cfg.SingleNode {
		t := time.NewTicker(q.cfg.LeaseRenew / 2)
		defer t.Stop()
		reclaim = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-renew.C:
			q.held.Range(func(_, v any) bool {
				q.renew(ctx, v.(*heldLease))
				return true
			})
		case <-reclaim:
			q.reclaimExpired(ctx)
		}
	}
}

// reclaimExpired makes the jobs whose lease expired available again.
func (q *Queue[TTx]) reclaimExpired(ctx context.Context) {
	now := q.cfg.Now().UTC()
	// A job claimed without a lease for two lease periods lost its node
	// between claiming it and taking the lease.
	got, err := q.leases.ReclaimExpired(ctx, now, now.Add(-2*q.cfg.LeaseTTL), []string{RunArgs{}.Kind(), MailArgs{}.Kind()})
	if err != nil {
		if ctx.Err() == nil {
			q.cfg.Logger.Warn("take up the jobs of stopped nodes", "err", err)
		}
		return
	}
	for _, l := range got {
		q.cfg.Logger.Warn("taking up the job of a stopped node", "job", l.JobID, "run", l.RunID, "node", l.Node,
			"attempt", l.Attempt, "last_seen", l.RenewedAt.Format(time.RFC3339))
	}
}

// startLeases takes up, on the embedded database, every job a dead process
// left running, and starts keeping this node's leases.
func (q *Queue[TTx]) startLeases(ctx context.Context) error {
	if q.cfg.SingleNode {
		ids, err := q.leases.ReclaimAll(ctx, q.cfg.Now().UTC())
		if err != nil {
			return fmt.Errorf("take up interrupted jobs: %w", err)
		}
		if len(ids) > 0 {
			q.cfg.Logger.Warn("taking up the jobs the previous process left running", "jobs", ids)
		}
	}
	kctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		q.keepLeases(kctx)
	}()
	q.stopLeases = func() { cancel(); wg.Wait() }
	return nil
}

// interruption is the run log's line for an attempt that takes over from
// one that was interrupted, or "" when the previous attempt ended on its
// own.
func (q *Queue[TTx]) interruption(prev *facteur.Lease, attempt int, now time.Time) string {
	const clock = "15:04:05 UTC"
	switch {
	case prev != nil && !prev.Released:
		return fmt.Sprintf("Interrupted: node %s stopped at %s (it was last heard of then); attempt %d started at %s on node %s.",
			prev.Node, prev.RenewedAt.UTC().Format(clock), attempt, now.UTC().Format(clock), q.cfg.Node)
	case prev == nil && attempt > 1:
		return fmt.Sprintf("Interrupted: the node that claimed attempt %d stopped before it began; attempt %d started at %s on node %s.",
			attempt-1, attempt, now.UTC().Format(clock), q.cfg.Node)
	}
	return ""
}
