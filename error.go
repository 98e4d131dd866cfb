package facteur

import (
	"errors"
	"fmt"
	"strings"
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

// Error returns the message, followed by the cause when there is one: in
// parentheses after a message that is a sentence, after a colon otherwise.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	if strings.HasSuffix(e.Message, ".") || strings.HasSuffix(e.Message, "?") || strings.HasSuffix(e.Message, "!") {
		return e.Message + " (" + e.Err.Error() + ")"
	}
	return e.Message + ": " + e.Err.Error()
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

// Stages of a run where an error can happen; see StageError.
const (
	StageSource  = "source"  // connecting to the database and reading its rows
	StageEncode  = "encode"  // writing the rows in the file format
	StageSpool   = "spool"   // writing the file into the spool directory
	StageDeliver = "deliver" // sending the file to its destination
)

// StageError says at which stage of a run an error happened. It is added
// once, by the stage that knows; the code of the *Error it wraps still
// says what a user can do and whether a retry can help (Retryable). Text
// of the source stage may come from the database (table names, values):
// alerts show it only to administrators.
type StageError struct {
	Stage string
	Err   error
}

// Error returns the text of the wrapped error.
func (e *StageError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *StageError) Unwrap() error { return e.Err }

// WithStage returns err marked as having happened at stage, or err itself
// when it is nil or already says where it happened.
func WithStage(stage string, err error) error {
	if err == nil || ErrorStage(err) != "" {
		return err
	}
	return &StageError{Stage: stage, Err: err}
}

// ErrorStage returns the stage of the first StageError in err's chain, or
// "" when no stage is known.
func ErrorStage(err error) string {
	var s *StageError
	if errors.As(err, &s) {
		return s.Stage
	}
	return ""
}
