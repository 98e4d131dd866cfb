package format

import (
	"archive/zip"
	"io"

	"github.com/klauspost/compress/flate"

	"github.com/facteur/facteur/internal/filewrite"
)

// zipLevel is the Deflate level of csv.zip and xlsx, with klauspost's
// Deflate: the same format as the standard library's, faster at every
// level, and level 2 is faster than 3 for files hardly larger. The
// README's Performance section gives the measurement and its command.
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
