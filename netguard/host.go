package netguard

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// metadataNames are host names of cloud metadata services. They are
// refused before anything is resolved: some resolve only inside the cloud,
// to an address a later check would also refuse, but a name is a clearer
// message and does not depend on the resolver.
var metadataNames = map[string]bool{
	"metadata":                             true, // GCP short name
	"metadata.google.internal":             true,
	"metadata.goog":                        true,
	"metadata.azure.internal":              true,
	"instance-data":                        true, // AWS
	"instance-data.ec2.internal":           true,
	"metadata.platformequinix.com":         true,
	"metadata.packet.net":                  true,
	"metadata.tencentyun.com":              true,
	"metadata.oraclecloud.com":             true,
	"metadata.digitalocean.com":            true,
	"kubernetes.default.svc":               true, // the cluster's API server
	"kubernetes.default.svc.cluster.local": true,
}

// normalizeHost returns host as a resolver and a C library would read it:
// lower case, without a final dot, with full-width letters, digits and dots
// (as IDNA maps them) turned into ASCII.
func normalizeHost(host string) string {
	if !isASCII(host) {
		var b strings.Builder
		for _, r := range host {
			switch {
			case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII, incl. U+FF0E "．"
				r -= 0xFEE0
			case r == 0x3002 || r == 0xFF61: // ideographic full stops
				r = '.'
			}
			b.WriteRune(r)
		}
		host = b.String()
	}
	host = strings.ToLower(host)
	return strings.TrimSuffix(host, ".")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkName refuses the host names of metadata services. name must be
// normalised.
func checkName(name string) error {
	if metadataNames[name] {
		return facteur.Errorf(facteur.EINVALID, "Connections to %s are not allowed: it is the host name of a cloud metadata service.", name)
	}
	return nil
}

// parseHost reads a normalised host as an IP address when it is one: an
// IPv6 literal (with its zone, if any) or an IPv4 address in any spelling
// inet_aton accepts.
func parseHost(host string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return ip, true
	}
	return parseIPv4(host)
}

// parseIPv4 parses s with the rules of inet_aton(3): one to four parts
// separated by dots, each decimal, octal (leading 0) or hexadecimal
// (leading 0x); the last part fills the bytes the others leave, so that
// "2852039166", "0xa9fea9fe", "0251.0376.0251.0376" and "169.254.43518"
// all read as 169.254.169.254. C programs, curl and many resolvers
// (getaddrinfo) read host names this way.
func parseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, part := range parts {
		v, ok := parseAtonPart(part)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	last := len(vals) - 1
	for _, v := range vals[:last] {
		if v > 0xff {
			return netip.Addr{}, false
		}
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	var n uint64
	for _, v := range vals[:last] {
		n = n<<8 | v
	}
	n = n<<(8*(4-last)) | vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// parseAtonPart parses one part of an inet_aton address.
func parseAtonPart(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
		if p == "" { // inet_aton reads "0x" as 0
			return 0, true
		}
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	for i := 0; i < len(p); i++ { // no signs, spaces or underscores
		c := p[i] | 0x20
		if (p[i] < '0' || p[i] > '9') && (c < 'a' || c > 'f') {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}
