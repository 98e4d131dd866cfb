package facteur

import (
	"encoding/json"
	"time"
)

// Run statuses.
const (
	RunQueued    = "queued"    // waiting for a worker
	RunRunning   = "running"   // exporting or delivering
	RunRetrying  = "retrying"  // failed with a transient error; will try again
	RunSucceeded = "succeeded" // delivered
	RunFailed    = "failed"    // failed for good
	RunCancelled = "cancelled" // cancelled by a user
	// RunSkipped: the schedule's condition (ScheduleOptions.SendIf) held
	// the file back (no rows, or the same data as the last delivery);
	// nothing was delivered, and the reason is in the run's Error.
	RunSkipped = "skipped"
)

// RunFinished reports whether a run in status has ended for good: it
// will not run, retry or change again.
func RunFinished(status string) bool {
	switch status {
	case RunSucceeded, RunFailed, RunCancelled, RunSkipped:
		return true
	}
	return false
}

// RunStatuses are every status of a run, in the order a run meets them.
var RunStatuses = []string{RunQueued, RunRunning, RunRetrying, RunSucceeded, RunSkipped, RunFailed, RunCancelled}

// Run triggers.
const (
	TriggerSchedule = "schedule" // a slot of the calendar
	TriggerManual   = "manual"   // Run now
	TriggerRetry    = "retry"    // re-delivery of an earlier run's file
	TriggerExport   = "export"   // a one-off export (F5): no schedule, no destination
	// TriggerTest is Send test: the first rows of a schedule's report, in
	// its format and under its file name marked as a test, delivered to
	// its destination; it never moves the calendar and never counts as
	// the schedule's latest delivery.
	TriggerTest = "test"
)

// Run is one execution of a schedule: its export and its delivery (F4).
type Run struct {
	ID            int64  `json:"id"`
	ScheduleID    int64  `json:"schedule_id"`
	ReportID      int64  `json:"report_id"`
	DestinationID int64  `json:"destination_id"`
	Trigger       string `json:"trigger"`
	// OwnerID is the account the run executes as: the schedule's owner.
	OwnerID int64 `json:"owner_id"`
	// RequestedBy is the account that asked for a run now or a retry, 0
	// for the calendar.
	RequestedBy int64 `json:"requested_by,omitempty"`
	// ScheduledFor is the calendar slot the run is for; nil for Run now.
	ScheduledFor *time.Time `json:"scheduled_for,omitempty"`
	// RetryOf is the run whose file a retry re-delivers.
	RetryOf int64  `json:"retry_of,omitempty"`
	Status  string `json:"status"`
	Attempt int    `json:"attempt"`
	// JobID is the queue's job that executes the run.
	JobID    int64  `json:"-"`
	FileName string `json:"file_name,omitempty"`
	Rows     int64  `json:"rows"`
	Bytes    int64  `json:"bytes"`
	SHA256   string `json:"sha256,omitempty"`
	// ContentSHA256 is the SHA-256 of the file's content as the format
	// wrote it, before compression: the same as SHA256 for a file that is
	// not compressed. "Only if the data changed" compares it.
	ContentSHA256 string `json:"content_sha256,omitempty"`
	// PlainBytes and PlainSHA256 are the size and SHA-256 of what an
	// encrypted file holds (C2): the bytes its recipients decrypt. 0 and
	// "" for a file delivered in clear.
	PlainBytes  int64  `json:"plain_bytes,omitempty"`
	PlainSHA256 string `json:"plain_sha256,omitempty"`
	// Files are the files a bundle's run delivers (A6), one per report in
	// the schedule's order: each on its own (packaging "files"), or the
	// entries of the one file delivered ("zip"). Empty for a run of one
	// report, whose file is the run's own. The run's FileName, Rows and
	// Bytes then sum them up: the first file's name, the rows and bytes
	// of all, and with "files" its SHA256 (ContentSHA256) is that of the
	// list of the files' SHA256 (ContentSHA256) and names (RunFile.SumLine).
	Files []RunFile `json:"files,omitempty"`
	// Packaging is how a bundle's run delivered its files (A6): "zip"
	// (one file, the run's own, holding Files) or "files" (each of Files
	// on its own, and no file of the run's own); "" for one report.
	Packaging string `json:"packaging,omitempty"`
	// ArtifactPath is where the file is spooled, for retry and download.
	ArtifactPath string          `json:"-"`
	Location     string          `json:"location,omitempty"` // where the file was delivered
	Error        string          `json:"error,omitempty"`
	Ignored      bool            `json:"ignored"`
	Stages       []Stage         `json:"stages"`
	Definition   json.RawMessage `json:"definition,omitempty"` // the schedule, report and destination used
	// Window is the window of an incremental schedule's run (A5): the
	// rows created or updated in it; nil for any other run. Store.Run
	// fills it; the lists of runs do not.
	Window     *Window    `json:"window,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// RunFile is one file of a bundle's run: the export of one report.
type RunFile struct {
	// Name is the file's name as delivered, or as an entry of the zip.
	Name       string `json:"name"`
	ReportID   int64  `json:"report_id"`
	ReportName string `json:"report_name"`
	Rows       int64  `json:"rows"`
	Bytes      int64  `json:"bytes"`
	SHA256     string `json:"sha256"`
	// ContentSHA256 is the SHA-256 of the content before compression.
	ContentSHA256 string `json:"content_sha256,omitempty"`
	// PlainBytes and PlainSHA256 are those of what an encrypted file holds.
	PlainBytes  int64  `json:"plain_bytes,omitempty"`
	PlainSHA256 string `json:"plain_sha256,omitempty"`
	// Location is where the file was delivered, for a file delivered on
	// its own.
	Location string `json:"location,omitempty"`
	// Path is where the file is spooled (never shown).
	Path string `json:"-"`
}

// SumLine is the file's line in the list whose SHA-256 is a bundle's:
// the sum and the name as sha256sum prints them, so that
// "sha256sum a b c | sha256sum" gives the bundle's SHA256 back.
func (f RunFile) SumLine(sum string) string { return sum + "  " + f.Name + "\n" }

// Separate reports whether the run delivers its files each on its own
// (a bundle packaged as "files"), with no file of its own to download.
func (r Run) Separate() bool { return r.Packaging == PackFiles }

// Stage is the time one step of a run took.
type Stage struct {
	Name     string        `json:"name"` // query, encode, deliver, …
	Duration time.Duration `json:"duration_ns"`
}

// LogEntry is one line of a run's step-by-step log.
type LogEntry struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"` // info, warn, error
	Message string    `json:"message"`
}

// RunFilter selects runs for the history.
type RunFilter struct {
	ScheduleID     int64  // 0 for all schedules
	Status         string // "" for any status
	IncludeIgnored bool
	Limit          int    // default 50
	BeforeID       int64  // for paging: runs with a smaller id
	Trigger        string // "" for any trigger
	OwnerID        int64  // 0 for any owner
	// VisibleTo, when not 0, keeps the runs this account owns and, of the
	// others, only those to a destination whose kind is in SharedKinds:
	// runs to file storage (SFTP, S3, webhook) or to a deleted destination
	// are seen by their owner alone (G3).
	VisibleTo int64
	// SharedKinds are the destination kinds whose runs every account
	// sees, from the kinds' registrations (deliver.Registry.Shared); only
	// read with VisibleTo.
	SharedKinds []string
	// AfterID, for paging back: the runs with a larger id nearest to it
	// (the page before, still newest first).
	AfterID int64
	// From and To keep the runs created in [From, To); a zero bound is open.
	From, To time.Time
	// NoTests leaves out the runs of Send test.
	NoTests bool
}
