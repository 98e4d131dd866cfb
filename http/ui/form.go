package ui

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
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
// posts nothing else), malformed escapes or separators, more than
// maxFormFields fields, or a field that is not UTF-8 or holds a NUL.
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
	// As the API refuses such bytes in any text, so does the form, before
	// an action that ignores the field is taken.
	for k, vs := range r.PostForm {
		bad := !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0
		for _, v := range vs {
			bad = bad || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0
		}
		if bad {
			name := strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")
			if len(name) > 64 {
				name = name[:64]
			}
			return http.StatusBadRequest, fmt.Sprintf("The form's field %q holds bytes that are not text (invalid UTF-8 or a NUL character); correct it and send the form again.", strings.ToValidUTF8(name, "?"))
		}
	}
	return 0, ""
}

// formCount reads a count typed in a number box: 0 when left empty, -1
// when it is not a whole number, for the API to refuse with its own words.
func formCount(raw string) int64 {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return -1
	}
	return n
}
