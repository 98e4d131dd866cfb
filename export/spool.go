package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"sync/atomic"
)

// spoolWriter writes a spool file and hashes it on a goroutine of its own,
// so that the encoder fills the next buffer while the previous one is
// hashed and written: on a 5M-row CSV export SHA-256 and the write calls
// are about a fifth of the client's CPU. It asks the kernel to start
// writing each few megabytes to disk as it goes (see startWriteback), so
// that the fsync at the end has little left to wait for.
//
// Write copies p: the bufio.Writer in front of it reuses its buffer.
type spoolWriter struct {
	f     *os.File
	h     hash.Hash
	n     int64 // bytes written to f
	full  chan []byte
	free  chan []byte
	done  chan struct{}
	err   error       // the first error of the writing goroutine
	fail  atomic.Bool // err is set
	flush int64 // offset up to which writeback was started
	ended bool  // Close was called
}

const (
	// spoolBuffers buffers in flight: one filling, one being written, one spare.
	spoolBuffers = 3
	// writebackEvery is how many bytes may wait before writeback is started.
	writebackEvery = 8 << 20
)

func newSpoolWriter(f *os.File) *spoolWriter {
	w := &spoolWriter{
		f:    f,
		h:    sha256.New(),
		full: make(chan []byte, spoolBuffers),
		free: make(chan []byte, spoolBuffers),
		done: make(chan struct{}),
	}
	for range spoolBuffers {
		w.free <- make([]byte, 0, spoolBuffer)
	}
	go w.loop()
	return w
}

// loop hashes and writes the buffers in the order they came.
func (w *spoolWriter) loop() {
	defer close(w.done)
	for b := range w.full {
		if w.err == nil {
			if w.err = w.write(b); w.err != nil {
				w.fail.Store(true)
			}
		}
		w.free <- b[:0]
	}
}

func (w *spoolWriter) write(b []byte) error {
	w.h.Write(b)
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("write spool file: %w", err)
	}
	w.n += int64(len(b))
	if w.n-w.flush >= writebackEvery {
		startWriteback(w.f, w.flush, w.n-w.flush)
		w.flush = w.n
	}
	return nil
}

// Write hands a copy of p to the writing goroutine. It returns the error
// of an earlier write, if any (a full disk stops the export at once).
func (w *spoolWriter) Write(p []byte) (int, error) {
	if w.fail.Load() {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		b := <-w.free
		k := min(len(p), cap(b))
		w.full <- append(b, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// Close waits for every buffer to be written and returns the first error;
// a second call returns it again. The file stays open: the caller syncs
// and closes it.
func (w *spoolWriter) Close() error {
	if !w.ended {
		w.ended = true
		close(w.full)
		<-w.done
	}
	return w.err
}

// sum returns the size and SHA-256 of what was written; after Close.
func (w *spoolWriter) sum() (int64, string) { return w.n, hex.EncodeToString(w.h.Sum(nil)) }
