package format

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// Encoder writes rows to a file format. Write copies what it needs (the
// row's bytes are reused by the caller after Write returns). Close writes the
// trailer and flushes, but does not close the underlying writer.
//
// kinds, when not nil, gives the kind of each value of this row, where a
// source knows it value by value (see facteur.KindedRows); nil renders each
// value by its column's kind.
//
// Write fails when the row does not have one value per column, when the
// underlying writer fails, or after Close; an encoder that failed once keeps
// failing. Close must be called even when the export is abandoned: the zip
// formats compress on a goroutine that Close ends.
type Encoder interface {
	Write(row [][]byte, kinds []facteur.Kind) error
	Close() error
}

// Every encoder is an Encoder.
var (
	_ Encoder = (*CSVEncoder)(nil)
	_ Encoder = (*CSVZipEncoder)(nil)
	_ Encoder = (*JSONEncoder)(nil)
	_ Encoder = (*NDJSONEncoder)(nil)
	_ Encoder = (*XLSXEncoder)(nil)
)

// New returns the encoder for o.Format ("csv", "csv.zip", "json", "ndjson",
// "xlsx"). innerName is the name of the CSV file inside a csv.zip (e.g.
// "agents.csv"); other formats ignore it. An unknown format or a bad option
// fails with a *facteur.Error of code EINVALID whose message names the field.
func New(w io.Writer, cols []facteur.Column, o facteur.FormatOptions, innerName string) (Encoder, error) {
	switch o.Format {
	case facteur.FormatCSV, facteur.FormatCSVZip:
		co, err := csvOptions(o)
		if err != nil {
			return nil, err
		}
		if o.Format == facteur.FormatCSV {
			return NewCSVEncoder(w, cols, co), nil
		}
		if err := checkInnerName(innerName); err != nil {
			return nil, err
		}
		return NewCSVZipEncoder(w, cols, co, innerName, time.Now()), nil
	case facteur.FormatJSON:
		return NewJSONEncoder(w, cols), nil
	case facteur.FormatNDJSON:
		return NewNDJSONEncoder(w, cols), nil
	case facteur.FormatXLSX:
		if len(cols) > xlsxMaxCols {
			return nil, facteur.Errorf(facteur.EINVALID, "format.format: a spreadsheet holds at most %d columns and the report has %d; choose csv or fewer fields", xlsxMaxCols, len(cols))
		}
		loc, err := facteur.LoadZone("calendar.time_zone", o.TimeZone)
		if err != nil {
			return nil, err
		}
		return NewXLSXEncoder(w, cols, XLSXOptions{Neutralize: o.Neutralize, TextDates: o.XLSXDates == facteur.XLSXDatesText, Location: loc}), nil
	}
	return nil, facteur.Errorf(facteur.EINVALID, "format.format: unknown format %q; use one of csv, csv.zip, json, ndjson, xlsx", o.Format)
}

// csvOptions turns the user's options into CSVOptions, checking the delimiter.
func csvOptions(o facteur.FormatOptions) (CSVOptions, error) {
	co := CSVOptions{NoHeader: o.NoHeader, BOM: o.BOM, Neutralize: o.Neutralize}
	if o.Delimiter == "" {
		return co, nil
	}
	r, size := utf8.DecodeRuneInString(o.Delimiter)
	if size != len(o.Delimiter) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		return co, facteur.Errorf(facteur.EINVALID, "format.delimiter: use a single character other than a quote or a line break")
	}
	co.Delimiter = r
	return co, nil
}

// checkInnerName refuses a name that would not be a plain file in a zip.
func checkInnerName(name string) error {
	if name == "" || name == "." || name == ".." || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00") {
		return facteur.Errorf(facteur.EINVALID, "file_name: %q is not a valid name for the file inside the zip", name)
	}
	return nil
}

// Extension returns the file extension of a format without the dot: csv,
// zip, json, ndjson, xlsx. It returns "" for an unknown format.
func Extension(format string) string {
	switch format {
	case facteur.FormatCSV:
		return "csv"
	case facteur.FormatCSVZip:
		return "zip"
	case facteur.FormatJSON:
		return "json"
	case facteur.FormatNDJSON:
		return "ndjson"
	case facteur.FormatXLSX:
		return "xlsx"
	}
	return ""
}

// FileExtension returns the extension of the files o makes, without the
// leading dot: the format's, then .gz or .zst when compressed ("csv.gz").
func FileExtension(o facteur.FormatOptions) string {
	ext := Extension(o.Format)
	switch o.Compression {
	case facteur.CompressGzip:
		ext += ".gz"
	case facteur.CompressZstd:
		ext += ".zst"
	}
	return ext
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("format: encoder is closed")

// rowFits reports whether a row, and its kinds when given, have one entry
// per column. It is small enough to be inlined: it runs for every row.
func rowFits(row [][]byte, kinds []facteur.Kind, cols int) bool {
	return len(row) == cols && (kinds == nil || len(kinds) == cols)
}

// rowError reports a row that does not fit its columns (see rowFits).
func rowError(values, kinds, cols int) error {
	if values != cols {
		return fmt.Errorf("format: row has %d values for %d columns", values, cols)
	}
	return fmt.Errorf("format: row has %d kinds for %d columns", kinds, cols)
}
