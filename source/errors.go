package source

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// The errors below are the ones every kind of database shares. Each keeps
// the database's own error as its cause, for the run log.

// authError is the error for credentials the database refused.
func authError(cause error) error {
	return facteur.WrapError(facteur.EUNAUTHORIZED, cause, "Connection refused by the database: check the user name and password.")
}

// unreachableError is the error for a server that cannot be reached.
func unreachableError(cause error) error {
	return facteur.WrapError(facteur.EUNAVAILABLE, cause, "Cannot reach the database server: check the host name and port, and that the server is running.")
}

// connectionLostError is the error for a connection that failed while in use.
func connectionLostError(cause error) error {
	return facteur.WrapError(facteur.EUNAVAILABLE, cause, "The connection to the database failed while running the query; trying again may help.")
}

// busyError is the error for a database that could not run the query now.
func busyError(cause error, msg string) error {
	return facteur.WrapError(facteur.EUNAVAILABLE, cause, "The database could not run the query right now (%s); trying again may help.", msg)
}

// timeoutError is the error for a query stopped by its statement timeout.
// It is EUNAVAILABLE: a busy database may be faster next time.
func timeoutError(cause error, d time.Duration) error {
	return facteur.WrapError(facteur.EINVALID, cause, "The query ran longer than its timeout (%s) and was stopped: make the query faster or raise the timeout.", d)
}

// cancelledError is the error for a query whose caller gave up.
func cancelledError(cause error) error {
	return facteur.WrapError(facteur.ECANCELLED, cause, "The query was cancelled.")
}

// queryError is the error for a statement the database refused; msg is the
// database's own message and field the one to fix ("sql" or "table").
func queryError(cause error, field, msg string) error {
	return facteur.WrapError(facteur.EINVALID, cause, "%s: %s", field, msg)
}

// callerError returns the error for a query whose caller gave up (parent
// is done), or nil.
func callerError(parent context.Context, err error) error {
	if parent.Err() != nil {
		return cancelledError(errors.Join(parent.Err(), err))
	}
	return nil
}

// guardError returns the error for a query that outlived the guard
// deadline of its statement timeout (ctx expired), or nil.
func guardError(ctx context.Context, err error, st statement) error {
	if st.sql != "" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timeoutError(errors.Join(ctx.Err(), err), st.timeout)
	}
	return nil
}

// redact returns err with every form of secret in its text replaced, so
// that a password never reaches a log or a user. It keeps err itself (and
// its chain) when the text does not contain the secret.
func redact(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	msg := err.Error()
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), url.UserPassword("x", secret).String()[2:], pctEncode(secret)}
	found := false
	for _, f := range forms {
		if f != "" && strings.Contains(msg, f) {
			msg = strings.ReplaceAll(msg, f, "xxxxx")
			found = true
		}
	}
	if !found {
		return err
	}
	return errors.New(msg)
}

// dsnError is the error for a DSN that cannot be used; the message names the
// field and never includes the DSN, which may hold a password.
func dsnError(format string, args ...any) error {
	return facteur.Errorf(facteur.EINVALID, "dsn: "+format, args...)
}
