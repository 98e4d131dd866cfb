// Package netguardtest helps test code that connects through the outbound
// guard: a DNS server that makes any name resolve to any address, so that
// a test can point a host name at 169.254.169.254 through the real Go
// resolver.
package netguardtest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// DNSServer is a small DNS server on a loopback UDP port that answers A and
// AAAA questions from a fixed table, so that a test can make any name
// resolve to any address (169.254.169.254 included) through the real Go
// resolver.
type DNSServer struct {
	// Addr is the server's address, "127.0.0.1:port".
	Addr string
	// Queries counts the questions the server received.
	Queries atomic.Int64
	records map[string][]netip.Addr // by lower-case name without the final dot
}

// StartDNS starts a DNS server answering from records until the test ends.
func StartDNS(t testing.TB, records map[string][]string) *DNSServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start DNS server: %v", err)
	}
	s := &DNSServer{Addr: pc.LocalAddr().String(), records: map[string][]netip.Addr{}}
	for name, addrs := range records {
		for _, a := range addrs {
			s.records[name] = append(s.records[name], netip.MustParseAddr(a))
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.serve(pc) })
	t.Cleanup(func() {
		pc.Close()
		wg.Wait()
	})
	return s
}

// Resolver returns a resolver that asks only this server.
func (s *DNSServer) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", s.Addr)
		},
	}
}

func (s *DNSServer) serve(pc net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil {
			continue
		}
		s.Queries.Add(1)
		if resp, err := s.answer(buf[:n]); err == nil {
			_, _ = pc.WriteTo(resp, from)
		}
	}
}

// answer builds the response to one query: the records of the asked name
// and type, NXDOMAIN for an unknown name.
func (s *DNSServer) answer(query []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	addrs, known := s.records[name]
	rcode := dnsmessage.RCodeSuccess
	if !known {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true, RCode: rcode})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
	for _, a := range addrs {
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			err = b.AResource(rh, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			err = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
		if err != nil {
			return nil, err
		}
	}
	return b.Finish()
}
