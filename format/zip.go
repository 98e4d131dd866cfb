package format

import (
	"archive/zip"
	"compress/flate"
	"io"
)

// zipLevel is the Deflate level of csv.zip and xlsx. Measured on 1M rows of
// 7 varied columns, level 3 writes files 6–7 % larger than the default
// level 6 in less than half the time (XLSX: 65 MB instead of 61 MB, 4 s
// instead of 8.6 s; CSV: 33.4 MB instead of 31.3 MB, 1.5 s instead of 3.3 s).
const zipLevel = 3

// newZipWriter returns a zip writer whose Deflate entries, written one
// after the other, share a single compressor at zipLevel.
func newZipWriter(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw != nil {
			fw.Reset(out)
			return fw, nil
		}
		var err error
		fw, err = flate.NewWriter(out, zipLevel)
		return fw, err
	})
	return zw
}
