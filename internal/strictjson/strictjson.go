// Package strictjson decodes the JSON that comes from outside: API bodies,
// stored configurations of destinations and settings. It is the one place
// that refuses what a lenient decoder would let through (unknown fields,
// a second value after the first, text that is not UTF-8, NUL characters)
// and turns every refusal into a facteur.Error of code EINVALID whose
// message starts with the field at fault, so that a user knows what to fix.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// Options say how Decode names what it refuses.
type Options struct {
	// Where names the whole value, for the errors about it rather than one
	// of its fields ("config: not valid JSON at byte 4"). Default "body".
	Where string
	// Prefix goes before the path of a field at fault: "smtp." gives
	// "smtp.port: expected a whole number". Default none.
	Prefix string
	// Fields, when set, follows the message about an unknown field
	// ("overwrit: unknown field; a folder destination has …").
	Fields string
	// Hints replace the name of the expected JSON type for some fields,
	// by path: {"timeout": "a whole number of seconds"}. A key may add the
	// Go kind the value failed to decode into, for a map whose values are
	// wrong rather than the map itself: {"headers:string": "…"}; that key
	// is looked up first.
	Hints map[string]string
}

// Decode decodes the JSON text b, which must hold exactly one value, into
// v. It refuses, with EINVALID naming the field: text that is not valid
// UTF-8 (a decoder would keep such bytes in a json.RawMessage or turn them
// into U+FFFD, and one stored invalid byte makes every list that shows it
// invalid JSON); a NUL character in any text (no text Facteur keeps has a
// use for it, and many consumers cut at it); a field v does not have; a
// value of the wrong type; data after the value.
func Decode(b []byte, v any, o Options) error {
	if o.Where == "" {
		o.Where = "body"
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return facteur.Errorf(facteur.EINVALID, "%s: expected a JSON object", o.Where)
	}
	if err := Check(b, o); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, o)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return facteur.Errorf(facteur.EINVALID, "%s: expected a single JSON object", o.Where)
	}
	return nil
}

// Check refuses JSON text that is not valid UTF-8 or holds a NUL
// character, naming the field that holds it, as Decode does; for a value
// that is decoded later (a json.RawMessage handed to its own parser).
func Check(b []byte, o Options) error {
	if o.Where == "" {
		o.Where = "body"
	}
	if !utf8.Valid(b) {
		at := invalidUTF8At(b)
		if field := fieldAt(b, at); field != "" {
			return facteur.Errorf(facteur.EINVALID, "%s%s: the text is not valid UTF-8 (byte %d); send text in UTF-8", o.Prefix, field, at)
		}
		return facteur.Errorf(facteur.EINVALID, "%s: not valid UTF-8 (byte %d); send JSON in UTF-8", o.Where, at)
	}
	if at := escapedNUL(b); at >= 0 {
		if field := fieldAt(b, at); field != "" {
			return facteur.Errorf(facteur.EINVALID, "%s%s: the text contains a NUL character (\\u0000); remove it", o.Prefix, field)
		}
		return facteur.Errorf(facteur.EINVALID, "%s: contains a NUL character (\\u0000 at byte %d); remove it", o.Where, at)
	}
	return nil
}

// decodeError turns an error of encoding/json into EINVALID naming the
// field at fault.
func decodeError(err error, o Options) error {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ) && typ.Field != "":
		want, ok := o.Hints[typ.Field+":"+typ.Type.Kind().String()]
		if !ok {
			want, ok = o.Hints[typ.Field]
		}
		if !ok {
			want = jsonType(typ.Type)
		}
		return facteur.WrapError(facteur.EINVALID, err, "%s%s: expected %s", o.Prefix, typ.Field, want)
	case errors.As(err, &typ):
		return facteur.WrapError(facteur.EINVALID, err, "%s: expected a JSON object", o.Where)
	case errors.As(err, &syn):
		return facteur.WrapError(facteur.EINVALID, err, "%s: not valid JSON at byte %d", o.Where, syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return facteur.WrapError(facteur.EINVALID, err, "%s: not valid JSON: it ends too early", o.Where)
	}
	// encoding/json reports an unknown field only as text.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		msg := o.Prefix + strings.Trim(name, `"`) + ": unknown field"
		if o.Fields != "" {
			msg += "; " + o.Fields
		}
		return facteur.Errorf(facteur.EINVALID, "%s", msg)
	}
	return facteur.WrapError(facteur.EINVALID, err, "%s: not valid JSON", o.Where)
}

// Expecter is implemented by types that decode several kinds of JSON
// value and say which, for the message of a value of none of them.
type Expecter interface {
	JSONExpected() string
}

// jsonType names the JSON value a Go type is decoded from.
func jsonType(t reflect.Type) string {
	if e, ok := reflect.Zero(t).Interface().(Expecter); ok {
		return e.JSONExpected()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// escapedNUL returns the offset of the first "\u0000" escape in the JSON
// text b, or -1. No text Facteur keeps (names, messages, paths, SQL,
// templates) has a use for NUL, and many consumers (C strings, file
// systems, mail) cut at it, so no field may hold one.
func escapedNUL(b []byte) int {
	for i := 0; i+6 <= len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if string(b[i+1:i+6]) == "u0000" {
			return i
		}
		i++ // the escaped character, which may be a backslash
	}
	return -1
}

// invalidUTF8At returns the offset of b's first byte that is not part of
// a valid UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// fieldAt returns the path ("config.message", "to[2]") of the JSON value or
// key that holds the byte at offset at, or "" when b is not JSON that far.
func fieldAt(b []byte, at int) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		object bool
		key    string
		index  int
		inKey  bool // the next string of an object is a key
	}
	var stack []level
	path := func() string {
		var sb strings.Builder
		for _, l := range stack {
			if l.object {
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(l.key)
			} else {
				sb.WriteString("[" + strconv.Itoa(l.index) + "]")
			}
		}
		return sb.String()
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := int(dec.InputOffset())
		var top *level
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, level{object: t == '{', inKey: t == '{', index: -1})
				if t == '[' {
					stack[len(stack)-1].index = 0
				}
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.inKey {
				top.key, top.inKey = t, false
				if end > at {
					return path()
				}
				continue
			}
		}
		if end > at {
			return path()
		}
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
			if top.object {
				top.inKey = true
			} else {
				top.index++
			}
		}
	}
}
