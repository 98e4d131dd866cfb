package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/internal/filewrite"
	"github.com/facteur/facteur/pack"
)

// spoolBuffer is the write buffer in front of the spool file: large enough
// that the file system sees few, large writes.
const spoolBuffer = 256 << 10

// spoolFile is an artifact being written into the spool directory, under a
// temporary name until it is whole. The file is hashed and counted as it is
// written, on a goroutine of its own: compressed, when asked (C1), the bytes
// delivered are the compressed ones. Without compression the encoders write
// into bw itself (bufio hands back a large enough *bufio.Writer) rather than
// copy from a buffer of their own; with it, the compressor has a goroutine
// too (gzip alone takes longer than reading the rows). Encrypted, when the
// destination asks (C2), the bytes delivered are the encrypted ones, and
// what they hold (compressed, when it is) is hashed on the way in; the
// encryptor has a goroutine of its own:
//
//	encoder -> [aw -> compressor] -> [ea -> plain hash -> encryptor] -> bw -> sw -> hashed file
type spoolFile struct {
	dir    string
	tmp    *os.File
	hashed *filewrite.Hashed
	sw     *filewrite.Async // in front of the file
	bw     *bufio.Writer
	aw     *filewrite.Async // in front of the compressor, when compressing
	cw     io.WriteCloser   // the compressor, or a no-op
	ea     *filewrite.Async // in front of the encryptor, when encrypting
	plain  *sumWriter       // hashes what the encryptor is given
	ew     io.WriteCloser   // the encryptor, when encrypting
	out    io.Writer        // where the encoder writes
	// content hashes the bytes entering the compressor (the file's
	// content as the encoder wrote it), nil without compression.
	content hash.Hash
	// written counts the bytes that left bw (before the file's own
	// buffers), for the byte limit.
	written atomic.Int64
}

// size returns the bytes of the file written so far (compressed, when it
// is). Only the encoder's goroutine may call it.
func (s *spoolFile) size() int64 {
	if s.aw != nil || s.ea != nil { // bw belongs to another goroutine
		return s.written.Load()
	}
	return s.written.Load() + int64(s.bw.Buffered())
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countWriter) Write(p []byte) (int, error) {
	k, err := c.w.Write(p)
	c.n.Add(int64(k))
	return k, err
}

// sumWriter hashes (SHA-256) and counts what goes through it.
type sumWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (s *sumWriter) Write(p []byte) (int, error) {
	s.h.Write(p)
	s.n += int64(len(p))
	return s.w.Write(p)
}

// createSpool starts a temporary file next to path, compressed with
// compression and encrypted with enc (nil: in clear). Its errors carry
// their stage.
func createSpool(path, compression string, enc *facteur.Encryption) (*spoolFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, spoolError(dir, fmt.Errorf("create spool directory: %w", err))
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return nil, spoolError(dir, fmt.Errorf("create spool file: %w", err))
	}
	s := &spoolFile{dir: dir, tmp: tmp, hashed: filewrite.NewHashed(tmp)}
	s.sw = filewrite.NewAsync(s.hashed, spoolBuffer)
	s.bw = bufio.NewWriterSize(countWriter{s.sw, &s.written}, spoolBuffer)
	sink := io.Writer(s.bw)
	if enc != nil {
		if s.ew, err = pack.Encrypt(s.bw, enc, time.Now()); err != nil {
			s.sw.Close()
			tmp.Close()
			os.Remove(tmp.Name())
			return nil, encodeError(err)
		}
		s.plain = &sumWriter{w: s.ew, h: sha256.New()}
		s.ea = filewrite.NewAsync(s.plain, spoolBuffer)
		sink = s.ea
	}
	if s.cw, err = format.Compress(sink, compression); err != nil {
		if s.ea != nil {
			s.ea.Close()
		}
		s.sw.Close()
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, encodeError(err)
	}
	s.out = sink
	if compression != "" {
		// Hashed on the compressor's goroutine, before it: "send only if
		// the data changed" compares the content, whatever the packaging.
		s.content = sha256.New()
		s.aw = filewrite.NewAsync(io.MultiWriter(s.content, s.cw), spoolBuffer)
		s.out = s.aw
	}
	return s, nil
}

// commit finishes the file (compressor, buffers, fsync) and moves it to
// path. After an error, call abort.
func (s *spoolFile) commit(path string) error {
	if s.aw != nil {
		if err := s.aw.Close(); err != nil {
			return encodeError(fmt.Errorf("compress spool file: %w", err))
		}
	}
	if err := s.cw.Close(); err != nil {
		return encodeError(fmt.Errorf("compress spool file: %w", err))
	}
	if s.ea != nil {
		if err := s.ea.Close(); err != nil {
			return encodeError(fmt.Errorf("encrypt spool file: %w", err))
		}
		if err := s.ew.Close(); err != nil {
			return encodeError(fmt.Errorf("encrypt spool file: %w", err))
		}
	}
	if err := s.bw.Flush(); err != nil {
		return writeError{fmt.Errorf("write spool file: %w", err)}
	}
	if err := s.sw.Close(); err != nil {
		return writeError{fmt.Errorf("write spool file: %w", err)}
	}
	if err := s.tmp.Sync(); err != nil {
		return writeError{fmt.Errorf("sync spool file: %w", err)}
	}
	if err := s.tmp.Close(); err != nil {
		return writeError{fmt.Errorf("close spool file: %w", err)}
	}
	if err := os.Rename(s.tmp.Name(), path); err != nil {
		return writeError{fmt.Errorf("move spool file in place: %w", err)}
	}
	return nil
}

// abort ends the goroutines and removes the temporary file of an export
// that failed with cause. When writing the file failed, that is the cause,
// whatever the stage that met it: an encoder or the database's COPY
// writing into a full disk fails because of the disk. The free space it
// reports is measured once the temporary file is gone.
func (s *spoolFile) abort(cause error) error {
	if s.aw != nil {
		s.aw.Close()
	}
	s.cw.Close()
	if s.ea != nil {
		s.ea.Close()
	}
	werr := s.sw.Close()
	s.tmp.Close()
	os.Remove(s.tmp.Name())
	var w writeError
	switch {
	case errors.As(cause, &w):
		return spoolError(s.dir, w.err)
	case werr != nil:
		return spoolError(s.dir, fmt.Errorf("write spool file: %w", werr))
	}
	return cause
}

// writeError is an error of writing the spool file, for abort to explain.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// sum returns the size and hex SHA-256 of what was written.
func (s *spoolFile) sum() (int64, string) { return s.hashed.Sum() }

// contentSum returns the hex SHA-256 of the content before compression
// and encryption: without compression, what the encryptor was given, or
// the file's own when it is in clear too. Call it after commit.
func (s *spoolFile) contentSum() string {
	switch {
	case s.content != nil:
		return hex.EncodeToString(s.content.Sum(nil))
	case s.plain != nil:
		return hex.EncodeToString(s.plain.h.Sum(nil))
	}
	_, sum := s.hashed.Sum()
	return sum
}

// plainSum returns the size and hex SHA-256 of what the encrypted file
// holds, and false when it is not encrypted.
func (s *spoolFile) plainSum() (int64, string, bool) {
	if s.plain == nil {
		return 0, "", false
	}
	return s.plain.n, hex.EncodeToString(s.plain.h.Sum(nil)), true
}
