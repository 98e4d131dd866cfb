package storetest

import (
	"crypto/rand"
	"testing"

	"github.com/facteur/facteur/secret"
	"github.com/facteur/facteur/store"
)

// Sealed returns newDB with credentials encrypted at rest under a fresh key.
func Sealed(newDB NewDatabase) NewDatabase {
	return func(t *testing.T) store.Config {
		t.Helper()
		key := make([]byte, secret.KeySize)
		rand.Read(key)
		ring, err := secret.New(key)
		if err != nil {
			t.Fatal(err)
		}
		cfg := newDB(t)
		cfg.Keyring = ring
		return cfg
	}
}
