package export

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/facteur/facteur"
)

// HMACKeySetting is the server setting that holds the installation's key
// of the "hmac" obfuscation rules: made at first need (32 random bytes,
// written as 64 hex digits, the key being that text), then the same for
// every run on every node, encrypted at rest like every setting.
const HMACKeySetting = "obfuscation_hmac_key"

// InstallationHMACKey returns the installation's HMAC key, making it when
// there is none yet.
func InstallationHMACKey(ctx context.Context, st facteur.Store) ([]byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	fresh, _ := json.Marshal(hex.EncodeToString(raw))
	stored, err := st.InitSetting(ctx, HMACKeySetting, fresh)
	if err != nil {
		return nil, fmt.Errorf("installation hmac key: %w", err)
	}
	var key string
	if err := json.Unmarshal(stored, &key); err != nil || key == "" {
		return nil, facteur.Errorf(facteur.EINTERNAL, "the installation's hmac key (setting %s) is not a text", HMACKeySetting)
	}
	return []byte(key), nil
}

// hmacKey returns the key of a run's "hmac" rules: its schedule's own, or
// the installation's. A run whose schedule had a key of its own and was
// deleted fails rather than hash with another key: the values would no
// longer join with the earlier files.
func (r *Runner) hmacKey(ctx context.Context, s *facteur.Schedule) ([]byte, error) {
	if s.HMACKey != "" {
		return []byte(s.HMACKey), nil
	}
	if s.HMACKeySet {
		return nil, facteur.Errorf(facteur.EINVALID, "obfuscate: the schedule's own hmac key went with the schedule; the run cannot hash as it did")
	}
	return InstallationHMACKey(ctx, r.Store)
}
