package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/runlog"
)

// RunArgs is the job that executes one run.
type RunArgs struct {
	RunID int64 `json:"run_id"`
}

// Kind names the job in River's table.
func (RunArgs) Kind() string { return "facteur_run" }

// InsertOpts makes a run's job unique: one run, one job.
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// TickArgs is the periodic job that turns due calendar slots into runs.
type TickArgs struct{}

// Kind names the job in River's table.
func (TickArgs) Kind() string { return "facteur_tick" }

type runWorker[TTx any] struct {
	river.WorkerDefaults[RunArgs]
	q *Queue[TTx]
}

// Timeout is none: an export takes as long as its data; statement timeouts
// bound the queries.
func (w *runWorker[TTx]) Timeout(*river.Job[RunArgs]) time.Duration { return -1 }

// NextRetry waits according to the configured backoff, or as long as the
// destination asked (see retryAt), which Work has set for the job.
func (w *runWorker[TTx]) NextRetry(job *river.Job[RunArgs]) time.Time {
	if at, ok := w.q.retryAt.LoadAndDelete(job.ID); ok {
		return at.(time.Time)
	}
	return w.q.nextAttempt(job.Attempt, nil)
}

// nextAttempt returns when the attempt after attempt is due: after the
// configured backoff, or after the wait err's destination asked for
// (facteur.RetryWait: an HTTP Retry-After, at most facteur.MaxRetryAfter)
// when that is longer.
func (q *Queue[TTx]) nextAttempt(attempt int, err error) time.Time {
	return time.Now().Add(max(q.backoff(attempt), facteur.RetryWait(err)))
}

// Work executes one attempt of a run and records its outcome. Transient
// errors return an error so that River retries with backoff; permanent
// ones cancel the job at once.
func (w *runWorker[TTx]) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	q := w.q
	run, err := q.store.Run(ctx, job.Args.RunID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if facteur.RunFinished(run.Status) {
		return nil // finished already: never deliver twice
	}
	ctx = runlog.With(ctx, run.ID, run.ScheduleID)
	// The outcome of this attempt, if it had one, is observed once.
	status, attempt := run.Status, run.Attempt
	defer func() {
		if run.Status != status || run.Attempt != attempt {
			q.observe(ctx, run)
		}
	}()
	leaseCtx, prev, release, err := q.hold(ctx, job.ID, run.ID, job.Attempt)
	if facteur.ErrorCode(err) == facteur.ECONFLICT {
		// Another attempt still holds the run: look again later rather
		// than run it twice.
		return river.JobSnooze(q.cfg.LeaseTTL)
	} else if err != nil {
		return err
	}
	defer release()
	now := q.cfg.Now().UTC()
	if msg := q.interruption(prev, job.Attempt, now); msg != "" {
		q.log(ctx, run.ID, "warn", msg)
		q.runner.TookOver(ctx, run)
	}
	if job.Attempt > job.MaxAttempts {
		return q.exhausted(ctx, run, job, now)
	}
	run.Status, run.Attempt, run.Error = facteur.RunRunning, job.Attempt, ""
	if run.StartedAt == nil {
		run.StartedAt = &now
	}
	if err := q.store.UpdateRun(ctx, run); err != nil {
		return err
	}

	runCtx, stop := q.cancellable(leaseCtx, run.ID)
	err = q.runner.Execute(runCtx, run)
	cancelled := errors.Is(context.Cause(runCtx), errCancelled)
	lost := errors.Is(context.Cause(leaseCtx), errLeaseLost) || errors.Is(err, errLeaseLost)
	stop()
	bg := context.WithoutCancel(ctx)
	end := q.cfg.Now().UTC()
	if err == nil {
		run.Status, run.FinishedAt = facteur.RunSucceeded, &end
		q.log(bg, run.ID, "info", fmt.Sprintf("Succeeded in %s.", end.Sub(*run.StartedAt).Round(time.Millisecond)))
		return q.succeed(bg, run)
	}
	var skip *facteur.SkipError
	if errors.As(err, &skip) && !lost && !cancelled {
		// The schedule's condition held the file back: a final state,
		// neither a failure (no alert) nor retried.
		run.Status, run.FinishedAt, run.Error = facteur.RunSkipped, &end, "Skipped: "+skip.Reason+"."
		q.log(bg, run.ID, "info", fmt.Sprintf("Skipped (%s) in %s.", skip.Reason, end.Sub(*run.StartedAt).Round(time.Millisecond)))
		return q.store.UpdateRun(bg, run)
	}

	var held *facteur.WindowHeldError
	if errors.As(err, &held) && !lost && !cancelled && ctx.Err() == nil {
		return q.waitForWindow(bg, run, held)
	}
	if lost {
		// The run is another attempt's now; it records the outcome.
		q.log(bg, run.ID, "warn", fmt.Sprintf("Attempt %d on node %s lost its lease and stopped; nothing was delivered by it.", job.Attempt, q.cfg.Node))
		return river.JobSnooze(q.cfg.LeaseTTL)
	}
	if cancelled || ctx.Err() != nil {
		// A cancel made here or on another node is kept by the store
		// (UpdateRun never undoes it).
		if cur, cerr := q.store.Run(bg, run.ID); cancelled || (cerr == nil && cur.Status == facteur.RunCancelled) {
			q.log(bg, run.ID, "warn", "The export was interrupted; nothing was delivered.")
			return river.JobCancel(err)
		}
		// Stopped by a shutdown: queue the run again for the next start.
		run.Status = facteur.RunQueued
		q.log(bg, run.ID, "warn", "Interrupted by a shutdown; the run is queued again.")
		if uerr := q.store.UpdateRun(bg, run); uerr != nil {
			return errors.Join(err, uerr)
		}
		return river.JobSnooze(time.Second)
	}

	run.Error = facteur.ErrorMessage(err)
	if run.Error == "Internal error." {
		run.Error = err.Error()
	}
	if !facteur.Retryable(err) || job.Attempt >= job.MaxAttempts {
		run.Status, run.FinishedAt = facteur.RunFailed, &end
		why := "the error is permanent"
		if facteur.Retryable(err) {
			why = fmt.Sprintf("after %d attempts", job.Attempt)
		}
		q.log(bg, run.ID, "error", fmt.Sprintf("Failed for good (%s): %s", why, err))
		if uerr := q.failForGood(bg, run, err); uerr != nil {
			return errors.Join(err, uerr)
		}
		return river.JobCancel(err)
	}
	run.Status = facteur.RunRetrying
	next := q.nextAttempt(job.Attempt, err)
	q.retryAt.Store(job.ID, next) // NextRetry, called by River once Work returns, reads it
	note := q.retryNote(err, job.Attempt, job.MaxAttempts, next)
	run.Error += " " + note
	q.log(bg, run.ID, "warn", fmt.Sprintf("Attempt %d of %d failed: %s. %s", job.Attempt, job.MaxAttempts, strings.TrimSuffix(err.Error(), "."), note))
	if uerr := q.store.UpdateRun(bg, run); uerr != nil {
		return errors.Join(err, uerr)
	}
	return err
}

