package format

import (
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/facteur/facteur"
)

// Compress returns a writer that compresses what it is given into w with
// the compression c ("gzip", "zstd"), at a fast level: exports are
// large and delivered right away. Closing it finishes the stream; it does
// not close w. For c == "" it returns w itself, with a Close that does
// nothing.
func Compress(w io.Writer, c string) (io.WriteCloser, error) {
	switch c {
	case "":
		return nopCloser{w}, nil
	case facteur.CompressGzip:
		// Level 2, not 1 (BestSpeed): with klauspost/compress it is both
		// faster and smaller on exports (README, Performance).
		return gzip.NewWriterLevel(w, 2)
	case facteur.CompressZstd:
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest))
	}
	return nil, facteur.Errorf(facteur.EINVALID, "format.compression: use gzip or zstd, or leave it empty")
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
