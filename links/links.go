// Package links makes and checks download links that expire: signed URLs
// to the file a run produced, for e-mails whose attachment is too large and
// for webhooks that send a link instead of the file.
package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// Signer signs and verifies download links with an HMAC-SHA-256 key.
type Signer struct {
	// Key is the secret the links are signed with (32 random bytes).
	Key []byte
	// Base is the public URL of Facteur, e.g. "https://facteur.example.org".
	Base string
	// Now returns the current time; tests replace it. Default time.Now.
	Now func() time.Time
}

// Path is the URL path of the download endpoint, before the run id.
const Path = "/download/"

// URL returns a link to the file of run runID that works until ttl from now.
func (s *Signer) URL(runID int64, ttl time.Duration) string {
	exp := s.now().Add(ttl).Unix()
	return fmt.Sprintf("%s%s%d/%d/%s", strings.TrimRight(s.Base, "/"), Path, runID, exp, s.sign(runID, exp))
}

// Verify checks the parts of a link's path after Path: "RUN/EXPIRES/SIG".
// It returns the run id, or ENOTFOUND for a link that is forged, damaged or
// expired (the same answer for all three, so nothing is learnt by guessing).
func (s *Signer) Verify(rest string) (int64, error) {
	notFound := facteur.Errorf(facteur.ENOTFOUND, "This download link is not valid or has expired. Ask for a new one.")
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return 0, notFound
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || !hmac.Equal([]byte(parts[2]), []byte(s.sign(id, exp))) {
		return 0, notFound
	}
	if s.now().Unix() > exp {
		return 0, notFound
	}
	return id, nil
}

func (s *Signer) sign(runID, exp int64) string {
	m := hmac.New(sha256.New, s.Key)
	fmt.Fprintf(m, "download:%d:%d", runID, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
