package queue

import (
	"fmt"
	"time"

	"github.com/facteur/facteur"
)

// backoff is the wait after attempt (1-based) fails.
func (q *Queue[TTx]) backoff(attempt int) time.Duration {
	b := q.cfg.Backoff
	return b[min(max(attempt-1, 0), len(b)-1)]
}

// retryNote says, after attempt of maxAttempts failed with err, what is
// tried again, when (next), and when the last attempt will be if none
// succeeds.
func (q *Queue[TTx]) retryNote(err error, attempt, maxAttempts int, next time.Time) string {
	last := next
	for k := attempt + 1; k < maxAttempts; k++ {
		last = last.Add(q.backoff(k))
	}
	what := "The run is tried again"
	if facteur.ErrorStage(err) == facteur.StageDeliver {
		what = "The delivery of the same file is tried again"
	}
	if attempt+1 == maxAttempts {
		return fmt.Sprintf("%s at %s, for the last time (attempt %d of %d).", what, noteTime(next), maxAttempts, maxAttempts)
	}
	return fmt.Sprintf("%s at %s; if it keeps failing, the last attempt (%d of %d) is at about %s.", what, noteTime(next), maxAttempts, maxAttempts, noteTime(last))
}

func noteTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
