// Package secret keeps credentials encrypted at rest. Each value is sealed
// with its own random data key (AES-256-GCM), and the data key is wrapped
// by the master key (AES-256-GCM too): envelope encryption, so that a
// master key can be replaced by re-wrapping, and a value sealed under an
// unknown key is recognised as such instead of decrypting to garbage.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/facteur/facteur"
)

// Prefix starts every sealed value.
const Prefix = "fct1:"

// KeySize is the size of a master key in bytes.
const KeySize = 32

// Errors of Open.
var (
	// ErrWrongKey: the value was sealed under a master key this keyring does not hold.
	ErrWrongKey = errors.New("sealed under another key")
	// ErrDamaged: the value does not decrypt (altered or truncated).
	ErrDamaged = errors.New("damaged sealed value")
)

// Keyring seals with its primary key and opens with any of its keys.
type Keyring struct {
	keys []masterKey // keys[0] is the primary
}

type masterKey struct {
	id   [8]byte
	aead cipher.AEAD
}

// New returns a keyring sealing under primary and opening values sealed
// under primary or any of previous (keys being rotated out).
func New(primary []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{}
	for i, raw := range append([][]byte{primary}, previous...) {
		if len(raw) != KeySize {
			return nil, facteur.Errorf(facteur.EINVALID, "secret key %d: it must be %d bytes, not %d", i, KeySize, len(raw))
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		mk := masterKey{aead: aead}
		sum := sha256.Sum256(append([]byte("facteur key id:"), raw...))
		copy(mk.id[:], sum[:8])
		k.keys = append(k.keys, mk)
	}
	return k, nil
}

// Seal encrypts plain under a fresh data key wrapped by the primary key.
// The result is printable: Prefix and base64url.
func (k *Keyring) Seal(plain []byte) (string, error) {
	dek := make([]byte, KeySize)
	if _, err := rand.Read(dek); err != nil {
		return "", err
	}
	block, err := aes.NewCipher(dek)
	if err != nil {
		return "", err
	}
	data, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	mk := k.keys[0]
	out := append([]byte(nil), mk.id[:]...)
	wrapNonce := make([]byte, mk.aead.NonceSize())
	rand.Read(wrapNonce)
	out = append(out, wrapNonce...)
	out = mk.aead.Seal(out, wrapNonce, dek, mk.id[:])
	nonce := make([]byte, data.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	out = data.Seal(out, nonce, plain, mk.id[:])
	return Prefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value. A value that is not sealed (written before
// encryption was on) is returned as it is. It fails with ErrWrongKey when
// no key of the ring sealed it, ErrDamaged when it does not decrypt.
func (k *Keyring) Open(s string) ([]byte, error) {
	if !IsSealed(s) {
		return []byte(s), nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, Prefix))
	if err != nil || len(raw) < 8 {
		return nil, ErrDamaged
	}
	var id [8]byte
	copy(id[:], raw[:8])
	for _, mk := range k.keys {
		if mk.id != id {
			continue
		}
		ns := mk.aead.NonceSize()
		wrappedLen := KeySize + mk.aead.Overhead()
		if len(raw) < 8+ns+wrappedLen+12 {
			return nil, ErrDamaged
		}
		rest := raw[8:]
		dek, err := mk.aead.Open(nil, rest[:ns], rest[ns:ns+wrappedLen], id[:])
		if err != nil {
			return nil, ErrDamaged
		}
		rest = rest[ns+wrappedLen:]
		block, _ := aes.NewCipher(dek)
		data, _ := cipher.NewGCM(block)
		plain, err := data.Open(nil, rest[:data.NonceSize()], rest[data.NonceSize():], id[:])
		if err != nil {
			return nil, ErrDamaged
		}
		return plain, nil
	}
	return nil, ErrWrongKey
}

// IsSealed reports whether s is a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, Prefix) }

// SealedWithPrimary reports whether s is sealed under the primary key, so
// that a rotation can skip it.
func (k *Keyring) SealedWithPrimary(s string) bool {
	if !IsSealed(s) {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, Prefix))
	return err == nil && len(raw) >= 8 && [8]byte(raw[:8]) == k.keys[0].id
}

// ID returns the short identifier of the primary key, for messages.
func (k *Keyring) ID() string { return fmt.Sprintf("%x", k.keys[0].id[:4]) }
