package export

import (
	"context"
	"fmt"
	"os"

	"github.com/facteur/facteur"
)

// condition returns a *facteur.SkipError when the condition of schedule s
// (ScheduleOptions.SendIf) holds back the file run exported: no rows, or
// the same content as the last successful delivery of the schedule. Send
// test and one-off exports have no condition; a retry re-delivers a file
// that was sent already and never reaches here.
func (r *Runner) condition(ctx context.Context, run *facteur.Run, s *facteur.Schedule) error {
	if run.Trigger == facteur.TriggerTest || run.Trigger == facteur.TriggerExport {
		return nil
	}
	switch s.Options.SendIf {
	case facteur.SendIfRows:
		if run.Rows == 0 {
			return &facteur.SkipError{Reason: "no rows"}
		}
	case facteur.SendIfNewer:
		last, err := r.lastDelivery(ctx, run)
		if err != nil {
			return err
		}
		if last != nil && last.ContentSHA256 != "" && last.ContentSHA256 == run.ContentSHA256 {
			return &facteur.SkipError{Reason: fmt.Sprintf("same data as run %d", last.ID)}
		}
	}
	return nil
}

// lastDelivery returns the latest run of run's schedule that delivered
// (succeeded), leaving out Send test; nil when there is none. A skipped or
// failed run never counts: "changed" means changed since the partner last
// received a file.
func (r *Runner) lastDelivery(ctx context.Context, run *facteur.Run) (*facteur.Run, error) {
	runs, err := r.Store.Runs(ctx, facteur.RunFilter{ScheduleID: run.ScheduleID, Status: facteur.RunSucceeded,
		IncludeIgnored: true, NoTests: true, BeforeID: run.ID, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("load the last delivery: %w", err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	return runs[0], nil
}

// discard removes the spooled file of a skipped run, and the text of a
// mail its export wrote beside it: nothing of it is delivered or kept.
func (r *Runner) discard(ctx context.Context, run *facteur.Run) {
	if run.RetryOf != 0 {
		return
	}
	if separate(run) {
		removeFiles(run.Files)
		for i := range run.Files {
			run.Files[i].Path = ""
		}
		return
	}
	if run.ArtifactPath == "" {
		return
	}
	html, text, chart := BodyPaths(run.ArtifactPath)
	for _, p := range []string{run.ArtifactPath, html, text, chart, ColumnsPath(run.ArtifactPath)} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			r.logf(ctx, run.ID, "warn", "Could not remove the skipped file from the spool: %s", err)
		}
	}
	run.ArtifactPath = ""
}