// exhausted fails a run for good whose last attempt was interrupted (its
// node stopped), and alerts.
func (q *Queue[TTx]) exhausted(ctx context.Context, run *facteur.Run, job *river.Job[RunArgs], now time.Time) error {
	run.Status, run.Attempt, run.FinishedAt = facteur.RunFailed, job.MaxAttempts, &now
	run.Error = fmt.Sprintf("Its last attempt (%d of %d) was interrupted when its node stopped; no attempt is left.", job.MaxAttempts, job.MaxAttempts)
	q.log(ctx, run.ID, "error", "Failed for good: "+run.Error)
	err := facteur.Errorf(facteur.EUNAVAILABLE, "%s", run.Error)
	if uerr := q.failForGood(ctx, run, err); uerr != nil {
		return uerr
	}
	return river.JobCancel(err)
}

func (q *Queue[TTx]) log(ctx context.Context, runID int64, level, msg string) {
	q.cfg.Logger.Log(ctx, runlog.Level(level), msg, "run", runID)
	if err := q.store.AppendRunLog(ctx, runID, facteur.LogEntry{Time: q.cfg.Now().UTC(), Level: level, Message: msg}); err != nil {
		q.cfg.Logger.Warn("append run log", "run", runID, "err", err)
	}
}

type tickWorker[TTx any] struct {
	river.WorkerDefaults[TickArgs]
	q *Queue[TTx]
}

// Work enqueues the runs of every due slot and, every WatchInterval,
// alerts the slots nothing was delivered for in time (Watch).
func (w *tickWorker[TTx]) Work(ctx context.Context, _ *river.Job[TickArgs]) error {
	_, err := w.q.Tick(ctx)
	w.q.watchIfDue(ctx)
	return err
}

// errCancelled is the cause of a run's context when a user cancels it.
var errCancelled = errors.New("cancelled by a user")

// cancellable derives the context a run executes in, cancelled when a user
// cancels the run: at once when the cancel reaches this node, and within
// CancelPoll when it was made on another node. stop releases it.
func (q *Queue[TTx]) cancellable(parent context.Context, runID int64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	q.running.Store(runID, cancel)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(q.cfg.CancelPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if r, err := q.store.Run(ctx, runID); err == nil && r.Status == facteur.RunCancelled {
					cancel(errCancelled)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		wg.Wait()
		q.running.Delete(runID)
		cancel(nil)
	}
}
