package ui

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
)

// Bounds of a posted form. The UI's forms are small: the largest, a
// report with its SQL and fields, stays far below them.
const (
	maxFormBytes  = 10 << 20 // 10 MB
	maxFormFields = 10_000
)

// readForm reads the body of a POSTed form once, within bounds, so that the
// handlers' PostFormValue calls never meet an unread or malformed body. It
// returns the status and message of a refusal: 413 for a body over
// maxFormBytes, 400 for another encoding than a URL-encoded form (the UI
// posts nothing else), malformed escapes or separators, or more than
// maxFormFields fields.
func readForm(w http.ResponseWriter, r *http.Request) (int, string) {
	if r.Method != http.MethodPost {
		return 0, ""
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/x-www-form-urlencoded" {
		return http.StatusBadRequest, "The form was not sent as a web form (application/x-www-form-urlencoded); send it from Facteur's page."
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than %d MB; shorten what was typed.", maxFormBytes>>20)
		}
		return http.StatusBadRequest, "The form could not be read (it is not correctly encoded); reload the page and try again."
	}
	n := 0
	for _, v := range r.PostForm {
		n += len(v)
	}
	if n > maxFormFields {
		return http.StatusBadRequest, fmt.Sprintf("The form has more than %d fields.", maxFormFields)
	}
	return 0, ""
}
