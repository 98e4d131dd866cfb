// Package netguard is Facteur's outbound guard: it decides which addresses
// Facteur may connect to, so that a destination, source or OAuth endpoint
// cannot be pointed at a cloud metadata service or another internal address
// (server-side request forgery).
//
// The guard checks twice. At save time, CheckURL reads the host of a URL the
// way a C library would (so "2852039166", "0xa9fea9fe" and "169.254.43518"
// are all 169.254.169.254). At connect time, Dial resolves the host once,
// checks every address it resolves to and connects to one of those very
// addresses, so that a host name whose DNS answer changes after the check
// (DNS rebinding) cannot reach a refused address.
package netguard

import (
	"net"
	"net/netip"
	"time"

	"github.com/facteur/facteur"
)

// Policy says which addresses outbound connections may reach. The zero
// value allows public addresses only.
//
// Whatever the policy, link-local addresses (169.254.0.0/16, fe80::/10),
// cloud metadata addresses (169.254.169.254, fd00:ec2::254,
// 100.100.100.200, 192.0.0.192), the unspecified address, "this network"
// (0.0.0.0/8), multicast, the reserved 240.0.0.0/4 and the broadcast
// address are refused.
type Policy struct {
	// AllowLoopback allows 127.0.0.0/8 and ::1: Facteur's own machine.
	AllowLoopback bool
	// AllowPrivate allows private and shared ranges: 10.0.0.0/8,
	// 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 (carrier-grade NAT),
	// 198.18.0.0/15 (benchmarking) and fc00::/7 (unique local; fd00:ec2::254
	// stays refused).
	AllowPrivate bool
	// Allow lists further ranges an administrator allows, such as one
	// private subnet when AllowPrivate is off. It cannot allow an address
	// that is always refused.
	Allow []netip.Prefix
	// Resolver resolves host names in Dial. Nil uses net.DefaultResolver.
	Resolver *net.Resolver
	// Timeout bounds resolving a host and connecting to it in Dial.
	// Default 30 s.
	Timeout time.Duration
}

// DefaultTimeout is the Timeout of a Policy that sets none.
const DefaultTimeout = 30 * time.Second

// The cloud metadata services reachable at a fixed address.
var metadataAddrs = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "a cloud metadata address (AWS, GCP, Azure, OpenStack, …)",
	netip.MustParseAddr("fd00:ec2::254"):   "a cloud metadata address (AWS IPv6)",
	netip.MustParseAddr("100.100.100.200"): "a cloud metadata address (Alibaba Cloud)",
	netip.MustParseAddr("192.0.0.192"):     "a cloud metadata address (Oracle Cloud)",
}

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	reserved    = netip.MustParsePrefix("240.0.0.0/4")
	sharedNAT   = netip.MustParsePrefix("100.64.0.0/10")
	benchmark   = netip.MustParsePrefix("198.18.0.0/15")
	// IPv6 prefixes that embed an IPv4 address in their last 32 bits and
	// reach it through a translator: NAT64 (RFC 6052, RFC 8215) and the
	// deprecated IPv4-compatible addresses.
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	v4Compat   = netip.MustParsePrefix("::/96")
)

// Check reports whether ip may be reached. It fails with EINVALID,
// "Connections to ADDR are not allowed: …", saying why and, when the
// administrator can allow it, how. IPv4-mapped IPv6 addresses
// (::ffff:169.254.169.254) and IPv6 addresses that embed an IPv4 address
// for a translator (64:ff9b::/96) are checked as that IPv4 address too.
func (p Policy) Check(ip netip.Addr) error {
	if !ip.IsValid() {
		return facteur.Errorf(facteur.EINVALID, "Connections to an invalid address are not allowed.")
	}
	shown := ip.String()
	ip = ip.WithZone("").Unmap()
	var note string
	if ip.Is6() && (nat64.Contains(ip) || nat64Local.Contains(ip) || (v4Compat.Contains(ip) && !ip.IsLoopback() && !ip.IsUnspecified())) {
		b := ip.As16()
		ip, note = netip.AddrFrom4([4]byte(b[12:])), " (embedded in an IPv6 address)"
	}
	if reason := refused(ip); reason != "" {
		return refusal(shown, reason+note)
	}
	for _, pre := range p.Allow {
		if pre.Contains(ip) {
			return nil
		}
	}
	switch {
	case ip.IsLoopback():
		if !p.AllowLoopback {
			return refusal(shown, "it is a loopback address (this machine)"+note+"; an administrator can allow loopback addresses in the server configuration")
		}
	case ip.IsPrivate() || sharedNAT.Contains(ip) || benchmark.Contains(ip):
		if !p.AllowPrivate {
			return refusal(shown, "it is a private address"+note+"; an administrator can allow private addresses, or this range, in the server configuration")
		}
	}
	return nil
}

// refused returns why ip is always refused, or "" when it is not.
func refused(ip netip.Addr) string {
	if reason, ok := metadataAddrs[ip]; ok {
		return "it is " + reason
	}
	switch {
	case ip.IsUnspecified() || thisNetwork.Contains(ip):
		return "it is an unspecified address"
	case ip.IsLinkLocalUnicast():
		return "it is a link-local address"
	case ip.IsMulticast():
		return "it is a multicast address"
	case reserved.Contains(ip): // includes 255.255.255.255
		return "it is a reserved or broadcast address"
	}
	return ""
}

// refusal is the error of an address the policy refuses.
func refusal(addr, reason string) error {
	return facteur.Errorf(facteur.EINVALID, "Connections to %s are not allowed: %s.", addr, reason)
}

func (p Policy) resolver() *net.Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}

func (p Policy) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}
