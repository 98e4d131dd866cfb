package pack

import (
	"errors"
	"fmt"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// minRSABits is the smallest RSA key encrypted to.
const minRSABits = 2048

// checkStrength refuses the OpenPGP algorithms no longer safe to encrypt
// to: RSA under minRSABits, DSA and ElGamal (1990s keys, refused by
// current OpenPGP implementations). Elliptic-curve and post-quantum
// algorithms pass.
func checkStrength(algo packet.PublicKeyAlgorithm, bits func() (uint16, error)) error {
	switch algo {
	case packet.PubKeyAlgoRSA, packet.PubKeyAlgoRSAEncryptOnly, packet.PubKeyAlgoRSASignOnly:
		n, err := bits()
		if err != nil {
			return err
		}
		if n < minRSABits {
			return fmt.Errorf("RSA of %d bits, under %d", n, minRSABits)
		}
	case packet.PubKeyAlgoDSA:
		return errors.New("DSA")
	case packet.PubKeyAlgoElGamal:
		return errors.New("ElGamal")
	}
	return nil
}
