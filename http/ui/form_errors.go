package ui

import (
	"regexp"
	"strconv"
	"strings"
)

// formErrors ties the API's messages to the inputs of a form: each message
// goes next to the input it concerns (marked aria-invalid and described by
// it) and into the summary at the top of the form, which links to it.
// The API names a field by its key ("port: 70000 is not a port number");
// the form says it in the words of the field's label.
type formErrors struct {
	List []formError
	byID map[string]string
}

// formError is one message of a form; ID is the input it concerns, empty
// when it concerns none.
type formError struct{ ID, Message string }

// fieldInput is how a form shows a field the API names: the id of its
// input and the text key of its label.
type fieldInput struct{ ID, Label string }

// apiField reads the field an API message starts with: "to[1]: …" gives
// ("to", 1, "…"); a message that names no field gives ("", -1, msg).
var apiField = regexp.MustCompile(`(?s)^([a-z_]+(?:\.[a-z_]+)*)(?:\[(\d+)\])?: (.+)$`)

// add puts msg next to the input id, or only in the summary when id is
// empty; the first message of an input wins.
func (e *formErrors) add(id, msg string) {
	if e.byID == nil {
		e.byID = map[string]string{}
	}
	if id != "" {
		if _, taken := e.byID[id]; taken {
			return
		}
		e.byID[id] = msg
	}
	e.List = append(e.List, formError{id, msg})
}

// addAPI adds an API message, next to the input fields maps its field to
// and in the words of its label; a message about another field keeps its
// words and goes to the summary only.
func (e *formErrors) addAPI(msg string, fields map[string]fieldInput) {
	id, words := relabel(msg, fields)
	e.add(id, words)
}

// relabel finds the input of the field an API message names, and says the
// message in the words of its label: "to[1]: …" becomes "Recipients, line
// 2: …". A message that names no field of fields comes back as it is,
// with no input.
func relabel(msg string, fields map[string]fieldInput) (id, words string) {
	m := apiField.FindStringSubmatch(msg)
	if m == nil {
		return "", msg
	}
	in, ok := fields[m[1]]
	if !ok {
		return "", msg
	}
	where := labelWords(text(in.Label))
	if m[2] != "" {
		i, _ := strconv.Atoi(m[2])
		where = text("form.error.line", where, i+1)
	}
	return in.ID, where + ": " + m[3]
}

// labelWords is a label without its explanation in brackets: "Port" of
// "Port", "Recipients" of "Recipients (one per line)".
func labelWords(label string) string {
	if i := strings.Index(label, " ("); i > 0 {
		return label[:i]
	}
	return label
}

// For is the message of the input id, or "".
func (e formErrors) For(id string) string { return e.byID[id] }

// Any reports whether the form has a message.
func (e formErrors) Any() bool { return len(e.List) > 0 }
