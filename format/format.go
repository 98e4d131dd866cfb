package format

import (
	"errors"
	"fmt"

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
	_ Encoder = (*HTMLEncoder)(nil)
	_ Encoder = (*TextEncoder)(nil)
	_ Encoder = (*XMLEncoder)(nil)
	_ Encoder = (*ParquetEncoder)(nil)
)

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
