package facteur

// Encryption methods of a destination's files (C2).
const (
	// EncryptAge encrypts to age X25519 recipients ("age1…"); files gain
	// ".age".
	EncryptAge = "age"
	// EncryptOpenPGP encrypts to OpenPGP public keys (armoured); files
	// gain ".gpg".
	EncryptOpenPGP = "openpgp"
)

// Bounds of an Encryption.
const (
	// MaxEncryptionRecipients is how many recipients a destination encrypts to at
	// most.
	MaxEncryptionRecipients = 10
	// MaxRecipientKey is the longest recipient accepted, in bytes: an
	// armoured OpenPGP public key with its signatures fits well within.
	MaxRecipientKey = 64 << 10
)

// Encryption says to whom a destination's files are encrypted (C2): after
// compression, before their size and SHA-256 are taken, so that what is
// delivered, recorded and re-delivered is the encrypted file. Recipients
// are public keys, not secrets: age recipients ("age1…") for EncryptAge,
// armoured OpenPGP public keys for EncryptOpenPGP. The package pack
// checks and uses them.
type Encryption struct {
	Method     string   `json:"method"`
	Recipients []string `json:"recipients"`
}

// Ext returns the extension an encrypted file gains, without the dot:
// "age" or "gpg"; "" for no encryption.
func (e *Encryption) Ext() string {
	if e == nil {
		return ""
	}
	switch e.Method {
	case EncryptAge:
		return "age"
	case EncryptOpenPGP:
		return "gpg"
	}
	return ""
}
