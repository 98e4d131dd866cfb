package pack

import (
	"fmt"
	"io"
	"time"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/facteur/facteur"
)

// Encrypt returns a writer that encrypts what is written to it to e's
// recipients and writes the result to w, as it comes: age's binary format
// or a binary OpenPGP message (SEIPD with MDC, uncompressed, as every
// OpenPGP implementation reads). Close finishes the encrypted file and does
// not close w. The recipients are checked as by Check, as of now: a key
// that expired since the destination was saved fails with EINVALID saying
// what to ask the partner for.
func Encrypt(w io.Writer, e *facteur.Encryption, now time.Time) (io.WriteCloser, error) {
	if _, err := Check(e, now); err != nil {
		return nil, err
	}
	switch e.Method {
	case facteur.EncryptAge:
		to := make([]age.Recipient, len(e.Recipients))
		for i, r := range e.Recipients {
			rec, err := parseAge(r)
			if err != nil {
				return nil, err // Check parsed it
			}
			to[i] = rec
		}
		ew, err := age.Encrypt(w, to...)
		if err != nil {
			return nil, fmt.Errorf("age: %w", err)
		}
		return ew, nil
	default:
		to := make([]*openpgp.Entity, len(e.Recipients))
		for i, r := range e.Recipients {
			ent, err := readOpenPGP("", r)
			if err != nil {
				return nil, err
			}
			to[i] = ent
		}
		cfg := &packet.Config{Time: func() time.Time { return now }}
		ew, err := openpgp.Encrypt(w, to, nil, &openpgp.FileHints{IsBinary: true}, cfg)
		if err != nil {
			return nil, fmt.Errorf("openpgp: %w", err)
		}
		return ew, nil
	}
}
