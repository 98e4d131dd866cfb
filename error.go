package facteur

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to an HTTP status; the message of an
// *Error is written for the user and says what to fix.
const (
	ECONFLICT     = "conflict"     // the object is in use or already exists
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	EINVALID      = "invalid"      // bad input; the message names the field
	ENOTFOUND     = "not_found"    // no such object
	EUNAVAILABLE  = "unavailable"  // a database or destination cannot be reached; retrying may help
	EUNAUTHORIZED = "unauthorized" // a database, destination or mail server refused the credentials
	// EUNAUTHENTICATED: the request to Facteur carries no valid session or token.
	EUNAUTHENTICATED = "unauthenticated"
	EFORBIDDEN       = "forbidden"         // the account may not do this
	ETOOMANY         = "too_many_requests" // e.g. too many failed logins; wait and try again
	ECANCELLED       = "cancelled"         // the run was cancelled
	ETOOLARGE        = "too_large"         // the request body is larger than the API reads
)

// Error is an error meant for a user: a stable code and a message that says
// what to fix. Wrapped errors keep their code: use ErrorCode and
// ErrorMessage to read them.
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, if any; not shown to users
}

// Error returns the message, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message around cause.
func WrapError(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// DatabaseError marks an error whose text comes from a source database
// (or from the export reading it). Alerts show such text only to
// administrators: it can quote table names and values.
type DatabaseError struct{ Err error }

func (e *DatabaseError) Error() string { return e.Err.Error() }

// Unwrap returns the database's error.
func (e *DatabaseError) Unwrap() error { return e.Err }

// IsDatabaseError reports whether err is or wraps a DatabaseError.
func IsDatabaseError(err error) bool {
	var d *DatabaseError
	return errors.As(err, &d)
}
