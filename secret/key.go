package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/facteur/facteur"
)

// EnvKey is the environment variable that may hold the master key.
const EnvKey = "FACTEUR_SECRET_KEY"

// LoadKey returns the master key: from env (base64 of 32 bytes) when it is
// set, else from the key file at path, created with mode 0600 and a new
// random key when it does not exist (created reports that). A key file
// that others may read is refused.
func LoadKey(env, path string) (key []byte, created bool, err error) {
	if env != "" {
		key, err := decodeKey(env)
		if err != nil {
			return nil, false, facteur.Errorf(facteur.EINVALID, "%s: %v; give 32 random bytes in base64, e.g. from: head -c32 /dev/urandom | base64", EnvKey, err)
		}
		return key, false, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, false, err
		}
		if err := writeKeyFile(path, key); err != nil {
			return nil, false, err
		}
		return key, true, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("read secret key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, false, facteur.Errorf(facteur.EINVALID, "secret key file %s can be read by other users (mode %o): run chmod 600 on it", path, fi.Mode().Perm())
	}
	key, err = decodeKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, false, facteur.Errorf(facteur.EINVALID, "secret key file %s: %v", path, err)
	}
	return key, false, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes, it must be %d", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// writeKeyFile writes a key file with mode 0600, atomically.
func writeKeyFile(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
