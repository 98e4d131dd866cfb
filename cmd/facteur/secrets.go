package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
	"github.com/facteur/facteur/store"
)

// envNewKey gives the new master key of a rotation when keys come from the
// environment.
const envNewKey = "FACTEUR_NEW_SECRET_KEY"

// keyring loads the master key for serve: the current one, plus the new
// one of a rotation that was interrupted (so every credential stays
// readable until `facteur secrets rotate` is run again).
func keyring(data string, stdout io.Writer) (*secret.Keyring, error) {
	keyPath := filepath.Join(data, "secret.key")
	key, created, err := secret.LoadKey(os.Getenv(secret.EnvKey), keyPath)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(stdout, "Created the secret key %s, which encrypts the stored credentials: back it up; without it they cannot be read.\n", keyPath)
	}
	var previous [][]byte
	if next, err := pendingKey(data); err != nil {
		return nil, err
	} else if next != nil {
		fmt.Fprintf(stdout, "A key rotation was interrupted: run `facteur secrets rotate` again to finish it.\n")
		previous = append(previous, next)
	}
	return secret.New(key, previous...)
}

// pendingKey returns the new key of an interrupted rotation, or nil.
func pendingKey(data string) ([]byte, error) {
	if v := os.Getenv(envNewKey); v != "" {
		k, _, err := secret.LoadKey(v, "")
		return k, err
	}
	path := filepath.Join(data, "secret.key.new")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	k, _, err := secret.LoadKey("", path)
	return k, err
}

// runSecrets is `facteur secrets rotate`: it encrypts every stored
// credential again under a new master key. It refuses while a node serves
// (a node writing credentials under the old key would lose them), and
// marks the rotation in the store so that no node starts before it has
// finished. It survives a crash half-way: run it again and it finishes.
func runSecrets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: facteur secrets rotate [--data DIR] [--database URL]")
		return errUsage
	}
	fs := flag.NewFlagSet("secrets rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "./facteur-data", "data directory (holds secret.key)")
	database := fs.String("database", "", "postgres:// URL of the store, if not the embedded SQLite")
	if err := envFlags(fs, args[1:]); err != nil {
		return errUsage
	}
	data, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	fromEnv := os.Getenv(secret.EnvKey) != ""
	old, _, err := secret.LoadKey(os.Getenv(secret.EnvKey), filepath.Join(data, "secret.key"))
	if err != nil {
		return err
	}
	next, err := pendingKey(data)
	if err != nil {
		return err
	}
	newPath := filepath.Join(data, "secret.key.new")
	if next == nil && fromEnv {
		return facteur.Errorf(facteur.EINVALID, "%s: the current key comes from %s; give the new one in %s", envNewKey, secret.EnvKey, envNewKey)
	}
	// The store opens with the keys a node would have.
	var previous [][]byte
	if next != nil {
		previous = append(previous, next)
	}
	ring, err := secret.New(old, previous...)
	if err != nil {
		return err
	}
	cfg := store.Config{SQLitePath: filepath.Join(data, "facteur.db"), Keyring: ring}
	if *database != "" {
		cfg = store.Config{PostgresURL: *database, Keyring: ring}
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	self, err := db.Join(ctx, store.NodeRotate, nodeHost())
	if err != nil {
		return err
	}
	beat, stop := context.WithCancel(ctx)
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		heartbeat(beat, db, self, slog.New(slog.NewTextHandler(stderr, nil)))
	}()
	defer func() { stop(); <-beating }()
	if err := db.BeginRotation(ctx, self); err != nil {
		return err
	}
	if next == nil {
		// Written before anything is re-encrypted, so that a crash leaves
		// every credential readable.
		if next, _, err = secret.LoadKey("", newPath); err != nil {
			return err
		}
	}
	both, err := secret.New(next, old)
	if err != nil {
		return err
	}
	n, err := db.Reseal(ctx, both, func(done int) {
		if done%500 == 0 {
			fmt.Fprintf(stdout, "Encrypted %d credentials again so far…\n", done)
		}
	})
	if err != nil {
		return fmt.Errorf("rotate: %w (run the command again to finish)", err)
	}
	if err := db.EndRotation(ctx); err != nil {
		return err
	}
	if fromEnv {
		fmt.Fprintf(stdout, "Encrypted %d credentials again under the new key. Now start Facteur with %s set to the new key and remove %s.\n", n, secret.EnvKey, envNewKey)
		return nil
	}
	if err := os.Rename(newPath, filepath.Join(data, "secret.key")); err != nil {
		return fmt.Errorf("install the new key: %w", err)
	}
	fmt.Fprintf(stdout, "Encrypted %d credentials again under the new key, now in %s. The old key can no longer read them.\n", n, filepath.Join(data, "secret.key"))
	return nil
}
