package format

// jsonValidator tells whether bytes are one JSON document, as json.Valid
// does, without allocating: json.Valid builds an error value for every
// invalid document, which would cost allocations on each row of a column of
// broken JSON. The stack of open containers is kept between calls.
type jsonValidator struct {
	stack []byte // '{' or '[' for each open container
}

// valid reports whether v is exactly one JSON value with optional white
// space around it (RFC 8259). Like json.Valid it does not check that
// strings are valid UTF-8; writeCompactJSON repairs them.
func (s *jsonValidator) valid(v []byte) bool {
	s.stack = s.stack[:0]
	i := 0
	for {
		// A value starts at i.
		i = skipSpace(v, i)
		if i == len(v) {
			return false
		}
		switch c := v[i]; c {
		case '{', '[':
			i = skipSpace(v, i+1)
			if i < len(v) && v[i] == c+2 { // '}' is '{'+2 and ']' is '['+2
				i++
				break
			}
			s.stack = append(s.stack, c)
			if c == '{' {
				if i = objectKey(v, i); i < 0 {
					return false
				}
			}
			continue
		case '"':
			i = stringEnd(v, i)
		case 't':
			i = literalEnd(v, i, "true")
		case 'f':
			i = literalEnd(v, i, "false")
		case 'n':
			i = literalEnd(v, i, "null")
		default:
			i = numberEnd(v, i)
		}
		if i < 0 {
			return false
		}
		// After a value: close containers, then a comma leads to the next
		// value, or the document ends.
		for {
			i = skipSpace(v, i)
			if len(s.stack) == 0 {
				return i == len(v)
			}
			if i == len(v) {
				return false
			}
			top := s.stack[len(s.stack)-1]
			if v[i] == top+2 {
				s.stack = s.stack[:len(s.stack)-1]
				i++
				continue
			}
			if v[i] != ',' {
				return false
			}
			i++
			if top == '{' {
				if i = objectKey(v, i); i < 0 {
					return false
				}
			}
			break
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

// objectKey reads `"key" :` from i (white space allowed around each) and
// returns the index after the colon, or -1.
func objectKey(v []byte, i int) int {
	i = skipSpace(v, i)
	if i == len(v) || v[i] != '"' {
		return -1
	}
	if i = stringEnd(v, i); i < 0 {
		return -1
	}
	i = skipSpace(v, i)
	if i == len(v) || v[i] != ':' {
		return -1
	}
	return i + 1
}

// stringEnd returns the index after the JSON string that starts at v[i]
// (a quote), or -1 when it is not one.
func stringEnd(v []byte, i int) int {
	for i++; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i == len(v) {
				return -1
			}
			switch v[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(v) {
					return -1
				}
				for _, h := range v[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// literalEnd returns the index after lit if v holds it at i, or -1.
func literalEnd(v []byte, i int, lit string) int {
	if len(v)-i < len(lit) || string(v[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// numberEnd returns the index after the JSON number that starts at v[i]
// (RFC 8259 section 6: no sign but '-', no leading zeros, digits on both
// sides of a point, an optional exponent), or -1 when there is none.
func numberEnd(v []byte, i int) int {
	n := len(v)
	digits := func() int {
		j := i
		for i < n && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < n && v[i] == '-' {
		i++
	}
	switch {
	case i == n:
		return -1
	case v[i] == '0':
		i++
	case v[i] >= '1' && v[i] <= '9':
		digits()
	default:
		return -1
	}
	if i < n && v[i] == '.' {
		i++
		if digits() == 0 {
			return -1
		}
	}
	if i < n && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < n && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return -1
		}
	}
	return i
}

// isJSONNumber reports whether v is exactly a JSON number. NaN, Infinity,
// "+5", ".5", "1." and "007" are not.
func isJSONNumber(v []byte) bool {
	return numberEnd(v, 0) == len(v)
}
