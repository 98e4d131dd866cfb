package facteur

// Conditions of a schedule's delivery (E8): when a run's file is sent.
const (
	SendAlways  = "always"  // every run delivers its file (the default)
	SendIfRows  = "rows"    // only when the export has rows
	SendIfNewer = "changed" // only when the content differs from the last delivery
)

// SkipError ends a run whose schedule's condition held its file back: the
// run is recorded as skipped (RunSkipped) with Reason, nothing is
// delivered, and it is neither a failure nor retried.
type SkipError struct {
	// Reason says why, for the run's history: "no rows", "same data as run 12".
	Reason string
}

// Error returns the reason.
func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Retry says a skipped run is not tried again.
func (e *SkipError) Retry() bool { return false }
