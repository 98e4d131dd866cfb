package netguard_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/netguard"
	"github.com/facteur/facteur/netguard/netguardtest"
)

// listen starts a TCP server on a loopback port that writes "hello" to
// every connection, and returns its port.
func listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "hello")
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// wantRefused checks that err is the guard's refusal naming want.
func wantRefused(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("connection allowed, want a refusal naming %q", want)
	}
	if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v (code %s), want a permanent EINVALID naming %q", err, facteur.ErrorCode(err), want)
	}
}

// A name that resolves to the metadata address is refused at connect time,
// even though it looked like any other name when it was saved.
func TestDialResolvesOnceAndChecks(t *testing.T) {
	t.Parallel()
	port := listen(t)
	dns := netguardtest.StartDNS(t, map[string][]string{
		"hooks.example.test":  {"127.0.0.1"},
		"meta.example.test":   {"169.254.169.254"},
		"meta6.example.test":  {"fd00:ec2::254"},
		"mapped.example.test": {"::ffff:169.254.169.254"},
		"mixed.example.test":  {"93.184.215.14", "169.254.169.254"},
		"lan.example.test":    {"10.0.0.7"},
	})
	p := netguard.Policy{AllowLoopback: true, Resolver: dns.Resolver(), Timeout: 5 * time.Second}
	if err := p.CheckURL("http://meta.example.test/"); err != nil {
		t.Fatalf("CheckURL of a plain name: %v (names are checked when connecting)", err)
	}

	for name, want := range map[string]string{
		"meta.example.test":   "meta.example.test resolves to 169.254.169.254. Connections to 169.254.169.254 are not allowed: it is a cloud metadata address",
		"meta6.example.test":  "Connections to fd00:ec2::254 are not allowed",
		"mapped.example.test": "169.254.169.254", // A record through the mapped form, or refused AAAA
		"mixed.example.test":  "Connections to 169.254.169.254 are not allowed",
		"lan.example.test":    "Connections to 10.0.0.7 are not allowed: it is a private address",
	} {
		conn, err := p.Dial(t.Context(), "tcp", net.JoinHostPort(name, port))
		if conn != nil {
			conn.Close()
		}
		wantRefused(t, err, want)
	}

	// With loopback allowed, a name that resolves to it connects.
	conn, err := p.Dial(t.Context(), "tcp", net.JoinHostPort("hooks.example.test", port))
	if err != nil {
		t.Fatalf("Dial(hooks.example.test): %v", err)
	}
	b, _ := io.ReadAll(conn)
	conn.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q from the server, want hello", b)
	}

	// Without, it does not.
	strict := netguard.Policy{Resolver: dns.Resolver()}
	_, err = strict.Dial(t.Context(), "tcp", net.JoinHostPort("hooks.example.test", port))
	wantRefused(t, err, "Connections to 127.0.0.1 are not allowed: it is a loopback address")
}

// Metadata names and refused literals are refused without asking DNS.
func TestDialRefusesBeforeResolving(t *testing.T) {
	t.Parallel()
	dns := netguardtest.StartDNS(t, map[string][]string{"metadata.google.internal": {"93.184.215.14"}})
	p := netguard.Policy{AllowLoopback: true, AllowPrivate: true, Resolver: dns.Resolver()}
	for addr, want := range map[string]string{
		"metadata.google.internal:80":  "metadata.google.internal are not allowed",
		"Metadata.Google.Internal.:80": "metadata.google.internal are not allowed",
		"metadata:80":                  "metadata are not allowed",
		"instance-data:80":             "instance-data are not allowed",
		"169.254.169.254:80":           "169.254.169.254",
		"2852039166:80":                "169.254.169.254",
		"0xa9fea9fe:80":                "169.254.169.254",
		"0251.0376.0251.0376:80":       "169.254.169.254",
		"169.254.43518:80":             "169.254.169.254",
		"[::ffff:169.254.169.254]:80":  "::ffff:169.254.169.254",
		"[fe80::1%lo]:80":              "link-local",
		"[fd00:ec2::254]:80":           "fd00:ec2::254",
		"0.0.0.0:80":                   "unspecified",
	} {
		_, err := p.Dial(t.Context(), "tcp", addr)
		wantRefused(t, err, want)
	}
	if n := dns.Queries.Load(); n != 0 {
		t.Errorf("%d DNS queries were made; refused names must not be resolved", n)
	}
	_, err := p.Dial(t.Context(), "unix", "/run/docker.sock")
	wantRefused(t, err, "unix")
}

// Other failures are the network's own errors, which a deliverer reports
// as "cannot connect" and may retry.
func TestDialFailures(t *testing.T) {
	t.Parallel()
	dns := netguardtest.StartDNS(t, map[string][]string{})
	p := netguard.Policy{AllowLoopback: true, Resolver: dns.Resolver(), Timeout: 5 * time.Second}

	_, err := p.Dial(t.Context(), "tcp", "nowhere.example.test:80")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || facteur.ErrorCode(err) != facteur.EINTERNAL {
		t.Errorf("Dial(unknown name) = %v, want a *net.DNSError saying not found", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := p.Dial(t.Context(), "tcp", addr); err == nil || facteur.ErrorCode(err) != facteur.EINTERNAL {
		t.Errorf("Dial(closed port) = %v, want the network's error", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.Dial(ctx, "tcp", net.JoinHostPort("127.0.0.1", listen(t))); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial(cancelled) = %v, want context.Canceled", err)
	}
}

// A name that does not resolve fails with the lookup's name and outcome,
// but not the address of the resolver asked (the network's business).
func TestDialUnknownNameHidesResolver(t *testing.T) {
	t.Parallel()
	dns := netguardtest.StartDNS(t, map[string][]string{"hooks.example.test": {"127.0.0.1"}})
	p := netguard.Policy{AllowLoopback: true, Resolver: dns.Resolver(), Timeout: 5 * time.Second}
	_, err := p.Dial(context.Background(), "tcp", "missing.example.test:22")
	var dnsErr *net.DNSError
	if err == nil || !errors.As(err, &dnsErr) {
		t.Fatalf("dial of a name that does not resolve: %v, want a DNS error", err)
	}
	if msg := err.Error(); strings.Contains(msg, " on ") || strings.Contains(msg, dns.Addr) || !strings.Contains(msg, "missing.example.test") {
		t.Errorf("error %q: want the name, without the resolver's address %s", msg, dns.Addr)
	}
}
