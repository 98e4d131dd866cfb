// Package filewrite writes large files fast: hashed as they are written,
// handed to the kernel's writeback as they go, and on a goroutine of their
// own, so that the database, the encoder, a compressor and the file work
// at the same time instead of taking turns.
package filewrite

import (
	"io"
	"sync/atomic"
)

// Async hands what it is given to a goroutine of its own, which writes it
// to dst: the caller fills the next buffer while dst works on the
// previous one.
type Async struct {
	dst   io.Writer
	cur   []byte // the buffer being filled
	full  chan []byte
	free  chan []byte
	done  chan struct{}
	err   error       // the first error of dst
	fail  atomic.Bool // err is set
	ended bool        // Close was called
}

// asyncBuffers is how many buffers are in flight: one being filled, one
// being written, one spare.
const asyncBuffers = 3

// NewAsync starts the goroutine that writes to dst, in pieces of size
// bytes. Close must be called to end it.
func NewAsync(dst io.Writer, size int) *Async {
	w := &Async{
		dst:  dst,
		full: make(chan []byte, asyncBuffers),
		free: make(chan []byte, asyncBuffers),
		done: make(chan struct{}),
	}
	for range asyncBuffers - 1 {
		w.free <- make([]byte, 0, size)
	}
	w.cur = make([]byte, 0, size)
	go w.loop()
	return w
}

// loop writes the buffers in the order they came; after an error it only
// gives them back.
func (w *Async) loop() {
	defer close(w.done)
	for b := range w.full {
		if w.err == nil {
			if _, w.err = w.dst.Write(b); w.err != nil {
				w.fail.Store(true)
			}
		}
		w.free <- b[:0]
	}
}

// Write copies p into the buffers. It returns the error of an earlier
// write to dst, if any, so that a full disk stops an export at once.
func (w *Async) Write(p []byte) (int, error) {
	if w.fail.Load() {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(w.cur[len(w.cur):cap(w.cur)], p)
		w.cur = w.cur[:len(w.cur)+k]
		p = p[k:]
		if len(w.cur) == cap(w.cur) {
			w.full <- w.cur
			w.cur = <-w.free
		}
	}
	return n, nil
}

// Close hands on what is left, waits for every buffer to be written and
// returns the first error of dst; a second call returns it again. It does
// not close dst.
func (w *Async) Close() error {
	if !w.ended {
		w.ended = true
		if len(w.cur) > 0 {
			w.full <- w.cur
		}
		close(w.full)
		<-w.done
	}
	return w.err
}
