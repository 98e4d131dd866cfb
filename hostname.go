package facteur

import (
	"net/netip"
	"strings"
)

// MaxHostName is the longest host name accepted, as DNS allows.
const MaxHostName = 253

// IsHostName reports whether host is written as an IP address or a DNS
// host name: dot-separated labels of ASCII letters, digits, '-' and '_',
// 1 to 63 bytes each, none starting or ending with '-', MaxHostName bytes
// in all (a final dot allowed). A name starting with '-' would read as an
// option to a program it is handed to; a name with spaces, slashes, '@',
// a scheme or a port is something else typed into the wrong field.
func IsHostName(host string) bool {
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return true
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > MaxHostName {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
