package format

import (
	"archive/zip"
	"io"

	"github.com/klauspost/compress/flate"

	"github.com/facteur/facteur/internal/filewrite"
)

// zipLevel is the Deflate level of csv.zip and xlsx, with klauspost's
// Deflate (faster than the standard library's at the same level, same
// format). On 1M rows of 7 varied columns (go test ./format -run x -bench
// 'CSVZip|XLSX$' -benchtime 1x) the standard library at level 3 took 0.85 s
// (csv.zip) and 2.76 s (xlsx), klauspost at level 3 0.46 s and 1.23 s, and
// 0.36 s and 0.93 s once the compressor had a goroutine of its own. Level 2
// is faster again on real exports and as small: 2M rows of go run ./bench's
// PostgreSQL table, 2 runs each, csv.zip 2.95/2.57 s against 3.43/2.97 s
// (102.41 MB against 102.49 MB), xlsx 4.16/3.97 s against 4.25/4.41 s
// (0.7% larger). The standard library's default level 6 was twice slower
// than its level 3 for files 6-7% smaller.
const zipLevel = 2

// newZipWriter returns a zip writer whose Deflate entries, written one
// after the other, share a single compressor at zipLevel. The compressor
// works on a goroutine of its own, while the encoder writes the next rows.
func newZipWriter(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw != nil {
			fw.Reset(out)
		} else {
			var err error
			if fw, err = flate.NewWriter(out, zipLevel); err != nil {
				return nil, err
			}
		}
		return &asyncDeflate{filewrite.NewAsync(fw, bufSize), fw}, nil
	})
	return zw
}

// asyncDeflate is a zip entry's compressor behind its goroutine.
type asyncDeflate struct {
	*filewrite.Async
	fw *flate.Writer
}

// Close hands on the last bytes, waits for them to be compressed and ends
// the Deflate stream.
func (a *asyncDeflate) Close() error {
	if err := a.Async.Close(); err != nil {
		return err
	}
	return a.fw.Close()
}
