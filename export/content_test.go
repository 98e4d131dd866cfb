package export_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os/exec"
	"testing"

	"github.com/facteur/facteur"
)

// The content's SHA-256 is that of the bytes the encoder wrote, before
// compression: the file's own when it is not compressed, and the same for
// the same rows whatever the compression. gzip and zstd, the command-line
// tools, read the compressed files back.
func TestContentSHA256BeforeCompression(t *testing.T) {
	t.Parallel()
	pg := pgFixture(t)
	for _, fx := range []fixtureSource{pg, {name: "postgres-rows", src: rowsOnly{pg.src}, query: pg.query}, sqFixture(t)} {
		t.Run(fx.name, func(t *testing.T) {
			plain := runExport(t, fx.src, fx.query, nil, facteur.FormatOptions{Format: "csv"})
			if plain.res.ContentSHA256 != plain.res.SHA256 || plain.res.SHA256 != sum(plain.data) {
				t.Fatalf("uncompressed: content %s, file %s, bytes %s", plain.res.ContentSHA256, plain.res.SHA256, sum(plain.data))
			}
			for _, c := range []struct{ compression, tool string }{{facteur.CompressGzip, "gzip"}, {facteur.CompressZstd, "zstd"}} {
				got := runExport(t, fx.src, fx.query, nil, facteur.FormatOptions{Format: "csv", Compression: c.compression})
				cmd := exec.Command(c.tool, "-dc")
				cmd.Stdin = bytes.NewReader(got.data)
				content, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s -dc: %v", c.tool, err)
				}
				switch {
				case got.res.SHA256 != sum(got.data):
					t.Errorf("%s: file hash %s, the file's bytes %s", c.compression, got.res.SHA256, sum(got.data))
				case got.res.ContentSHA256 != sum(content):
					t.Errorf("%s: content hash %s, what %s reads back %s", c.compression, got.res.ContentSHA256, c.tool, sum(content))
				case got.res.ContentSHA256 != plain.res.ContentSHA256 || got.res.SHA256 == got.res.ContentSHA256:
					t.Errorf("%s: content hash %s (uncompressed %s), file hash %s", c.compression, got.res.ContentSHA256, plain.res.ContentSHA256, got.res.SHA256)
				}
			}
		})
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
