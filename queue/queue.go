// Package queue runs Facteur's runs as durable River jobs: a leader-only
// periodic tick turns due calendar slots into runs, each executed by a
// worker with retries and backoff. A run row and its job are written in one
// transaction, so a run is never lost and a slot never runs twice.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
)

// Config tunes the queue. The zero value is usable: every field has a default.
type Config struct {
	// Workers is how many runs one node executes at once. Default 2.
	Workers int
	// TickInterval is how often the leader looks for due schedules. Default 1s.
	TickInterval time.Duration
	// MaxAttempts is how many times a run is tried before it fails for good,
	// for errors a retry can fix. Default 5.
	MaxAttempts int
	// Backoff lists the waits before the 2nd, 3rd, … attempts; the last one
	// repeats. Default 10s, 30s, 2m, 10m.
	Backoff []time.Duration
	// MissedAfter is how late a slot may start before it counts as missed
	// (E7: caught up once, or skipped). Default 5m.
	MissedAfter time.Duration
	// PollInterval is how often a node looks for jobs where the database
	// cannot notify it (SQLite). Default 200ms.
	PollInterval time.Duration
	// CancelPoll is how often a running run checks whether a user on
	// another node cancelled it. Default 1s.
	CancelPoll time.Duration
	// StopTimeout is how long a graceful stop waits for running exports
	// before cancelling them; cancelled runs are queued again. Default 30s.
	StopTimeout time.Duration
	Logger      *slog.Logger
	// Mailer sends the outbox's mails (failure alerts, test mails); nil
	// leaves alerts in the log only.
	Mailer Mailer
	// PublicURL is Facteur's address, for the links in alerts.
	PublicURL string
	// MailHost is the host part of Message-IDs. Default "facteur.local".
	MailHost string
	// WatchInterval is how often the leader checks the schedules'
	// expected delivery windows (the dead-man's switch). Default 30s.
	WatchInterval time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time

	// Node names this process in leases and run logs. Default the host
	// name and the process id (DefaultNode).
	Node string
	// LeaseTTL is how long a running attempt's lease is valid without
	// renewal: a node not heard of for that long is taken for dead and its
	// jobs are taken up by a live node. Default 30s.
	LeaseTTL time.Duration
	// LeaseRenew is how often a node renews the leases of its running
	// attempts; live nodes look for expired leases twice as often. It must
	// be less than half LeaseTTL. Default 10s.
	LeaseRenew time.Duration
	// SingleNode says this node is the only one on its database (the
	// embedded SQLite): at start, every job left running belongs to a dead
	// process and is taken up at once.
	SingleNode bool
	// Leases keeps the leases; default the store, when it implements
	// facteur.Leases.
	Leases facteur.Leases
	// Observer is told of each run's outcomes (the metrics); nil: nobody.
	Observer Observer
}

// Observer is told, once its new state is recorded, of each run that has
// reached a final state (succeeded, failed, skipped or cancelled) or waits
// for another attempt (retrying).
type Observer interface {
	RunChanged(ctx context.Context, run *facteur.Run)
}

// observe tells the observer of run's state if it is final or retrying.
func (q *Queue[TTx]) observe(ctx context.Context, run *facteur.Run) {
	if q.cfg.Observer != nil && (facteur.RunFinished(run.Status) || run.Status == facteur.RunRetrying) {
		q.cfg.Observer.RunChanged(context.WithoutCancel(ctx), run)
	}
}

