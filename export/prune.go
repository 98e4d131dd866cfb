package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// PruneSpool deletes spooled files older than keep, so that the spool does
// not grow without end. The file of each schedule's latest successful run,
// and of each account's latest one-off export, is always kept, however
// old, so that it stays downloadable (F5). A pruned run can no longer be
// retried or downloaded; its history stays. It returns how many files it
// deleted.
func (r *Runner) PruneSpool(ctx context.Context, keep time.Duration) (int, error) {
	entries, err := os.ReadDir(r.Spool)
	if os.IsNotExist(err) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read spool: %w", err)
	}
	cutoff := time.Now().Add(-keep)
	pruned := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || info.ModTime().After(cutoff) {
			continue
		}
		path := filepath.Join(r.Spool, e.Name())
		if strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(e.Name(), ".partial") {
			os.Remove(path) // left by a crash during an export
			continue
		}
		id, ok := spoolRunID(e.Name())
		if !ok {
			continue
		}
		keepIt, err := r.isLatest(ctx, id)
		if err != nil {
			return pruned, err
		}
		if keepIt {
			continue
		}
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return pruned, fmt.Errorf("prune spool: %w", err)
		}
		pruned++
	}
	return pruned, nil
}

// spoolRunID reads the run id of a spooled file name "run-<id>.<ext>".
func spoolRunID(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, "run-")
	if !ok {
		return 0, false
	}
	if i := strings.IndexByte(rest, '.'); i > 0 {
		rest = rest[:i]
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// isLatest reports whether run id is the latest successful export of its
// schedule (retries, which share their original's file, count for it).
func (r *Runner) isLatest(ctx context.Context, id int64) (bool, error) {
	run, err := r.Store.Run(ctx, id)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	f := facteur.RunFilter{ScheduleID: run.ScheduleID, Status: facteur.RunSucceeded, IncludeIgnored: true, Limit: 1, NoTests: true}
	switch {
	case run.Trigger == facteur.TriggerExport:
		// Each account's latest one-off export stays downloadable.
		f.Trigger, f.OwnerID = facteur.TriggerExport, run.OwnerID
	case run.ScheduleID == 0:
		return false, nil
	}
	latest, err := r.Store.Runs(ctx, f)
	if err != nil || len(latest) == 0 {
		return false, err
	}
	return latest[0].ID == id || latest[0].RetryOf == id, nil
}
