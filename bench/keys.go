package main

import (
	"fmt"
	"os"
	"path/filepath"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// benchKeys makes a partner's keys for the encrypted contenders: an age
// X25519 recipient, and an OpenPGP Curve25519 public key written armoured
// in dir. Their private halves are thrown away: the bench only encrypts.
func benchKeys(dir string) (ageRecipient, pgpFile string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	e, err := openpgp.NewEntity("Bench partner", "", "bench@partner.example", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		return "", "", fmt.Errorf("openpgp key: %w", err)
	}
	pgpFile = filepath.Join(dir, "partner.asc")
	f, err := os.Create(pgpFile)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	w, err := armor.Encode(f, openpgp.PublicKeyType, nil)
	if err != nil {
		return "", "", err
	}
	if err := e.Serialize(w); err != nil {
		return "", "", err
	}
	if err := w.Close(); err != nil {
		return "", "", err
	}
	return id.Recipient().String(), pgpFile, f.Close()
}
