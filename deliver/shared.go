package deliver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/internal/strictjson"
)

// What every kind of destination shares, for the kinds that live in
// packages of their own.

// CheckArtifact checks an artifact's name, size and SHA-256 before it is
// delivered; it fails with EINVALID for a name no destination takes and
// EINTERNAL for a file without a valid size or SHA-256.
func CheckArtifact(a *facteur.Artifact) error {
	_, err := ArtifactPayload(a)
	return err
}

// DecodeConfig decodes a destination's config strictly (see strictjson),
// naming the field at fault; fields follows the message about an unknown
// field ("a folder destination has …"), and hints replace the expected
// type's name for some fields.
func DecodeConfig(raw json.RawMessage, v any, fields string, hints map[string]string) error {
	return strictjson.Decode(raw, v, strictjson.Options{Where: "config", Fields: fields, Hints: hints})
}

// CheckSpooled fails with EINTERNAL when the spooled file of a does not
// match its size and SHA-256, so that a damaged file is never
// sent by a destination that cannot check it as it goes (a mail's
// attachment).
func CheckSpooled(ctx context.Context, a *facteur.Artifact) error {
	fi, err := os.Stat(a.Path)
	if err != nil {
		return facteur.WrapError(facteur.EINTERNAL, SpoolError{Err: err}, "The exported file %s is missing from the spool; export it again.", a.Name)
	}
	sum, err := HashFile(ctx, a.Path)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return facteur.WrapError(facteur.EINTERNAL, SpoolError{Err: err}, "The exported file %s cannot be read from the spool; export it again.", a.Name)
	}
	if fi.Size() != a.Size || sum != a.SHA256 {
		return facteur.Errorf(facteur.EINTERNAL, "The exported file %s does not match its size or SHA-256 in the spool; export it again.", a.Name)
	}
	return nil
}

type requesterKey struct{}

// WithRequester returns ctx carrying the address of the account that asked
// for a Send test, for the test mail to name.
func WithRequester(ctx context.Context, email string) context.Context {
	return context.WithValue(ctx, requesterKey{}, email)
}

// Requester is the account WithRequester put in ctx, or "".
func Requester(ctx context.Context) string {
	s, _ := ctx.Value(requesterKey{}).(string)
	return s
}

// CopyBufferSize is the size of the reads and writes of a copy: large
// enough that a big export is not thousands of small writes.
const CopyBufferSize = 1 << 20

// HashFile returns the SHA-256 of a file in hex.
func HashFile(ctx context.Context, path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ContextReader(ctx, fh), make([]byte, CopyBufferSize)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ContextReader returns a reader of r that stops a copy when ctx is done.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read reads from the underlying reader unless the context is done.
func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// SpoolReader returns a reader of the spooled artifact r whose errors are
// SpoolError, so that they are not taken for errors of the destination.
func SpoolReader(r io.Reader) io.Reader { return spoolReader{r} }

// spoolReader marks the errors of reading the artifact.
type spoolReader struct{ r io.Reader }

// Read reads from the spooled artifact.
func (s spoolReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = SpoolError{Err: err}
	}
	return n, err
}

// SpoolError is an error reading the spooled artifact.
type SpoolError struct{ Err error }

// Error says that the spool could not be read, and why.
func (e SpoolError) Error() string { return "read spool: " + e.Err.Error() }

// Unwrap returns the error of the read.
func (e SpoolError) Unwrap() error { return e.Err }
