// Package apitypes names the answers of the REST API. The API encodes them
// and the web UI, which builds every page from the API in process, decodes
// them: one shape per answer, so that the two cannot drift apart. It sits
// apart from package http because http imports the UI.
package apitypes

import (
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/mail"
	"github.com/facteur/facteur/pack"
)

// Error is the body of every failed API call.
type Error struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Schedule is a schedule with its calendar in words.
type Schedule struct {
	*facteur.Schedule
	Description string `json:"description"`
	// NextNotes say why the next run is not where the rule alone would put
	// it: "Thu 1 Jan 2026: New Year's Day → Fri 2 Jan".
	NextNotes []string `json:"next_notes,omitempty"`
	// LastRun is the schedule's newest run, in the list only.
	LastRun *LastRun `json:"last_run,omitempty"`
	// OwnerEmail is the e-mail address of the owner, for one schedule only.
	OwnerEmail string `json:"owner_email,omitempty"`
	// Overdue is set while the dead-man's switch says nothing was
	// delivered for a slot within the schedule's expected window
	// (options.expect_within_minutes), until a run delivers.
	Overdue *Overdue `json:"overdue,omitempty"`
	// Watermark is where an incremental schedule stands (A5), for one
	// schedule only.
	Watermark *facteur.WatermarkState `json:"watermark,omitempty"`
}

// Overdue is the slot a schedule's expected delivery is missing for.
type Overdue struct {
	Slot time.Time `json:"slot"`
}

// LastRun is what the schedules list says of a schedule's newest run.
type LastRun struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"`
	Ignored    bool       `json:"ignored"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// CalendarPreview is the answer of the next-runs endpoints.
type CalendarPreview struct {
	Description string      `json:"description"`
	TimeZone    string      `json:"time_zone"`
	Next        []time.Time `json:"next"`
	NextLocal   []string    `json:"next_local"` // the same instants on the calendar's wall clock
	// Notes[i] says why Next[i] moved, or which slots were skipped before
	// it (empty when nothing did).
	Notes [][]string `json:"notes"`
}

// Region is a region a calendar may follow (GET /api/v1/regions).
type Region struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Holidays string `json:"holidays"`
	Note     string `json:"note,omitempty"`
}

// FileNameExample is the answer of POST /api/v1/file-name/preview.
type FileNameExample struct {
	Example string `json:"example"`
}

// Run is a run with its step log and, while it exports, its rows so far.
type Run struct {
	*facteur.Run
	Log      []facteur.LogEntry `json:"log,omitempty"`
	Progress *int64             `json:"progress_rows,omitempty"`
	// Recipients says, for one run, what became of each recipient of its
	// mails (its file by e-mail, its failure alert).
	Recipients []*facteur.MailRecipient `json:"recipients,omitempty"`
}

// Destination is a destination as the API shows it: its config without
// secrets, and the names of the secrets that are set.
type Destination struct {
	*facteur.Destination
	SecretsSet []string `json:"secrets_set"`
	// PublicKey is the key to give the partner (SFTP with a private key).
	PublicKey string `json:"public_key,omitempty"`
	// Where says in a few words where it delivers, from its kind.
	Where string `json:"where"`
	// EncryptionKeys shows each recipient of Encryption by its
	// fingerprint (OpenPGP: with its user id; age: the recipient itself).
	EncryptionKeys []pack.Recipient `json:"encryption_keys,omitempty"`
}

// DestinationTest is the answer of Send test on a destination.
type DestinationTest struct {
	OK         bool   `json:"ok"`
	Location   string `json:"location"`
	DurationMS int64  `json:"duration_ms"`
}

// Source is a source as the API shows it: the DSN without its password,
// and what its account may do beyond reading.
type Source struct {
	ID                int64                `json:"id"`
	Name              string               `json:"name"`
	Kind              string               `json:"kind"`
	DSN               string               `json:"dsn"`
	OwnerID           int64                `json:"owner_id"`
	AcceptExtraRights bool                 `json:"accept_extra_rights"`
	Rights            facteur.SourceRights `json:"rights"`
	CreatedAt         time.Time            `json:"created_at"`
	UpdatedAt         time.Time            `json:"updated_at"`
}

// SourceTest is the answer of Test connection on a source.
type SourceTest struct {
	OK         bool                 `json:"ok"`
	Message    string               `json:"message"`
	DurationMS int64                `json:"duration_ms"`
	Rights     facteur.SourceRights `json:"rights"`
}

// Preview is the first rows of a report, as text, NULL as null.
type Preview struct {
	Columns []facteur.Column `json:"columns"`
	Rows    [][]*string      `json:"rows"`
}

// FormatList is the answer of GET /api/v1/formats.
type FormatList struct {
	Formats []format.Description `json:"formats"`
}

// Session answers a login and GET /api/v1/me.
type Session struct {
	User *facteur.User `json:"user"`
	// CSRFToken goes in the X-CSRF-Token header of every request of the
	// session that changes something.
	CSRFToken string `json:"csrf_token,omitempty"`
}

// NewToken is a new token: the only answer that shows the secret.
type NewToken struct {
	*facteur.Token
	Secret string `json:"token"`
}

// MailSettings is the mail settings as the API shows them: without
// passwords, client secrets or tokens.
type MailSettings struct {
	Configured bool           `json:"configured"`
	Settings   *mail.Settings `json:"settings,omitempty"`
	SecretsSet []string       `json:"secrets_set"`
}

// MailTest is the answer of sending a test e-mail.
type MailTest struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// OAuthStart is the answer of starting the OAuth authorisation of the
// mail account in the browser: where to send the browser, and the
// address the provider sends it back to.
type OAuthStart struct {
	AuthURL     string `json:"auth_url"`
	RedirectURL string `json:"redirect_url"`
}

// DeviceStatus is the state of the device authorisation of the mail
// account that a node runs.
type DeviceStatus struct {
	Status string `json:"status"` // none, pending, connected, failed
	Error  string `json:"error,omitempty"`
	// UserCode is the code to enter at VerificationURI, while pending.
	UserCode        string    `json:"user_code,omitempty"`
	VerificationURI string    `json:"verification_uri,omitempty"`
	Expires         time.Time `json:"expires_at,omitzero"`
}

// RecipientGroup is a recipient group with its account members' addresses
// of the day, and, for one group, who names it.
type RecipientGroup struct {
	*facteur.RecipientGroup
	// Accounts are the account members, in the order of AccountIDs.
	Accounts []GroupAccount `json:"accounts"`
	// UsedBy are the destinations and schedules that name the group and
	// that the account may see (one group only); UsedByOthers counts the
	// others.
	UsedBy       []facteur.GroupUse `json:"used_by,omitempty"`
	UsedByOthers int                `json:"used_by_others,omitempty"`
}

// GroupAccount is an account member of a recipient group.
type GroupAccount struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Active bool   `json:"active"`
}
