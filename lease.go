package facteur

import (
	"context"
	"time"
)

// Lease is a node's hold on one attempt of a job of the queue (a run's
// export, a mail). The node renews it while the attempt runs; once it has
// expired, the node is taken for dead and a live node makes the job
// available again. An attempt checks that it still holds its lease before
// it delivers, so that a node taken for dead never delivers after another
// took its run over.
type Lease struct {
	JobID int64
	// RunID is the run the job executes; 0 for a mail.
	RunID int64
	// Node names the process that runs the attempt (hostname-pid or
	// --node-name).
	Node      string
	Attempt   int
	StartedAt time.Time
	// RenewedAt is when the node last renewed the lease: when it was last
	// known to be alive.
	RenewedAt time.Time
	ExpiresAt time.Time
	// Released is true once the attempt ended on its own (success, error,
	// snooze); false for an attempt that was interrupted.
	Released bool
}

// Leases keeps the leases of the queue's running jobs; the store
// implements it on both databases.
type Leases interface {
	// AcquireLease records l as the lease of l.JobID. It fails with
	// ECONFLICT when another attempt holds a lease that is neither
	// released nor expired at now. It returns the lease it replaced (the
	// previous attempt's), or nil when the job had none.
	AcquireLease(ctx context.Context, l *Lease, now time.Time) (prev *Lease, err error)
	// RenewLease extends the lease of the attempt to until, if the attempt
	// still holds it and it has not expired at now. It reports whether it
	// did: false means the attempt lost its lease and must stop.
	RenewLease(ctx context.Context, jobID int64, node string, attempt int, now, until time.Time) (bool, error)
	// ReleaseLease marks the attempt's lease as ended on its own; it stays
	// valid until until, by when the queue has recorded the job's outcome.
	ReleaseLease(ctx context.Context, jobID int64, node string, attempt int, until time.Time) error
	// ReclaimExpired makes available again each running job whose current
	// attempt's lease expired before now, sets its run back to queued, and
	// returns those leases. On PostgreSQL it also takes up the running jobs
	// of the given kinds that were claimed before orphanedBefore and never
	// got a lease (the node died between the two), returning leases with
	// only JobID and Attempt set.
	ReclaimExpired(ctx context.Context, now, orphanedBefore time.Time, kinds []string) ([]Lease, error)
	// ReclaimAll makes available again every running job and sets its run
	// back to queued, ending every lease at now. Only a node that knows it
	// is alone may call it (the embedded database, at start). It returns
	// the IDs of the jobs it made available.
	ReclaimAll(ctx context.Context, now time.Time) ([]int64, error)
}

// PartialRemover is a Deliverer that can remove the temporary files an
// interrupted delivery of a file left at the destination (its hidden
// ".NAME.RANDOM.partial" names), when an attempt takes over from it.
type PartialRemover interface {
	// RemovePartials removes the temporary files of deliveries of a file
	// named name and returns where they were.
	RemovePartials(ctx context.Context, name string) ([]string, error)
}
