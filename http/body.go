package http

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// readBody reads a request's whole body (its size is bounded by the
// server's MaxBytesReader) and refuses one that is not UTF-8: JSON
// decoding would keep such bytes in a raw field (a destination's config)
// or turn them into U+FFFD, and a stored invalid byte would make every list
// that shows it invalid JSON. The refusal names the field that holds it.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(b) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "the request needs a JSON body")
	}
	if !utf8.Valid(b) {
		at := invalidUTF8At(b)
		if field := fieldAt(b, at); field != "" {
			return nil, facteur.Errorf(facteur.EINVALID, "%s: the text is not valid UTF-8 (byte %d of the body); send text in UTF-8", field, at)
		}
		return nil, facteur.Errorf(facteur.EINVALID, "the body is not valid UTF-8 (byte %d); send JSON in UTF-8", at)
	}
	if at := escapedNUL(b); at >= 0 {
		if field := fieldAt(b, at); field != "" {
			return nil, facteur.Errorf(facteur.EINVALID, "%s: the text contains a NUL character (\\u0000); remove it", field)
		}
		return nil, facteur.Errorf(facteur.EINVALID, "the body contains a NUL character (\\u0000 at byte %d); remove it", at)
	}
	return b, nil
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
