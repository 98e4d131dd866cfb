package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// emails hands out e-mail addresses derived from names, each one once.
type emails struct {
	taken map[string]bool
}

// newEmails returns an empty set of addresses.
func newEmails() *emails { return &emails{taken: make(map[string]bool)} }

// forName returns a new address for a person, in one of the shapes people
// choose (zoe.martin@, zmartin@, martin.zoe@, …); domain picks the domain,
// or a random one when empty.
func (e *emails) forName(rng *rand.Rand, first, last, domain string) string {
	f, l := fold(first), fold(last)
	if f == "" {
		f = "user"
	}
	if l == "" {
		l = "x"
	}
	var local string
	switch n := rng.IntN(10); {
	case n < 4:
		local = f + "." + l
	case n < 5:
		local = f[:1] + "." + l
	case n < 6:
		local = f[:1] + l
	case n < 7:
		local = f + "_" + l
	case n < 8:
		local = l + "." + f
	default:
		local = f + "." + l + strconv.Itoa(rng.IntN(90)+10)
	}
	if domain == "" {
		// Domains reserved for documentation (RFC 2606): no mail sent to
		// the demo's addresses can reach anyone.
		domains := [...]string{"example.com", "example.org", "example.net"}
		domain = domains[rng.IntN(len(domains))]
	}
	addr := local + "@" + domain
	for i := 2; e.taken[addr]; i++ {
		addr = local + strconv.Itoa(i) + "@" + domain
	}
	e.taken[addr] = true
	return addr
}

// fold turns a name into the ASCII letters people use in an address:
// "Zoé" -> "zoe", "Łukasz" -> "lukasz", "O'Brien" -> "obrien", "Nguyễn" ->
// "nguyen", "Jean-Luc" -> "jean-luc".
func fold(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r < 0x80:
			// spaces, apostrophes and other punctuation are left out
		default:
			b.WriteString(foldRune(r))
		}
	}
	return b.String()
}

// foldRune returns the ASCII letters for a lower-case letter with a
// diacritic, or "" for one it does not know.
func foldRune(r rune) string {
	for _, f := range [...]struct{ from, to string }{
		{"àáâãäåąăạảấầẩẫậắằẳẵặ", "a"}, {"æ", "ae"}, {"çćč", "c"}, {"đď", "d"},
		{"èéêëęěẹẻẽếềểễệ", "e"}, {"ìíîïıịỉĩ", "i"}, {"ł", "l"}, {"ñńň", "n"},
		{"òóôõöøơọỏốồổỗộớờởỡợ", "o"}, {"œ", "oe"}, {"śšș", "s"}, {"ß", "ss"},
		{"ùúûüůưụủũứừửữự", "u"}, {"ýÿỳỵỷỹ", "y"}, {"źżž", "z"}, {"ťț", "t"}, {"ř", "r"},
	} {
		if strings.ContainsRune(f.from, r) {
			return f.to
		}
	}
	return ""
}

// phone returns a telephone number in international format from the ranges
// reserved for fiction, so that no real line is ever printed: kind "fr"
// (ARCEP's blocks), "us" (555-0100 to 555-0199) or "gb" (Ofcom's drama
// numbers).
func phone(rng *rand.Rand, kind string) string {
	switch kind {
	case "fr":
		blocks := [...]string{"1 99 00", "2 61 91", "3 53 01", "4 65 71", "5 36 49", "6 39 98", "6 39 98", "9 75 10"}
		return fmt.Sprintf("+33 %s %02d %02d", blocks[rng.IntN(len(blocks))], rng.IntN(100), rng.IntN(100))
	case "us":
		areas := [...]string{"202", "212", "312", "415", "512", "617", "206", "303", "514", "416"}
		return fmt.Sprintf("+1 %s-555-01%02d", areas[rng.IntN(len(areas))], rng.IntN(100))
	default:
		switch rng.IntN(4) {
		case 0, 1:
			return fmt.Sprintf("+44 7700 900%03d", rng.IntN(1000))
		case 2:
			return fmt.Sprintf("+44 20 7946 0%03d", rng.IntN(1000))
		default:
			return fmt.Sprintf("+44 161 496 0%03d", rng.IntN(1000))
		}
	}
}
