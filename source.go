package facteur

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Source kinds.
const (
	SourcePostgres = "postgres"
	SourceMySQL    = "mysql"
	SourceSQLite   = "sqlite"
)

// Source is a connection to one of the organisation's databases (A1).
//
// DSN is a URL: postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db
// or sqlite:/path/to/file.db. Its password is a secret: accepted and stored,
// never returned by the API (see RedactDSN).
type Source struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"` // derived from the DSN scheme
	DSN  string `json:"-"`
	// OwnerID is the account that created it (0 before accounts existed).
	OwnerID int64 `json:"owner_id"`
	// AcceptExtraRights records that an administrator accepted that the
	// account can do more than read (G5); without it a source whose
	// account has Rights.Extra is refused at save and Test.
	AcceptExtraRights bool `json:"accept_extra_rights"`
	// Rights is what the account could do when Facteur last looked, at the
	// last save or Test; zero when it never looked.
	Rights    SourceRights `json:"rights"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// MaxDSNLen is the longest database URL accepted, in bytes.
const MaxDSNLen = 4096

// SourceKind returns the kind of source a DSN names, from its scheme
// (postgres:// or postgresql://, mysql:// or mariadb://, sqlite: or file:).
// It fails with EINVALID for any other scheme.
func SourceKind(dsn string) (string, error) {
	if len(dsn) > MaxDSNLen {
		return "", Errorf(EINVALID, "dsn: at most %d bytes (this one has %d)", MaxDSNLen, len(dsn))
	}
	scheme, _, ok := strings.Cut(dsn, ":")
	if !ok {
		return "", Errorf(EINVALID, "dsn: expected a URL such as postgres://user@host/db, mysql://user@host/db or sqlite:/path/file.db")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return SourcePostgres, nil
	case "mysql", "mariadb":
		return SourceMySQL, nil
	case "sqlite", "sqlite3", "file":
		return SourceSQLite, nil
	}
	return "", Errorf(EINVALID, "dsn: unsupported scheme %q; use postgres://, mysql:// or sqlite:", scheme)
}

// RedactDSN returns dsn with any password removed, for display. A DSN that
// does not parse is replaced by its scheme alone, since it may hold a secret
// in a place we cannot recognise.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		scheme, _, _ := strings.Cut(dsn, ":")
		return scheme + "://(redacted)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "pass") || strings.Contains(strings.ToLower(k), "secret") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SourceRights is what a source's database account may do beyond reading,
// as found when the source was last saved or tested (G5).
type SourceRights struct {
	// CheckedAt is when the account was inspected; zero when never.
	CheckedAt time.Time `json:"checked_at"`
	// Extra lists the rights that let a report do more than read (superuser,
	// the server's files, signalling other sessions, writes), each in a
	// few words naming the right as the database calls it. A source with
	// any is refused unless AcceptExtraRights.
	Extra []string `json:"extra"`
	// Notes are findings that need no action, such as a file opened
	// read-only whatever its permissions.
	Notes []string `json:"notes"`
	// Unchecked, when the source was saved while its database could not
	// be reached or refused the login, says why the account could not be
	// inspected; the next Test inspects it.
	Unchecked string `json:"unchecked,omitempty"`
}

// RightsChecker is implemented by the queriers that can inspect what their
// account may do. CheckRights connects as a query would (so it fails as
// Ping does when the database cannot be reached or refuses the login) and
// returns the findings, CheckedAt unset.
type RightsChecker interface {
	CheckRights(ctx context.Context) (SourceRights, error)
}
