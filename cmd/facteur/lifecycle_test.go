package main

import (
	"bytes"
	"context"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeLeavesNoGoroutine runs `serve --demo` in this process, stops it
// while the demo's first run is being watched, and checks that every
// goroutine the server started has ended when serve returns.
func TestServeLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--data", data, "--addr", "127.0.0.1:0"}, &out, &errOut)
	}()
	started := regexp.MustCompile(`Demo: run \d+ started now`)
	deadline := time.Now().Add(60 * time.Second)
	for !started.MatchString(out.String()) {
		select {
		case err := <-done:
			t.Fatalf("serve returned before the demo started: %v\n%s%s", err, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start within 60 s:\n%s%s", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, errOut.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not return within 60 s of its context ending")
	}
	// What Facteur started must have ended when serve returned, not a
	// moment later: look at once, before goleak's retries.
	if left := projectGoroutines(); left != "" {
		t.Errorf("goroutines of Facteur still running after serve returned:\n%s", left)
	}
	goleak.VerifyNone(t, before)
}

// projectGoroutines returns the stacks of the goroutines running Facteur's
// code, other than the calling test's and the one it started to run serve
// (which may still be ending after it handed over serve's result).
func projectGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/facteur/facteur") && !strings.Contains(g, "testing.tRunner") &&
			!strings.Contains(g, "created by github.com/facteur/facteur/cmd/facteur.TestServeLeavesNoGoroutine") {
			left = append(left, g)
		}
	}
	return strings.Join(left, "\n\n")
}