func (c *Config) setDefaults() {
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.TickInterval <= 0 {
		c.TickInterval = time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if len(c.Backoff) == 0 {
		c.Backoff = []time.Duration{10 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}
	}
	if c.MissedAfter <= 0 {
		c.MissedAfter = 5 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.CancelPoll <= 0 {
		c.CancelPoll = time.Second
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = 30 * time.Second
	}
	if c.WatchInterval <= 0 {
		c.WatchInterval = 30 * time.Second
	}
	if c.MailHost == "" {
		c.MailHost = "facteur.local"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Node == "" {
		c.Node = DefaultNode()
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 30 * time.Second
	}
	if c.LeaseRenew <= 0 {
		c.LeaseRenew = min(10*time.Second, c.LeaseTTL/3)
	}
}

// validate checks the fields setDefaults cannot fix.
func (c *Config) validate() error {
	if c.LeaseRenew*2 >= c.LeaseTTL {
		return facteur.Errorf(facteur.EINVALID, "lease renewal: %s must be less than half the lease (%s)", c.LeaseRenew, c.LeaseTTL)
	}
	if len(c.Node) > 200 {
		return facteur.Errorf(facteur.EINVALID, "node name: at most 200 characters")
	}
	return nil
}

// Queue schedules and executes runs. TTx is the transaction type of the
// River driver: *sql.Tx on SQLite, pgx.Tx on PostgreSQL.
type Queue[TTx any] struct {
	client *river.Client[TTx]
	store  facteur.Store
	runner *export.Runner
	cfg    Config
	// running holds the cancel functions of the runs executing on this
	// node, by run id.
	running sync.Map
	// retryAt holds, by job ID, when the next attempt of a run that just
	// failed is due, from Work to NextRetry.
	retryAt sync.Map
	leases  facteur.Leases
	// held holds the leases of the attempts running on this node, by job
	// id (*heldLease).
	held       sync.Map
	stopLeases func()
	// lastWatch is when this node last checked the expected windows.
	watchMu   sync.Mutex
	lastWatch time.Time
}

// New builds a queue on a River driver over the same database as store.
func New[TTx any](driver riverdriver.Driver[TTx], store facteur.Store, runner *export.Runner, cfg Config) (*Queue[TTx], error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	leases := cfg.Leases
	if leases == nil {
		l, ok := store.(facteur.Leases)
		if !ok {
			return nil, fmt.Errorf("job queue: the store keeps no leases")
		}
		leases = l
	}
	q := &Queue[TTx]{store: store, runner: runner, cfg: cfg, leases: leases, stopLeases: func() {}}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &runWorker[TTx]{q: q}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &tickWorker[TTx]{q: q}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &mailWorker[TTx]{q: q}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		MaxAttempts:       cfg.MaxAttempts,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:        -1, // exports can be long; statement timeouts bound the queries
		// The leases decide when a job was abandoned: River's own rescue,
		// by time alone, would take over a healthy export that runs long.
		RescueStuckJobsAfter: 100 * 365 * 24 * time.Hour,
		SoftStopTimeout:      cfg.StopTimeout,
		Logger:               slog.New(atLeast{cfg.Logger.Handler(), slog.LevelWarn}).With("component", "river"),
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.TickInterval),
				func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	q.client = client
	return q, nil
}

// Start starts fetching and executing jobs; the leader node also starts
// the calendar tick. On a single node it first takes up every job a dead
// process left running. It returns once started.
func (q *Queue[TTx]) Start(ctx context.Context) error {
	if err := q.startLeases(ctx); err != nil {
		return err
	}
	if err := q.client.Start(ctx); err != nil {
		q.stopLeases()
		return err
	}
	return nil
}

// Stop stops gracefully: running exports get StopTimeout to finish, then
// they are cancelled and queued again for the next start.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	defer q.stopLeases()
	return q.client.Stop(ctx)
}

// RunNow queues a run of a schedule right away (E6), without touching its
// calendar.
func (q *Queue[TTx]) RunNow(ctx context.Context, scheduleID, requestedBy int64) (*facteur.Run, error) {
	s, err := q.store.Schedule(ctx, scheduleID)
	if err != nil {
		return nil, err
	}
	run := &facteur.Run{ScheduleID: s.ID, ReportID: s.ReportID, DestinationID: s.DestinationID, Trigger: facteur.TriggerManual, Status: facteur.RunQueued,
		OwnerID: s.OwnerID, RequestedBy: requestedBy}
	if err := q.enqueue(ctx, run, nil); err != nil {
		return nil, err
	}
	return run, nil
}

// Export queues a one-off export (F5): run carries its owner, report and
// definition (a schedule that is not stored, and the period); its file
// stays in the spool to be downloaded.
func (q *Queue[TTx]) Export(ctx context.Context, run *facteur.Run) (*facteur.Run, error) {
	run.Trigger, run.Status, run.ScheduleID, run.DestinationID = facteur.TriggerExport, facteur.RunQueued, 0, 0
	if err := q.enqueue(ctx, run, nil); err != nil {
		return nil, err
	}
	return run, nil
}

// Retry queues a new run that delivers again the file an earlier run
// produced, byte for byte, without touching the calendar.
func (q *Queue[TTx]) Retry(ctx context.Context, runID, requestedBy int64) (*facteur.Run, error) {
	orig, err := q.store.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	switch {
	case orig.Status == facteur.RunQueued || orig.Status == facteur.RunRunning || orig.Status == facteur.RunRetrying:
		return nil, facteur.Errorf(facteur.ECONFLICT, "run %d is still in progress; wait for it to finish or cancel it", orig.ID)
	case orig.Status == facteur.RunSkipped:
		return nil, facteur.Errorf(facteur.EINVALID, "run %d was skipped by its schedule's condition: it kept no file to deliver; use Run now instead", orig.ID)
	case orig.Trigger == facteur.TriggerExport:
		return nil, facteur.Errorf(facteur.EINVALID, "run %d is a one-off export: it has no destination to deliver to again; download its file", orig.ID)
	case orig.SHA256 == "":
		return nil, facteur.Errorf(facteur.EINVALID, "run %d produced no file to deliver again; use Run now instead", orig.ID)
	}
	src := orig.ID
	if orig.RetryOf != 0 {
		src = orig.RetryOf // the file of a retry is its original's
	}
	run := &facteur.Run{ScheduleID: orig.ScheduleID, ReportID: orig.ReportID, DestinationID: orig.DestinationID,
		Trigger: facteur.TriggerRetry, RetryOf: src, Status: facteur.RunQueued, FileName: orig.FileName,
		OwnerID: orig.OwnerID, RequestedBy: requestedBy}
	if err := q.enqueue(ctx, run, nil); err != nil {
		return nil, err
	}
	return run, nil
}

// Cancel stops a queued or running run. A running export is interrupted;
// nothing is delivered after the cancellation is seen.
func (q *Queue[TTx]) Cancel(ctx context.Context, runID int64) error {
	run, err := q.store.Run(ctx, runID)
	if err != nil {
		return err
	}
	if facteur.RunFinished(run.Status) {
		return facteur.Errorf(facteur.ECONFLICT, "run %d has already finished (%s)", run.ID, run.Status)
	}
	now := q.cfg.Now().UTC()
	run.Status, run.FinishedAt, run.Error = facteur.RunCancelled, &now, "Cancelled by a user."
	// The run, its log and its job change in one transaction: the caller's,
	// when it has bound one to ctx (the API's audited actions).
	err = q.store.InTx(ctx, func(tx facteur.Store, raw any) error {
		if err := tx.UpdateRun(ctx, run); err != nil {
			return err
		}
		_ = tx.AppendRunLog(ctx, run.ID, facteur.LogEntry{Time: now, Level: "warn", Message: "Cancelled by a user."})
		if run.JobID == 0 {
			return nil
		}
		rtx, ok := raw.(TTx)
		if !ok {
			return fmt.Errorf("job queue: transaction of type %T, want %T", raw, rtx)
		}
		if _, err := q.client.JobCancelTx(ctx, rtx, run.JobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("cancel job: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cancel, ok := q.running.Load(run.ID); ok {
		cancel.(context.CancelCauseFunc)(errCancelled)
	}
	q.observe(ctx, run)
	return nil
}

// Progress returns the rows exported so far by a run executing on this node.
func (q *Queue[TTx]) Progress(runID int64) (int64, bool) { return q.runner.Progress(runID) }

// enqueue records run and inserts its job in one transaction. When
// advance is not nil it runs first in the same transaction; returning
// false from it aborts without error.
func (q *Queue[TTx]) enqueue(ctx context.Context, run *facteur.Run, advance func(tx facteur.Store) (bool, error)) error {
	return q.store.InTx(ctx, func(tx facteur.Store, raw any) error {
		if advance != nil {
			ok, err := advance(tx)
			if err != nil || !ok {
				return err
			}
		}
		return q.insertRun(ctx, tx, raw, run)
	})
}

// insertRun records run and inserts its job, in the transaction tx (raw is
// the driver's transaction the job goes in).
func (q *Queue[TTx]) insertRun(ctx context.Context, tx facteur.Store, raw any, run *facteur.Run) error {
	run.CreatedAt = q.cfg.Now().UTC()
	if err := tx.CreateRun(ctx, run); err != nil {
		return err
	}
	rtx, ok := raw.(TTx)
	if !ok {
		return fmt.Errorf("job queue: transaction of type %T, want %T", raw, rtx)
	}
	res, err := q.client.InsertTx(ctx, rtx, RunArgs{RunID: run.ID}, nil)
	if err != nil {
		return fmt.Errorf("insert job: %w", err)
	}
	run.JobID = res.Job.ID
	return tx.UpdateRun(ctx, run)
}

// atLeast passes on only records of at least a level: River reports its
// routine (job counts every few seconds) at info, which would drown ours.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(a []slog.Attr) slog.Handler { return atLeast{h.Handler.WithAttrs(a), h.min} }

func (h atLeast) WithGroup(name string) slog.Handler {
	return atLeast{h.Handler.WithGroup(name), h.min}
}
