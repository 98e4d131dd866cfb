package format

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// CSVZipEncoder writes the CSV of CSVEncoder as the single entry of a zip
// archive, compressed with Deflate as the rows arrive: nothing but the
// compressor's window is held in memory. Past 4 GiB the archive uses ZIP64.
type CSVZipEncoder struct {
	zw     *zip.Writer
	csv    *CSVEncoder
	closed bool
	err    error
}

// NewCSVZipEncoder returns an encoder that writes to w a zip holding one CSV
// file called name, dated modified (the zero time leaves the date unset).
// name should be a plain file name (New checks it).
func NewCSVZipEncoder(w io.Writer, cols []facteur.Column, o CSVOptions, name string, modified time.Time) *CSVZipEncoder {
	e := &CSVZipEncoder{zw: newZipWriter(w)}
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		e.err = fmt.Errorf("create zip entry: %w", err)
		f = io.Discard
	}
	e.csv = NewCSVEncoder(f, cols, o)
	return e
}

// Write writes one CSV record into the zip entry.
func (e *CSVZipEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	return e.csv.Write(row, kinds)
}

// Close finishes the CSV and writes the zip's central directory, without
// closing the underlying writer. A second Close returns the result of the
// first.
func (e *CSVZipEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if err := e.csv.Close(); err != nil {
		e.err = err
		return err
	}
	if err := e.zw.Close(); err != nil {
		e.err = fmt.Errorf("close zip: %w", err)
	}
	return e.err
}

// csvZipFormat is the registration of csv.zip: CSV in a zip archive.
func csvZipFormat() Format {
	return Format{
		Name: facteur.FormatCSVZip, Ext: "zip", MediaType: "application/zip",
		ForPeople: true,
		Help:      "the CSV file inside a zip archive, which every system opens",
		Options:   []string{OptionNoHeader, OptionDelimiter, OptionBOM},
		New: func(w io.Writer, t Target) (Encoder, error) {
			co, err := csvOptions(t.Options)
			if err != nil {
				return nil, err
			}
			if err := checkInnerName(t.InnerName); err != nil {
				return nil, err
			}
			return NewCSVZipEncoder(w, t.Cols, co, t.InnerName, t.Modified), nil
		},
	}
}

// checkInnerName refuses a name that would not be a plain file in a zip.
func checkInnerName(name string) error {
	if name == "" || name == "." || name == ".." || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00") {
		return facteur.Errorf(facteur.EINVALID, "file_name: %q is not a valid name for the file inside the zip", name)
	}
	return nil
}
