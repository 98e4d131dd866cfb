// Package auth holds what accounts are made of and what they may do:
// password hashes (bcrypt), API tokens and session secrets (random, kept as
// SHA-256), the login rate limit, and the rules that decide whether an
// account may see an object or export to a destination (G1–G4).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/facteur/facteur"
)

// Cost is bcrypt's work factor. Tests lower it.
var Cost = 12

// Password lengths.
const (
	MinPassword = 12
	// MaxPassword is bcrypt's limit: it reads no more than 72 bytes.
	MaxPassword = 72
)

// CheckPasswordRules refuses a password too short or too long to hash.
func CheckPasswordRules(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPassword:
		return facteur.Errorf(facteur.EINVALID, "password: use at least %d characters", MinPassword)
	case len(pw) > MaxPassword:
		return facteur.Errorf(facteur.EINVALID, "password: use at most %d bytes", MaxPassword)
	}
	return nil
}

// HashPassword checks pw against the rules and returns its bcrypt hash.
func HashPassword(pw string) (string, error) {
	if err := CheckPasswordRules(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), Cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// dummyHash is compared against when an account does not exist, so that a
// login takes as long for an unknown address as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("facteur-no-such-account"), bcrypt.MinCost)

// CheckPassword reports whether pw matches hash. An empty hash (an account
// without a password) never matches.
func CheckPassword(hash, pw string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// TokenPrefix starts every API token, so that secret scanners recognise it.
const TokenPrefix = "fct_"

// NewToken returns a new API token and the SHA-256 that is stored.
func NewToken() (token string, hash []byte) {
	token = TokenPrefix + random(32)
	return token, Hash(token)
}

// IssueToken returns a new API token of an account, ready to be stored,
// and its secret, to be shown once. Its Prefix is the secret's first
// characters, to recognise it in a list.
func IssueToken(userID int64, name string, expires *time.Time) (*facteur.Token, string) {
	secret, hash := NewToken()
	return &facteur.Token{UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6], Hash: hash, ExpiresAt: expires}, secret
}

// IsToken reports whether s looks like an API token.
func IsToken(s string) bool { return strings.HasPrefix(s, TokenPrefix) }

// NewSecret returns a random URL-safe secret of n bytes (session cookies,
// CSRF tokens, generated passwords).
func NewSecret(n int) string { return random(n) }

// Hash returns the SHA-256 of a token or session secret.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
