package format

import (
	"errors"
	"io"
	"os"
	"sync"
)

// parquetSpill keeps the compressed pages of the row group being written
// in one temporary file, rather than in memory, until the row group is
// written out: memory then holds only the pages being filled, whatever
// the size of a row group. It is the parquet.BufferPool of one encoder;
// each column's pages are a parquetSpillBuffer, a list of extents of the
// file. When every buffer is given back (a row group was written) the
// file starts again from its beginning.
//
// The file is created in the system's temporary folder (TMPDIR) at the
// first page and removed from the folder at once: it vanishes when it is
// closed, or when the process ends.
type parquetSpill struct {
	mu   sync.Mutex
	f    *os.File
	end  int64 // bytes of the file in use
	live int   // buffers not given back
	err  error
}

// extent is a run of bytes of a buffer in the spill file.
type extent struct{ off, n int64 }

// parquetSpillBuffer is one column's pages in the spill file.
type parquetSpillBuffer struct {
	s       *parquetSpill
	extents []extent
	size    int64
	pos     int64
}

// GetBuffer returns an empty buffer.
func (s *parquetSpill) GetBuffer() io.ReadWriteSeeker {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live++
	return &parquetSpillBuffer{s: s}
}

// PutBuffer gives b back; the file is reused once every buffer is back.
func (s *parquetSpill) PutBuffer(b io.ReadWriteSeeker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sb, ok := b.(*parquetSpillBuffer); ok {
		sb.extents, sb.size, sb.pos = nil, 0, 0
	}
	if s.live--; s.live == 0 {
		s.end = 0
	}
}

// close removes the file.
func (s *parquetSpill) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Write appends p at the end of the buffer, which is the end of the file.
func (b *parquetSpillBuffer) Write(p []byte) (int, error) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.pos != b.size {
		return 0, errors.New("parquet spill: a buffer is written at its end only")
	}
	if s.err == nil && s.f == nil {
		if s.f, s.err = os.CreateTemp("", "facteur-parquet-*"); s.err == nil {
			s.err = os.Remove(s.f.Name())
		}
	}
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.f.WriteAt(p, s.end)
	if last := len(b.extents) - 1; last >= 0 && b.extents[last].off+b.extents[last].n == s.end {
		b.extents[last].n += int64(n)
	} else {
		b.extents = append(b.extents, extent{s.end, int64(n)})
	}
	s.end += int64(n)
	b.size += int64(n)
	b.pos = b.size
	return n, err
}

// Read reads from the buffer's position.
func (b *parquetSpillBuffer) Read(p []byte) (int, error) {
	if b.pos >= b.size {
		return 0, io.EOF
	}
	at := b.pos
	for _, e := range b.extents {
		if at >= e.n {
			at -= e.n
			continue
		}
		if int64(len(p)) > e.n-at {
			p = p[:e.n-at]
		}
		b.s.mu.Lock()
		n, err := b.s.f.ReadAt(p, e.off+at)
		b.s.mu.Unlock()
		b.pos += int64(n)
		if err == io.EOF && n == len(p) {
			err = nil
		}
		return n, err
	}
	return 0, io.EOF
}

// Seek moves the buffer's position.
func (b *parquetSpillBuffer) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += b.pos
	case io.SeekEnd:
		offset += b.size
	}
	if offset < 0 || offset > b.size {
		return b.pos, errors.New("parquet spill: seek out of the buffer")
	}
	b.pos = offset
	return offset, nil
}
