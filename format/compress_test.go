package format_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// TestCompress: what Compress writes decompresses, with the standard
// library's gzip and an independent zstd decoder, to what went in; no
// compression passes the bytes through untouched.
func TestCompress(t *testing.T) {
	in := strings.Repeat("id,label\n1,héllo\n", 50000)
	for _, c := range []string{"", facteur.CompressGzip, facteur.CompressZstd} {
		var buf bytes.Buffer
		w, err := format.Compress(&buf, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, in); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var r io.Reader = &buf
		switch c {
		case facteur.CompressGzip:
			if r, err = gzip.NewReader(&buf); err != nil {
				t.Fatal(err)
			}
		case facteur.CompressZstd:
			d, err := zstd.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			r = d
		}
		out, err := io.ReadAll(r)
		if err != nil || string(out) != in {
			t.Errorf("%q: %d bytes back (%v), want %d", c, len(out), err, len(in))
		}
		if c != "" && buf.Len() > len(in)/10 {
			t.Errorf("%q: %d bytes compressed to %d", c, len(in), buf.Len())
		}
	}
	if _, err := format.Compress(io.Discard, "brotli"); facteur.ErrorCode(err) != facteur.EINVALID {
		t.Errorf("unknown compression: %v", err)
	}
	for o, want := range map[facteur.FormatOptions]string{
		{Format: "csv"}: "csv", {Format: "csv", Compression: "gzip"}: "csv.gz", {Format: "ndjson", Compression: "zstd"}: "ndjson.zst", {Format: "xlsx"}: "xlsx",
	} {
		if got := format.Builtin().FileExtension(o); got != want {
			t.Errorf("FileExtension(%+v) = %q, want %q", o, got, want)
		}
	}
	for _, bad := range []facteur.FormatOptions{{Format: "xlsx", Compression: "gzip"}, {Format: "csv.zip", Compression: "zstd"}, {Format: "csv", Compression: "lz4"}} {
		if err := format.Builtin().Validate(bad); facteur.ErrorCode(err) != facteur.EINVALID {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
	}
}
