package export_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/source"
)

// TestEncryptedSpool: on a real SQLite file, an export encrypted to an age
// recipient is, once decrypted, the export in clear byte for byte (plain
// and gzip-compressed); Bytes and SHA256 are those of the spooled file,
// PlainBytes and PlainSHA256 those of what it holds. An encrypted export
// stopped by its size limit (counted on the encrypted bytes) or by its
// source leaves no file and no goroutine behind.
func TestEncryptedSpool(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	enc := &facteur.Encryption{Method: facteur.EncryptAge, Recipients: []string{id.Recipient().String()}}
	db := filepath.Join(t.TempDir(), "src.db")
	os.WriteFile(db, nil, 0o600)
	q := openSource(t, "sqlite:"+db, source.Options{})
	query := facteur.Query{SQL: "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r WHERE x < 60000) SELECT x, 'row ' || x || ' of the export' AS label FROM r"}
	dir := t.TempDir()
	for _, compression := range []string{"", "gzip", "zstd"} {
		o := facteur.FormatOptions{Format: "csv", Compression: compression}
		plainPath, encPath := filepath.Join(dir, "plain"+compression), filepath.Join(dir, "enc"+compression)
		if _, err := export.Run(context.Background(), export.Spec{Source: q, Query: query, Format: o, Path: plainPath}); err != nil {
			t.Fatal(err)
		}
		res, err := export.Run(context.Background(), export.Spec{Source: q, Query: query, Format: o, Path: encPath, Encryption: enc})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(plainPath)
		got, _ := os.ReadFile(encPath)
		r, err := age.Decrypt(bytes.NewReader(got), id)
		if err != nil {
			t.Fatalf("%s: %v", compression, err)
		}
		dec, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(dec, want) {
			t.Fatalf("%s: decrypted %d bytes (%v), want the %d bytes in clear", compression, len(dec), err, len(want))
		}
		if res.Bytes != int64(len(got)) || res.SHA256 != hexSum(got) || res.PlainBytes != int64(len(want)) || res.PlainSHA256 != hexSum(want) || res.Rows != 60000 {
			t.Errorf("%s: result %+v; file %d %s, in clear %d %s", compression, res, len(got), hexSum(got), len(want), hexSum(want))
		}
	}

	before := runtime.NumGoroutine()
	failed := t.TempDir()
	for _, compression := range []string{"", "gzip"} {
		o := facteur.FormatOptions{Format: "csv", Compression: compression}
		_, err := export.Run(context.Background(), export.Spec{Source: brokenSource{rows: 200_000}, Format: o, Path: filepath.Join(failed, "broken"+compression), Encryption: enc})
		if !errors.Is(err, errLost) {
			t.Errorf("%s: %v, want the source's error", compression, err)
		}
		_, err = export.Run(context.Background(), export.Spec{Source: q, Query: facteur.Query{SQL: endless}, Format: o, Path: filepath.Join(failed, "endless"+compression),
			Encryption: enc, Limits: facteur.RunLimits{MaxBytes: 1 << 20}})
		var le *facteur.LimitError
		if !errors.As(err, &le) || le.Limit != facteur.LimitBytes {
			t.Errorf("%s: %v, want the size limit", compression, err)
		}
	}
	if left, _ := os.ReadDir(failed); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after", before, n)
	}

	// A recipient that does not parse stops the export before any row.
	bad := &facteur.Encryption{Method: facteur.EncryptAge, Recipients: []string{"age1nope"}}
	if _, err := export.Run(context.Background(), export.Spec{Source: q, Query: query, Format: facteur.FormatOptions{Format: "csv"}, Path: filepath.Join(failed, "bad"), Encryption: bad}); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("bad recipient: %v", err)
	}
	if left, _ := os.ReadDir(failed); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
