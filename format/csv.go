package format

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// CSVOptions says how a CSV file is written. The zero value writes a header
// line, separates fields with commas and starts without a byte order mark.
type CSVOptions struct {
	// NoHeader leaves out the line of column names.
	NoHeader bool
	// Delimiter separates fields; 0 means ','. It must not be '"', '\r' or
	// '\n' (New checks this; NewCSVEncoder trusts its caller).
	Delimiter rune
	// BOM starts the file with a UTF-8 byte order mark, for Excel and Power BI.
	BOM bool
	// Neutralize prefixes text cells that start like a formula with an
	// apostrophe (see formula.go).
	Neutralize bool
}

// bufSize is the size of the write buffer of every encoder.
const bufSize = 64 << 10

// CSVEncoder writes rows as CSV quoted exactly as PostgreSQL's
// COPY … TO STDOUT (FORMAT csv) does (see the package documentation).
type CSVEncoder struct {
	bw      *bufio.Writer
	cols    []facteur.Column
	opts    CSVOptions
	delim   []byte    // the delimiter, UTF-8 encoded
	special [256]bool // bytes that force quoting: '"', '\r', '\n' and a one-byte delimiter
	wide    uint64    // a one-byte delimiter in every byte of a word, for needsQuotes; 0 for a wider one
	neutral neutralizer
	started bool
	closed  bool
	err     error
}

// NewCSVEncoder returns an encoder that writes CSV to w. The header line, if
// any, is written with the first row or at Close.
func NewCSVEncoder(w io.Writer, cols []facteur.Column, o CSVOptions) *CSVEncoder {
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	e := &CSVEncoder{
		bw:      bufio.NewWriterSize(w, bufSize),
		cols:    cols,
		opts:    o,
		delim:   utf8.AppendRune(nil, o.Delimiter),
		neutral: newNeutralizer(cols, o.Neutralize),
	}
	e.special['"'] = true
	e.special['\r'] = true
	e.special['\n'] = true
	if len(e.delim) == 1 {
		e.special[e.delim[0]] = true
		e.wide = everyByte * uint64(e.delim[0])
	}
	return e
}

// start writes the byte order mark and the header line.
func (e *CSVEncoder) start() {
	e.started = true
	if e.opts.BOM {
		e.bw.WriteString("\uFEFF")
	}
	if e.opts.NoHeader {
		return
	}
	for i, c := range e.cols {
		if i > 0 {
			e.bw.Write(e.delim)
		}
		e.field([]byte(c.Name))
	}
	e.bw.WriteByte('\n')
}

// Write writes one record; a nil value is written as an empty unquoted field.
func (e *CSVEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, len(e.cols)) {
		return rowError(len(row), len(kinds), len(e.cols))
	}
	if !e.started {
		e.start()
	}
	if kinds != nil {
		e.valuesOfKinds(row, kinds)
	} else {
		for i, v := range row {
			if i > 0 {
				e.bw.Write(e.delim)
			}
			if v != nil {
				e.field(e.neutral.cell(i, v))
			}
		}
	}
	if err := e.bw.WriteByte('\n'); err != nil {
		e.err = err
	}
	return e.err
}

// valuesOfKinds writes the fields of a row whose values say their kinds
// (see Write), apart from the loop of every other row, which stays as lean
// as it was.
func (e *CSVEncoder) valuesOfKinds(row [][]byte, kinds []facteur.Kind) {
	for i, v := range row {
		if i > 0 {
			e.bw.Write(e.delim)
		}
		if v != nil {
			e.field(e.neutral.value(kinds[i], v))
		}
	}
}

// Close writes the header if no row came, and flushes. A second Close
// returns the result of the first.
func (e *CSVEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if !e.started {
		e.start()
	}
	e.err = e.bw.Flush()
	return e.err
}

// field writes one non-NULL value or a header name, quoted when PostgreSQL
// would quote it.
func (e *CSVEncoder) field(v []byte) {
	if len(v) == 0 {
		e.bw.WriteString(`""`)
		return
	}
	if !e.needsQuotes(v) {
		e.bw.Write(v)
		return
	}
	e.bw.WriteByte('"')
	for {
		i := bytes.IndexByte(v, '"')
		if i < 0 {
			break
		}
		e.bw.Write(v[:i+1])
		e.bw.WriteByte('"')
		v = v[i+1:]
	}
	e.bw.Write(v)
	e.bw.WriteByte('"')
}

// needsQuotes reports whether v holds the delimiter, a quote or a line
// break, or is the end-of-data marker `\.` alone on its line (only possible
// with a single column: PostgreSQL quotes it only then).
func (e *CSVEncoder) needsQuotes(v []byte) bool {
	if len(e.cols) == 1 && len(v) == 2 && v[0] == '\\' && v[1] == '.' {
		return true
	}
	if len(e.delim) > 1 {
		return bytes.ContainsAny(v, "\"\r\n") || bytes.Contains(v, e.delim)
	}
	// A word at a time: this scan is the encoder's hottest loop, and a
	// byte-by-byte one took an eighth of a whole PostgreSQL export's CPU.
	// Words may overlap: a byte seen twice changes nothing.
	n := len(v)
	switch {
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			if e.quotable(binary.LittleEndian.Uint64(v[i:])) {
				return true
			}
		}
		return e.quotable(binary.LittleEndian.Uint64(v[n-8:]))
	case n >= 4:
		return e.quotable(uint64(binary.LittleEndian.Uint32(v)) | uint64(binary.LittleEndian.Uint32(v[n-4:]))<<32)
	}
	for _, b := range v {
		if e.special[b] {
			return true
		}
	}
	return false
}

// quotable reports whether one of the bytes of w forces quoting.
func (e *CSVEncoder) quotable(w uint64) bool {
	return hasZeroByte(w^(everyByte*'"'))|hasZeroByte(w^(everyByte*'\n'))|
		hasZeroByte(w^(everyByte*'\r'))|hasZeroByte(w^e.wide) != 0
}

// everyByte times a byte value repeats it in every byte of a word.
const everyByte = 0x0101010101010101

// hasZeroByte is not zero exactly when one of w's bytes is zero (the
// classic test: only a zero byte borrows through to its own high bit).
func hasZeroByte(w uint64) uint64 {
	return (w - everyByte) &^ w & (everyByte * 0x80)
}

// csvFormat is the registration of CSV.
func csvFormat() Format {
	return Format{
		Name: facteur.FormatCSV, Ext: "csv", MediaType: "text/csv; charset=utf-8",
		Compressible: true, ForPeople: true,
		Help:    "comma-separated values, for spreadsheets and most tools",
		Options: []string{OptionNoHeader, OptionDelimiter, OptionBOM},
		New: func(w io.Writer, t Target) (Encoder, error) {
			co, err := csvOptions(t.Options)
			if err != nil {
				return nil, err
			}
			return NewCSVEncoder(w, t.Cols, co), nil
		},
	}
}

// csvOptions turns the user's options into CSVOptions, checking the delimiter.
func csvOptions(o facteur.FormatOptions) (CSVOptions, error) {
	d, err := delimiter(o.Delimiter)
	return CSVOptions{NoHeader: o.NoHeader, Delimiter: d, BOM: o.BOM, Neutralize: o.Neutralize}, err
}
