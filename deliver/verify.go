package deliver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// VerifyingReader reads an artifact for upload and checks, at its end,
// that it held exactly its size in bytes with its SHA-256. Instead of a
// plain io.EOF it then returns an error, which makes the upload that reads
// it fail: a destination never receives other bytes than the artifact's.
type VerifyingReader struct {
	r      io.Reader
	size   int64
	sha256 string
	h      hash.Hash
	n      int64
	err    error // the mismatch, once found
}

// NewVerifyingReader returns a reader of r that checks it holds size bytes
// with the hex SHA-256 sum.
func NewVerifyingReader(r io.Reader, size int64, sum string) *VerifyingReader {
	return &VerifyingReader{r: r, size: size, sha256: sum, h: sha256.New()}
}

// Mismatch returns the error of a file that did not match, nil while none
// was found.
func (v *VerifyingReader) Mismatch() error { return v.err }

// Read reads from the artifact, hashing as it goes.
func (v *VerifyingReader) Read(b []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(b)
	v.n += int64(n)
	v.h.Write(b[:n])
	switch {
	case v.n > v.size:
		v.err = fmt.Errorf("spooled file is longer than its %d bytes", v.size)
		return 0, v.err
	case errors.Is(err, io.EOF) && v.n != v.size:
		v.err = fmt.Errorf("spooled file holds %d bytes, not %d", v.n, v.size)
		return n, v.err
	case errors.Is(err, io.EOF) && hex.EncodeToString(v.h.Sum(nil)) != v.sha256:
		v.err = fmt.Errorf("spooled file does not match its SHA-256 %s", v.sha256)
		return n, v.err
	}
	return n, err
}
