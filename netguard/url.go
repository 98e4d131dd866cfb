package netguard

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
)

// CheckURL checks a URL that Facteur will connect to, when it is saved. It
// fails with EINVALID naming the "url" field when the URL is not http or
// https, has no host, carries a user name or password (the classic
// "http://good@169.254.169.254/" trick, and a secret shown to anyone who
// can read the destination), or names a refused address in any spelling:
// decimal, hexadecimal, octal or shortened IPv4 ("2852039166",
// "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518"), IPv4-mapped IPv6
// ("[::ffff:169.254.169.254]"), IPv6 literals with a zone ("[fe80::1%25eth0]"),
// full-width digits, or a metadata host name.
//
// Host names are not resolved here: what they resolve to can change, so
// Dial checks the addresses again at every connection.
func (p Policy) CheckURL(raw string) error {
	if strings.ContainsAny(raw, "\\\x00\r\n\t ") {
		return facteur.Errorf(facteur.EINVALID, "url: the URL contains a backslash, a space or a control character")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return facteur.WrapError(facteur.EINVALID, err, "url: not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return facteur.Errorf(facteur.EINVALID, "url: use an http:// or https:// URL")
	case u.Opaque != "" || u.Host == "":
		return facteur.Errorf(facteur.EINVALID, "url: the URL has no host; write it as https://host/path")
	case u.User != nil:
		return facteur.Errorf(facteur.EINVALID, "url: remove the user name and password from the URL; give credentials in a header instead")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return facteur.Errorf(facteur.EINVALID, "url: port %q is not a number between 1 and 65535", port)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return facteur.Errorf(facteur.EINVALID, "url: the port after %q is empty", u.Hostname())
	}
	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		// An IPv6 literal: a zone names a network interface of this
		// machine, which only a link-local address needs.
		if strings.Contains(host, "%") {
			return facteur.Errorf(facteur.EINVALID, "url: IPv6 addresses with a zone (%s) are not allowed", host)
		}
		ip, ok := parseHost(host)
		if !ok {
			return facteur.Errorf(facteur.EINVALID, "url: %q is not a valid IPv6 address", host)
		}
		return urlError(p.Check(ip))
	}
	name := normalizeHost(host)
	if name == "" {
		return facteur.Errorf(facteur.EINVALID, "url: the URL has no host; write it as https://host/path")
	}
	if ip, ok := parseHost(name); ok {
		return urlError(p.Check(ip))
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		// Always this machine (RFC 6761), whatever the resolver says.
		return urlError(p.Check(netip.AddrFrom4([4]byte{127, 0, 0, 1})))
	}
	return urlError(checkName(name))
}

// urlError names the url field in an error of the policy.
func urlError(err error) error {
	if err == nil {
		return nil
	}
	return facteur.Errorf(facteur.EINVALID, "url: %s", facteur.ErrorMessage(err))
}
