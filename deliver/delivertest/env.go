package delivertest

import (
	"bytes"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/facteur/facteur/deliver"
)

// LogEnv returns an Env whose logger writes to a buffer, and a function
// returning what was logged.
func LogEnv() (deliver.Env, func() string) {
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	logs := func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
	return deliver.Env{Logger: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))}, logs
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// ClosedAddr returns a loopback address where nothing listens.
func ClosedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// SplitPort splits addr into host and port, with a timeout of 5 seconds.
func SplitPort(t *testing.T, addr string) (string, int, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return host, n, 5
}
