package facteur

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Role is what an account may do (G1). Each role includes the rights of the
// roles before it: viewer < editor < file scheduler < administrator.
type Role string

// Roles.
const (
	// RoleViewer sees reports, schedules and runs.
	RoleViewer Role = "viewer"
	// RoleEditor also creates and changes reports and schedules, runs them,
	// sends tests and downloads files, to e-mail and folder destinations.
	RoleEditor Role = "editor"
	// RoleFileScheduler may also create and target SFTP, S3 and webhook
	// destinations ("schedule to file storage").
	RoleFileScheduler Role = "file_scheduler"
	// RoleAdmin administers sources, users, settings and everything else.
	RoleAdmin Role = "admin"
)

// Roles lists the roles from the least to the most powerful.
var Roles = []Role{RoleViewer, RoleEditor, RoleFileScheduler, RoleAdmin}

// rank orders the roles; an unknown role ranks below every other.
func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// Noun returns the role as a person, with its article, for messages:
// "a viewer", "an editor", "a file scheduler", "an administrator".
func (r Role) Noun() string {
	switch r {
	case RoleViewer:
		return "a viewer"
	case RoleEditor:
		return "an editor"
	case RoleFileScheduler:
		return "a file scheduler"
	case RoleAdmin:
		return "an administrator"
	}
	return "an account with the role " + strconv.Quote(string(r))
}

// User is an account. Passwords are kept only as a hash; accounts are
// deactivated, never deleted, so that the audit log keeps its actors.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// Active accounts may log in and their schedules run; a deactivated
	// account's sessions and tokens stop working at once.
	Active       bool       `json:"active"`
	PasswordHash string     `json:"-"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// NormalizeEmail checks an account's e-mail address and returns it in
// lower case, without a display name.
func NormalizeEmail(s string) (string, error) {
	if len(s) > MaxEmailLen+64 || len(strings.TrimSpace(s)) > MaxEmailLen {
		return "", Errorf(EINVALID, "email: at most %d characters (this one has %d); no server delivers to a longer address", MaxEmailLen, len(strings.TrimSpace(s)))
	}
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err == nil {
		// A quoted local part ("a b"@example.org) comes out unquoted, as
		// an address that no longer parses: the account could never be
		// saved again.
		_, err = mail.ParseAddress(a.Address)
	}
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
		return "", Errorf(EINVALID, "email: %q is not an e-mail address (write it as name@example.org)", s)
	}
	return strings.ToLower(a.Address), nil
}

// Token is a personal API token. Only its SHA-256 is stored; the token
// itself is shown once, when it is created.
type Token struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	// Prefix is the token's first characters, to recognise it in a list.
	Prefix     string     `json:"prefix"`
	Hash       []byte     `json:"-"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Session is a browser login. Only the SHA-256 of the cookie is stored.
type Session struct {
	Hash   []byte
	UserID int64
	// CSRF is the token that forms and scripts send back with every
	// request that changes something.
	CSRF      string
	Address   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry is one line of the audit log (F7): who did what to which
// object, when and from where.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	ActorID int64     `json:"actor_id,omitempty"` // 0: Facteur itself or an unknown account
	Actor   string    `json:"actor"`              // the actor's e-mail address at the time
	Action  string    `json:"action"`             // e.g. schedule.update, run.download, login.failed
	Object  string    `json:"object,omitempty"`   // e.g. schedule
	// ObjectID is the id of the object, 0 when there is none.
	ObjectID int64  `json:"object_id,omitempty"`
	Address  string `json:"address,omitempty"` // the client's IP address
	Detail   string `json:"detail,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Since, Until time.Time // zero: unbounded
	ActorID      int64     // 0: every actor
	Action       string    // "" any; a prefix such as "schedule." matches the object's actions
	Detail       string    // "" any; else exactly this detail (a failed login's e-mail address)
	Address      string    // "" any; else exactly this client address
	Limit        int       // default 100
	BeforeID     int64     // for paging: entries with a smaller id
}
