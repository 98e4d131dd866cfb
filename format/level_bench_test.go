package format_test

import (
	"bytes"
	stdflate "compress/flate"
	"io"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// BenchmarkCompressLevels measures the compressors and levels Facteur
// chose between, on the CSV of 200,000 benchmark rows: MB/s of input and
// the compressed size in percent of it. The README's Performance section
// quotes it next to the choices it explains.
func BenchmarkCompressLevels(b *testing.B) {
	var csv bytes.Buffer
	enc, err := format.Builtin().New(&csv, format.Target{Cols: benchCols, Options: facteur.FormatOptions{Format: facteur.FormatCSV}})
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows()
	for i := range 200_000 {
		if err := enc.Write(rows[i%len(rows)], nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	in := csv.Bytes()
	cases := []struct {
		name string
		open func(io.Writer) (io.WriteCloser, error)
	}{
		{"gzip-klauspost-1", func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriterLevel(w, 1) }},
		{"gzip-klauspost-2", func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriterLevel(w, 2) }},
		{"deflate-stdlib-3", func(w io.Writer) (io.WriteCloser, error) { return stdflate.NewWriter(w, 3) }},
		{"deflate-stdlib-6", func(w io.Writer) (io.WriteCloser, error) { return stdflate.NewWriter(w, 6) }},
		{"deflate-klauspost-2", func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, 2) }},
		{"deflate-klauspost-3", func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, 3) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var out countWriter
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				out.n = 0
				w, err := c.open(&out)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Write(in); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*float64(out.n)/float64(len(in)), "%size")
		})
	}
}
