package filewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"os"
)

// Hashed writes a file and hashes (SHA-256) and counts what it writes. It
// asks the kernel to start writing each few megabytes to disk as it goes
// (see startWriteback), so that the fsync at the end has little left to
// wait for. Put it behind an Async: hashing and writing are a large share
// of an export's CPU.
type Hashed struct {
	f     *os.File
	h     hash.Hash
	n     int64 // bytes written to f
	flush int64 // offset up to which writeback was started
}

// writebackEvery is how many bytes may wait before writeback is started.
const writebackEvery = 8 << 20

// NewHashed returns a Hashed writing to f.
func NewHashed(f *os.File) *Hashed { return &Hashed{f: f, h: sha256.New()} }

// Write writes b to the file and hashes it.
func (s *Hashed) Write(b []byte) (int, error) {
	s.h.Write(b)
	k, err := s.f.Write(b)
	s.n += int64(k)
	if err != nil {
		return k, err
	}
	if s.n-s.flush >= writebackEvery {
		startWriteback(s.f, s.flush, s.n-s.flush)
		s.flush = s.n
	}
	return k, nil
}

// Sum returns the size and hex SHA-256 of what was written.
func (s *Hashed) Sum() (int64, string) { return s.n, hex.EncodeToString(s.h.Sum(nil)) }
