package facteur

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"
)

// Destination kinds.
const (
	DestinationFolder   = "folder"
	DestinationSFTP     = "sftp"
	DestinationS3       = "s3"
	DestinationGCS      = "gcs"
	DestinationBigQuery = "bigquery"
	DestinationWebhook  = "webhook"
	DestinationEmail    = "email"
)

// Destination is where files are delivered (D1–D6). Config holds the
// kind's own settings as JSON, decoded by the deliverer of that kind.
type Destination struct {
	ID     int64           `json:"id"`
	Name   string          `json:"name"`
	Kind   string          `json:"kind"`
	Config json.RawMessage `json:"config"`
	// OwnerID is the account that created it (0 before accounts existed).
	OwnerID int64 `json:"owner_id"`
	// RawCells delivers CSV and XLSX cells as they are, for a machine
	// consumer. By default a text cell that a spreadsheet would run as a
	// formula (starting with = + - @, a tab or CR, or their full-width
	// forms) is neutralised with a leading apostrophe (B8).
	RawCells bool `json:"raw_cells"`
	// Encryption, when not nil, encrypts every file delivered here to
	// the partner's keys (C2); nil delivers files in clear.
	Encryption *Encryption `json:"encryption,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// Artifact is a finished export file, spooled on local disk so that it can
// be delivered, re-delivered and downloaded byte for byte.
type Artifact struct {
	Path   string // where the spooled bytes are
	Name   string // the file name to deliver under (from the schedule's template)
	Size   int64
	SHA256 string // hex
	Rows   int64
	RunID  int64 // the run that produced it
	// ContentType is the file's media type, from the registry of formats
	// (format.Registry.MediaType); destinations that send one (S3, a
	// webhook, an e-mail attachment) use it, and "" sends
	// application/octet-stream.
	ContentType string
	// DeliveringRun is the run delivering it: RunID, or a retry of that
	// run delivering the same file again. 0 is taken as RunID.
	DeliveringRun int64
	// Columns are the report's columns, names and kinds, for destinations
	// that load the rows into a typed table (BigQuery); nil when unknown.
	Columns []Column
	// Test marks the file of Send test: destinations that can say so
	// (S3 metadata, a webhook header, the mail's subject) do.
	Test bool
	// Body, when not nil, holds the report's first rows as the text of a
	// mail, spooled beside the file, for a destination that shows the
	// report in the mail itself.
	Body *Body
}

// Body is the report's first rows as the text of a mail: an HTML table (a
// fragment, with inline styles) and its plain-text version, each ending
// with the number of rows and how many were left out.
type Body struct {
	HTMLPath, TextPath string
	// ChartPath, when not empty, is the report's chart as a PNG image, for
	// the HTML part to show above the table.
	ChartPath string
}

// Open opens the spooled bytes for reading.
func (a *Artifact) Open() (io.ReadCloser, error) { return os.Open(a.Path) }

// Deliverer sends artifacts to one destination. Deliver must be idempotent:
// delivering the same artifact twice leaves one final file, never a partial
// one under the final name.
type Deliverer interface {
	// Deliver sends the artifact. Errors say whether a retry can help (see
	// Retryable).
	Deliver(ctx context.Context, a *Artifact) (Delivery, error)
	// Test checks the settings and credentials and delivers a small test file.
	Test(ctx context.Context) (Delivery, error)
}

// Delivery says where a file arrived, for the run history.
type Delivery struct {
	Location string `json:"location"` // a path, URL or address a user recognises
	// Note is what the run's log should say besides the location (a
	// BigQuery load job's id and rows), "" for nothing.
	Note string `json:"note,omitempty"`
}

// Retryable reports whether err is transient, so that trying again later
// may succeed. Errors opt in by implementing Retry() bool; EUNAVAILABLE
// errors are retryable, every other *Error is not.
func Retryable(err error) bool {
	var r interface{ Retry() bool }
	if errors.As(err, &r) {
		return r.Retry()
	}
	return ErrorCode(err) == EUNAVAILABLE
}

// MaxRetryAfter bounds how long a destination may ask the next attempt to
// wait (RetryAfterError): a receiver that answers "Retry-After: 86400"
// is tried again after an hour, not a day.
const MaxRetryAfter = time.Hour

// RetryAfterError is a transient error whose destination said when to come
// back, as an HTTP 429 or 503 answer's Retry-After header does. The next
// attempt waits at least Wait (at most MaxRetryAfter), or the run's own
// backoff when that is longer.
type RetryAfterError struct {
	Wait time.Duration
	Err  error
}

// Error returns the wrapped error's text.
func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryWait returns how long err asks the next attempt to wait, bounded
// to [0, MaxRetryAfter]; 0 when it does not say.
func RetryWait(err error) time.Duration {
	var r *RetryAfterError
	if !errors.As(err, &r) {
		return 0
	}
	return min(max(r.Wait, 0), MaxRetryAfter)
}
