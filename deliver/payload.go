package deliver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/facteur/facteur"
)

// Payload is a file to deliver: its name, what it must contain and how to
// read it.
type Payload struct {
	Name   string
	Size   int64
	SHA256 string // hex
	Open   func() (io.ReadCloser, error)
	Test   bool // the file of Send test (see facteur.Artifact.Test)
	// ContentType is the file's media type, for the destinations that send one.
	ContentType string
}

// ArtifactPayload checks an artifact's name, size and SHA-256 and returns
// it as a payload to deliver.
func ArtifactPayload(a *facteur.Artifact) (Payload, error) {
	if err := ValidateFileName(a.Name); err != nil {
		return Payload{}, err
	}
	if a.Size < 0 || !ValidSHA256(a.SHA256) {
		return Payload{}, facteur.Errorf(facteur.EINTERNAL, "The exported file %s has no valid size or SHA-256; export it again.", a.Name)
	}
	return Payload{Name: a.Name, Size: a.Size, SHA256: a.SHA256, Open: a.Open, Test: a.Test, ContentType: ContentType(a)}, nil
}

// TestPayload is the small text file Send test delivers to where,
// named "facteur-test-<UTC time>.txt".
func TestPayload(now time.Time, where string) Payload {
	now = now.UTC()
	body := fmt.Appendf(nil, "This is a test file written by Facteur on %s UTC to check that it can deliver files to %s. You may delete it.\n",
		now.Format("2006-01-02 15:04:05"), where)
	sum := sha256.Sum256(body)
	return Payload{
		Name:   "facteur-test-" + now.Format("20060102T150405Z") + ".txt",
		Size:   int64(len(body)),
		SHA256: hex.EncodeToString(sum[:]),
		Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },

		ContentType: "text/plain; charset=utf-8",
	}
}

// ContentType returns the media type to send a's bytes with: the one the
// export gave it, from the registry of formats, or
// application/octet-stream.
func ContentType(a *facteur.Artifact) string {
	if a.ContentType == "" {
		return "application/octet-stream"
	}
	return a.ContentType
}

// ValidSHA256 reports whether s is a SHA-256 sum in hex.
func ValidSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}
