package facteur

import "strconv"

// ParseID reads the id of an object as a URL writes it: a positive decimal
// number in its canonical form ("12", never "+12", "012", " 12", "1e1" or
// "0"), so that one object has one address and a typo never lands on
// another object. It reports false for anything else.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}
