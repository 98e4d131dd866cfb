package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
)

// Credentials are encrypted at rest when the store has a keyring: source
// DSNs, destination configs and setting values are sealed when written and
// opened when read. A JSON column holds the sealed value as a JSON string.

// seal encrypts v for storage; without a keyring it is stored as it is.
func (s *store) seal(v string) (string, error) {
	if s.ring == nil {
		return v, nil
	}
	return s.ring.Seal([]byte(v))
}

// open decrypts a stored value.
func (s *store) open(v string) (string, error) {
	if !secret.IsSealed(v) {
		return v, nil
	}
	if s.ring == nil {
		return "", facteur.Errorf(facteur.EINVALID, "the database holds encrypted secrets but no secret key was given")
	}
	b, err := s.ring.Open(v)
	if errors.Is(err, secret.ErrWrongKey) {
		return "", errWrongKey
	} else if err != nil {
		return "", fmt.Errorf("open a stored secret: %w", err)
	}
	return string(b), nil
}

// errWrongKey is what every read says when the key is not the database's.
var errWrongKey = facteur.Errorf(facteur.EINVALID, "The secret key (FACTEUR_SECRET_KEY, or secret.key in the data directory) is not the one this database's secrets were encrypted with. Restore that key: Facteur cannot read its credentials without it.")

// sealJSON seals a JSON document, stored as a JSON string.
func (s *store) sealJSON(doc []byte) (string, error) {
	if s.ring == nil {
		return string(doc), nil
	}
	sealed, err := s.ring.Seal(doc)
	if err != nil {
		return "", err
	}
	b, _ := json.Marshal(sealed)
	return string(b), nil
}

// openJSON reads a JSON column that may hold a sealed document.
func (s *store) openJSON(stored []byte) ([]byte, error) {
	str := strings.TrimSpace(string(stored))
	if !strings.HasPrefix(str, `"`+secret.Prefix) {
		return stored, nil
	}
	var sealed string
	if err := json.Unmarshal([]byte(str), &sealed); err != nil {
		return nil, fmt.Errorf("read a sealed document: %w", err)
	}
	plain, err := s.open(sealed)
	return []byte(plain), err
}

// secretCheckKey is the setting that tells, at start, whether the key is
// the one the database's secrets were sealed with.
const secretCheckKey = "secret_check"

// checkKey verifies the keyring against the database, and marks a database
// that has none yet as sealed under it.
func (s *store) checkKey(ctx context.Context) error {
	if s.ring == nil {
		return nil
	}
	_, err := s.Setting(ctx, secretCheckKey)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return s.PutSetting(ctx, secretCheckKey, json.RawMessage(`{"facteur":"secrets sealed under this database's key"}`))
	}
	return err
}
