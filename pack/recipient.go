package pack

import (
	"fmt"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/facteur/facteur"
)

// Recipient is what the API and the web UI show of one recipient: public
// keys are not secrets, but a fingerprint is what a person compares.
type Recipient struct {
	// Fingerprint is the OpenPGP key's fingerprint (upper-case hex), or
	// the age recipient itself.
	Fingerprint string `json:"fingerprint"`
	// UserID is the OpenPGP key's primary user id ("Name <address>"), ""
	// for age.
	UserID string `json:"user_id,omitempty"`
	// Expires is when the OpenPGP key expires, nil when it does not.
	Expires *time.Time `json:"expires,omitempty"`
	// Problem, from Describe, says why the recipient can no longer be
	// encrypted to (a key that expired or was revoked since it was
	// saved); "" when it can.
	Problem string `json:"problem,omitempty"`
}

// Describe returns e's recipients as shown to a person, in order, without
// failing: a recipient that can no longer be encrypted to as of now is
// shown with its Problem.
func Describe(e *facteur.Encryption, now time.Time) []Recipient {
	if e == nil {
		return nil
	}
	out := make([]Recipient, len(e.Recipients))
	for i, r := range e.Recipients {
		field := fmt.Sprintf("encryption.recipients[%d]", i)
		var err error
		if e.Method == facteur.EncryptAge {
			out[i], err = checkAge(field, r)
		} else {
			out[i], err = checkOpenPGP(field, r, now)
		}
		if err == nil {
			continue
		}
		out[i] = Recipient{Fingerprint: "?", Problem: facteur.ErrorMessage(err)}
		if e.Method != facteur.EncryptAge {
			if ent, err := readOpenPGP(field, r); err == nil {
				out[i].Fingerprint = fmt.Sprintf("%X", ent.PrimaryKey.Fingerprint)
			}
		}
	}
	return out
}

// Check validates e as of now and returns its recipients as shown to a
// person, in order. It trims each recipient in place. It fails with
// EINVALID naming the field (encryption.method, encryption.recipients[i])
// and saying what to ask the partner for: an age recipient that does not
// parse or is a private key, an OpenPGP key that is not armoured, is a
// private key, has expired, is revoked, has no key fit to encrypt, or is
// too weak (RSA under 2048 bits, DSA, ElGamal).
func Check(e *facteur.Encryption, now time.Time) ([]Recipient, error) {
	if e == nil {
		return nil, nil
	}
	switch e.Method {
	case facteur.EncryptAge, facteur.EncryptOpenPGP:
	default:
		return nil, facteur.Errorf(facteur.EINVALID, "encryption.method: use %q or %q, or leave encryption out to deliver in clear", facteur.EncryptAge, facteur.EncryptOpenPGP)
	}
	switch n := len(e.Recipients); {
	case n == 0:
		return nil, facteur.Errorf(facteur.EINVALID, "encryption.recipients: give at least one recipient: %s", askFor(e.Method))
	case n > facteur.MaxEncryptionRecipients:
		return nil, facteur.Errorf(facteur.EINVALID, "encryption.recipients: at most %d recipients; give %d or fewer", facteur.MaxEncryptionRecipients, facteur.MaxEncryptionRecipients)
	}
	out := make([]Recipient, len(e.Recipients))
	seen := make(map[string]int, len(e.Recipients))
	for i, r := range e.Recipients {
		field := fmt.Sprintf("encryption.recipients[%d]", i)
		r = strings.TrimSpace(r)
		e.Recipients[i] = r
		if len(r) > facteur.MaxRecipientKey {
			return nil, facteur.Errorf(facteur.EINVALID, "%s: longer than %d KiB; %s", field, facteur.MaxRecipientKey>>10, askFor(e.Method))
		}
		var err error
		if e.Method == facteur.EncryptAge {
			out[i], err = checkAge(field, r)
		} else {
			out[i], err = checkOpenPGP(field, r, now)
		}
		if err != nil {
			return nil, err
		}
		if j, ok := seen[out[i].Fingerprint]; ok {
			return nil, facteur.Errorf(facteur.EINVALID, "%s: the same key as encryption.recipients[%d]; give each recipient once", field, j)
		}
		seen[out[i].Fingerprint] = i
	}
	return out, nil
}

// askFor says what to ask a partner for, for method.
func askFor(method string) string {
	if method == facteur.EncryptAge {
		return "ask the partner for their age recipient, the public key starting with age1 that age-keygen prints"
	}
	return "ask the partner for their OpenPGP public key, armoured (gpg --armor --export their-address)"
}

// checkAge parses an age X25519 recipient.
func checkAge(field, r string) (Recipient, error) {
	if strings.HasPrefix(strings.ToUpper(r), "AGE-SECRET-KEY-") {
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: this is an age identity, a PRIVATE key, which must never be shared: remove it, tell the partner to make a new key since this one was disclosed, and %s", field, askFor(facteur.EncryptAge))
	}
	rec, err := parseAge(r)
	if err != nil {
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: not an age X25519 recipient (%s); %s", field, ageReason(r), askFor(facteur.EncryptAge))
	}
	return Recipient{Fingerprint: rec.String()}, nil
}

