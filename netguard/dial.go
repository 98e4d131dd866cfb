package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/facteur/facteur"
)

// Dial opens a connection to addr ("host:port") if the policy allows it. It
// has the signature of net.Dialer.DialContext, so that it can be given to
// an HTTP transport, an SSH or SMTP client, or deliver.Env.Dial.
//
// Dial refuses a metadata host name before resolving anything, resolves
// the host once, checks every address it resolves to (one refused address
// refuses the host: a name that mixes a public and an internal address is
// suspect), and connects to one of those checked addresses, never resolving
// the name again. The socket's address is checked once more just before it
// connects. Resolving and connecting take at most p.Timeout (30 s by
// default) and stop when ctx is done.
//
// A refused address fails with EINVALID ("Connections to ADDR are not
// allowed: …"), which no retry can fix. Other failures (the name does not
// resolve, the connection is refused or times out) are returned as the
// network errors they are.
func (p Policy) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, facteur.Errorf(facteur.EINVALID, "Connections over %q are not allowed.", network)
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout())
	defer cancel()

	port, err := p.port(ctx, network, portStr)
	if err != nil {
		return nil, err
	}
	ips, err := p.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Control: p.control}
	var errs []error
	for _, ip := range ips {
		conn, err := d.DialContext(ctx, network, netip.AddrPortFrom(ip, port).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// resolve returns the addresses of host, all of them allowed by the
// policy.
func (p Policy) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	name := normalizeHost(host)
	if err := checkName(name); err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip} // keeps an IPv6 zone's case
	} else if ip, ok := parseHost(name); ok {
		ips = []netip.Addr{ip}
	} else {
		ipNetwork := "ip"
		switch network {
		case "tcp4", "udp4":
			ipNetwork = "ip4"
		case "tcp6", "udp6":
			ipNetwork = "ip6"
		}
		found, err := p.resolver().LookupNetIP(ctx, ipNetwork, name)
		if err != nil {
			// The resolver's address is the network's business, not the
			// run log's: the lookup's name and outcome are the detail.
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) && dnsErr.Server != "" {
				e := *dnsErr
				e.Server = ""
				err = &e
			}
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		ips = found
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: no address", host)
	}
	for _, ip := range ips {
		if err := p.Check(ip); err != nil {
			if ip.String() != name {
				return nil, facteur.Errorf(facteur.EINVALID, "%s resolves to %s. %s", host, ip, facteur.ErrorMessage(err))
			}
			return nil, err
		}
	}
	return ips, nil
}

// port reads a port number, or looks up a service name.
func (p Policy) port(ctx context.Context, network, s string) (uint16, error) {
	if n, err := strconv.ParseUint(s, 10, 16); err == nil {
		return uint16(n), nil
	}
	n, err := p.resolver().LookupPort(ctx, network, s)
	if err != nil {
		return 0, fmt.Errorf("dial: port %q: %w", s, err)
	}
	return uint16(n), nil
}

// control checks the address a socket is about to connect to: the last
// line of defence, whatever happened before.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return facteur.Errorf(facteur.EINVALID, "Connections to %s are not allowed: not an IP address.", address)
	}
	return p.Check(ap.Addr())
}
