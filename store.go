package facteur

import (
	"context"
	"encoding/json"
	"time"
)

// Store keeps Facteur's own records. Two implementations, on SQLite and on
// PostgreSQL, pass the same conformance suite (package store).
//
// Create methods set the ID and timestamps of the object they are given.
// Lookups of a missing object fail with ENOTFOUND; deleting an object that
// others still use fails with ECONFLICT.
type Store interface {
	CreateSource(ctx context.Context, s *Source) error
	Source(ctx context.Context, id int64) (*Source, error)
	Sources(ctx context.Context) ([]*Source, error)
	UpdateSource(ctx context.Context, s *Source) error
	// SetSourceRights saves what a Test found the account may do, and
	// nothing else of the source; ENOTFOUND when there is no such source.
	SetSourceRights(ctx context.Context, id int64, r SourceRights) error
	DeleteSource(ctx context.Context, id int64) error

	CreateReport(ctx context.Context, r *Report) error
	Report(ctx context.Context, id int64) (*Report, error)
	Reports(ctx context.Context) ([]*Report, error)
	UpdateReport(ctx context.Context, r *Report) error
	DeleteReport(ctx context.Context, id int64) error

	CreateDestination(ctx context.Context, d *Destination) error
	Destination(ctx context.Context, id int64) (*Destination, error)
	Destinations(ctx context.Context) ([]*Destination, error)
	UpdateDestination(ctx context.Context, d *Destination) error
	DeleteDestination(ctx context.Context, id int64) error

	CreateSchedule(ctx context.Context, s *Schedule) error
	Schedule(ctx context.Context, id int64) (*Schedule, error)
	Schedules(ctx context.Context) ([]*Schedule, error)
	// FindSchedules returns the page of schedules f selects, in the order
	// they were created, and how many f selects in all.
	FindSchedules(ctx context.Context, f ScheduleFilter) ([]*Schedule, int, error)
	UpdateSchedule(ctx context.Context, s *Schedule) error
	DeleteSchedule(ctx context.Context, id int64) error
	// TransferSchedule makes ownerID the owner of schedule id, whose runs
	// then execute with that account's rights; ENOTFOUND when there is no
	// such schedule.
	TransferSchedule(ctx context.Context, id, ownerID int64) error
	// DueSchedules returns enabled schedules whose next run is at or before
	// now, oldest first, at most limit of them.
	DueSchedules(ctx context.Context, now time.Time, limit int) ([]*Schedule, error)
	// AdvanceSchedule moves a schedule's next run from `from` to `to`, only
	// if it is still `from`; it reports whether it did. Two schedulers that
	// race on the same slot see exactly one true.
	AdvanceSchedule(ctx context.Context, id int64, from time.Time, to *time.Time) (bool, error)
	// SetScheduleEnabled pauses or resumes a schedule: it writes only its
	// enabled flag and its next slot (nil while paused).
	SetScheduleEnabled(ctx context.Context, id int64, enabled bool, next *time.Time) error

	// CreateRun records a new run. A second run of the same schedule for the
	// same ScheduledFor fails with ECONFLICT: no slot ever runs twice.
	CreateRun(ctx context.Context, r *Run) error
	Run(ctx context.Context, id int64) (*Run, error)
	Runs(ctx context.Context, f RunFilter) ([]*Run, error)
	// LatestRuns returns the newest run of every schedule that has one,
	// ignored runs included, by schedule ID.
	LatestRuns(ctx context.Context) (map[int64]*Run, error)
	// UpdateRun saves a run's progress. A cancelled run stays cancelled: its
	// status, error and finish time are kept and copied back into r. So are
	// those and the attempt of a run that succeeded or failed.
	UpdateRun(ctx context.Context, r *Run) error
	AppendRunLog(ctx context.Context, runID int64, e LogEntry) error
	RunLog(ctx context.Context, runID int64) ([]LogEntry, error)
	MailRecipients
	OverdueAlerts
	RecipientGroups
	ClosureLists
	Watermarks

	// CreateUser records u (its e-mail normalised) and sets its ID and
	// timestamps; an e-mail address already used fails with ECONFLICT.
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id int64) (*User, error)
	// UserByEmail finds an account by its address, in any case.
	UserByEmail(ctx context.Context, email string) (*User, error)
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser saves email, name, role, active and password hash of u.
	// Like every Update method, it fails with ECONFLICT when the object
	// changed since u was read (its UpdatedAt is no longer the stored one).
	UpdateUser(ctx context.Context, u *User) error
	// TouchLogin records a login of the account id at t, and nothing else.
	TouchLogin(ctx context.Context, id int64, t time.Time) error
	// AdoptOrphans gives every source, report, destination, schedule and
	// run without an owner (made before accounts existed) to userID.
	AdoptOrphans(ctx context.Context, userID int64) error

	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash finds a token by the SHA-256 of its secret, or ENOTFOUND.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	Tokens(ctx context.Context, userID int64) ([]*Token, error)
	// TouchToken records that a token was used at t.
	TouchToken(ctx context.Context, id int64, t time.Time) error
	// DeleteToken deletes the token id of userID, or fails with ENOTFOUND.
	DeleteToken(ctx context.Context, userID, id int64) error

	CreateSession(ctx context.Context, s *Session) error
	// Session finds a session by the SHA-256 of its cookie, or ENOTFOUND;
	// expired sessions are not found.
	Session(ctx context.Context, hash []byte) (*Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteSessions ends every session of an account (password change,
	// deactivation).
	DeleteSessions(ctx context.Context, userID int64) error

	// AppendAudit records e and sets its ID (and At when it is zero).
	AppendAudit(ctx context.Context, e *AuditEntry) error
	Audit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)

	// Setting returns the JSON value of a server setting (e.g. "mail"), or
	// ENOTFOUND when it was never set.
	Setting(ctx context.Context, key string) (json.RawMessage, error)
	// PutSetting stores the JSON value of a server setting.
	PutSetting(ctx context.Context, key string, value json.RawMessage) error
	// InitSetting stores value under key unless the setting exists, and
	// returns the stored value (the earlier one when it existed): a value
	// made at first need, the same on every node.
	InitSetting(ctx context.Context, key string, value json.RawMessage) (json.RawMessage, error)

	// InTx runs fn in one transaction and commits when fn returns nil. tx is
	// the store bound to the transaction; raw is the driver's transaction
	// (*sql.Tx on SQLite, pgx.Tx on PostgreSQL), so that the job queue can
	// insert a job in the same transaction as the run it executes.
	InTx(ctx context.Context, fn func(tx Store, raw any) error) error
}