// parseAge parses an age X25519 recipient, the one kind Facteur encrypts to.
func parseAge(r string) (*age.X25519Recipient, error) { return age.ParseX25519Recipient(r) }

// ageReason says briefly why r is not an age recipient.
func ageReason(r string) string {
	switch {
	case r == "":
		return "it is empty"
	case strings.HasPrefix(r, "ssh-"):
		return "an SSH key; Facteur encrypts to age X25519 recipients only"
	case strings.Contains(r, "-----BEGIN PGP"):
		return "an OpenPGP key; choose the openpgp method for it"
	case !strings.HasPrefix(strings.ToLower(r), "age1"):
		return "it does not start with age1"
	}
	return "it does not decode"
}

// checkOpenPGP parses one armoured OpenPGP public key and checks it can
// be encrypted to now.
func checkOpenPGP(field, r string, now time.Time) (Recipient, error) {
	e, err := readOpenPGP(field, r)
	if err != nil {
		return Recipient{}, err
	}
	ask := askFor(facteur.EncryptOpenPGP)
	fp := fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)
	sig, id := e.PrimarySelfSignature()
	user := ""
	if id != nil {
		user = id.Name
	}
	what := "key " + fp
	if user != "" {
		what += " (" + user + ")"
	}
	switch {
	case sig == nil:
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: %s has no valid self-signature; %s", field, what, ask)
	case e.Revoked(now) || (id != nil && id.Revoked(now)):
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: %s is revoked; ask the partner for their current public key, armoured (gpg --armor --export their-address)", field, what)
	case e.PrimaryKey.KeyExpired(sig, now) || sig.SigExpired(now):
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: %s has expired; ask the partner to extend it (gpg --quick-set-expire) and send the public key again, armoured, or for a new one", field, what)
	}
	if err := checkStrength(e.PrimaryKey.PubKeyAlgo, e.PrimaryKey.BitLength); err != nil {
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: %s is too weak (%s); ask the partner for a key of RSA 3072 bits or more, or Curve25519 (gpg --quick-gen-key their-address future-default)", field, what, err)
	}
	k, ok := e.EncryptionKey(now)
	if !ok {
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: %s has no key fit to encrypt with now (no encryption subkey, or it expired or was revoked); ask the partner for a public key with a valid encryption subkey, armoured", field, what)
	}
	if err := checkStrength(k.PublicKey.PubKeyAlgo, k.PublicKey.BitLength); err != nil {
		return Recipient{}, facteur.Errorf(facteur.EINVALID, "%s: the encryption subkey of %s is too weak (%s); ask the partner for a key of RSA 3072 bits or more, or Curve25519", field, what, err)
	}
	out := Recipient{Fingerprint: fp, UserID: user}
	if sig.KeyLifetimeSecs != nil && *sig.KeyLifetimeSecs != 0 {
		t := e.PrimaryKey.CreationTime.Add(time.Duration(*sig.KeyLifetimeSecs) * time.Second).UTC()
		out.Expires = &t
	}
	return out, nil
}

// readOpenPGP reads exactly one armoured public key from r.
func readOpenPGP(field, r string) (*openpgp.Entity, error) {
	ask := askFor(facteur.EncryptOpenPGP)
	switch {
	case strings.Contains(r, "-----BEGIN PGP PRIVATE KEY BLOCK-----"):
		return nil, facteur.Errorf(facteur.EINVALID, "%s: this is an OpenPGP PRIVATE key, which must never be shared: remove it, tell the partner to make a new key since this one was disclosed, and %s", field, ask)
	case !strings.HasPrefix(r, "-----BEGIN PGP PUBLIC KEY BLOCK-----"):
		return nil, facteur.Errorf(facteur.EINVALID, "%s: not an armoured OpenPGP public key (it must start with -----BEGIN PGP PUBLIC KEY BLOCK-----); %s", field, ask)
	}
	if n := strings.Count(r, "-----BEGIN PGP"); n > 1 {
		return nil, facteur.Errorf(facteur.EINVALID, "%s: holds %d armoured blocks; give each key as a recipient of its own", field, n)
	}
	list, err := openpgp.ReadArmoredKeyRing(strings.NewReader(r))
	if err != nil {
		return nil, facteur.Errorf(facteur.EINVALID, "%s: the OpenPGP public key does not read (%s); %s", field, clip(err.Error()), ask)
	}
	switch {
	case len(list) != 1:
		return nil, facteur.Errorf(facteur.EINVALID, "%s: holds %d keys; give each key as a recipient of its own", field, len(list))
	case list[0].PrivateKey != nil:
		return nil, facteur.Errorf(facteur.EINVALID, "%s: this is an OpenPGP PRIVATE key, which must never be shared: remove it, tell the partner to make a new key, and %s", field, ask)
	}
	return list[0], nil
}

// clip shortens a library's message for an error shown to a person.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
