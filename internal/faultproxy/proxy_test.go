package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echoServer answers each connection with what it reads, until EOF.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends payload through addr, closes its side and returns what
// came back and the error that ended the reading, or else the error of
// the sending: a reset is reported once, to whichever of the two calls
// meets it first, and the other then sees an orderly end.
func roundTrip(t *testing.T, addr string, payload []byte) ([]byte, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		c.(*net.TCPConn).CloseWrite()
		sent <- err
	}()
	got, err := io.ReadAll(c)
	if err == nil {
		err = <-sent
	}
	return got, err
}

// TestProxy: a connection goes through whole; once two cuts are asked
// for at 1,000 bytes, a connection of 500 bytes still goes through, the
// next two large ones are cut (the client reads less than it sent, and an
// error), and the one after goes through whole again.
func TestProxy(t *testing.T) {
	p, err := Start(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	payload := bytes.Repeat([]byte("0123456789"), 100_000)
	if got, err := roundTrip(t, p.Addr(), payload); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("uncut: %d bytes back of %d, %v", len(got), len(payload), err)
	}
	p.CutAfter(1000, 2)
	if got, err := roundTrip(t, p.Addr(), payload[:500]); err != nil || !bytes.Equal(got, payload[:500]) {
		t.Fatalf("small: %d bytes back of 500, %v", len(got), err)
	}
	for i := range 2 {
		got, err := roundTrip(t, p.Addr(), payload)
		if err == nil || len(got) > 1000 {
			t.Errorf("cut %d: %d bytes back, error %v; want at most 1000 and a reset", i+1, len(got), err)
		}
	}
	if got, err := roundTrip(t, p.Addr(), payload); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("after the cuts: %d bytes back of %d, %v", len(got), len(payload), err)
	}
	if p.Accepted() != 5 || p.Cut() != 2 {
		t.Errorf("accepted %d, cut %d; want 5 and 2", p.Accepted(), p.Cut())
	}
}

// TestThrottle: at 400 KB/s, 200 KB take at least half a second and come
// back whole, the proxy counts what it carried, and lifting the limit
// makes the next connection fast again.
func TestThrottle(t *testing.T) {
	p, err := Start(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	payload := bytes.Repeat([]byte("0123456789"), 20_000)
	p.Throttle(400_000)
	start := time.Now()
	if got, err := roundTrip(t, p.Addr(), payload); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("throttled: %d bytes back of %d, %v", len(got), len(payload), err)
	}
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("200 KB at 400 KB/s took %s", took)
	}
	p.Throttle(0)
	start = time.Now()
	if got, err := roundTrip(t, p.Addr(), payload); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("unthrottled: %d bytes back, %v", len(got), err)
	}
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Errorf("200 KB without a limit took %s", took)
	}
	if p.Carried() != 2*int64(len(payload)) {
		t.Errorf("carried %d bytes, want %d", p.Carried(), 2*len(payload))
	}
}

// TestDownUp: while down, a connection open is reset and a new one
// carries nothing back; once up, connections are forwarded whole again.
func TestDownUp(t *testing.T) {
	p, err := Start(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	open, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := open.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(open, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("before down: %q %v", buf, err)
	}
	p.Down()
	open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if k, err := open.Read(buf); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("open connection after Down: read %d bytes, %v; want it reset", k, err)
	}
	if got, err := roundTrip(t, p.Addr(), []byte("hello")); err == nil || len(got) > 0 {
		t.Errorf("new connection while down: %q back, %v; want a reset", got, err)
	}
	p.Up()
	if got, err := roundTrip(t, p.Addr(), []byte("hello")); err != nil || string(got) != "hello" {
		t.Errorf("after Up: %q, %v", got, err)
	}
}
