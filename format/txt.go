package format

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// The sizes of a text table (see the package documentation).
const (
	// TextSampleRows is the number of rows whose cells set the width of
	// each column; the table is written once they have come.
	TextSampleRows = 100
	// TextCellWidth is the most display cells a text, JSON or binary value
	// (and a column name) takes before it is cut with an ellipsis.
	TextCellWidth = 40
	// TextDataWidth is the same for numbers, booleans, dates and times,
	// which are cut only when they are longer than any a database writes.
	TextDataWidth = 100
	// TextRowLimit is the most rows of a txt file when row_limit is 0.
	TextRowLimit = 10_000
	// textCutRows is the number of row numbers the note on cut cells
	// names for each column.
	textCutRows = 5
)

// TextOptions says how a text table is written.
type TextOptions struct {
	// MaxRows, above 0, is the most rows the table holds. Past it, Write
	// fails with an error that names csv and xlsx, unless LeftOut is set.
	MaxRows int64
	// LeftOut counts the rows past MaxRows without writing them, and ends
	// the table saying how many were left out (for an e-mail body).
	LeftOut bool
}

// textCell is one cell as the table shows it.
type textCell struct {
	text    []byte
	width   int
	numeric bool
}

// textCuts is what the note on cut cells says of one column.
type textCuts struct {
	count int64
	rows  []int64 // the first textCutRows rows with a cut cell
}

// TextEncoder writes rows as an aligned text table, for small reports read
// in a terminal or the text part of an e-mail: the column names, a rule, a
// row a line with " | " between cells, the number of rows, and a note on
// the cells that were cut. It holds the first TextSampleRows rows, which
// set the widths, then streams. See the package documentation.
type TextEncoder struct {
	bw      *bufio.Writer
	cols    []facteur.Column
	kinds   []facteur.Kind
	opts    TextOptions
	header  []textCell
	sample  [][]textCell
	widths  []int // of each column, once the sample is written
	cuts    []textCuts
	nameCut []bool
	buf     []byte
	line    []byte
	rows    int64
	closed  bool
	err     error
}

// NewTextEncoder returns an encoder that writes a text table to w.
func NewTextEncoder(w io.Writer, cols []facteur.Column, o TextOptions) *TextEncoder {
	e := &TextEncoder{
		bw:      bufio.NewWriterSize(w, bufSize),
		cols:    cols,
		kinds:   make([]facteur.Kind, len(cols)),
		opts:    o,
		header:  make([]textCell, len(cols)),
		cuts:    make([]textCuts, len(cols)),
		nameCut: make([]bool, len(cols)),
	}
	for i, c := range cols {
		e.kinds[i] = c.Kind
		text, width, cut := e.render([]byte(c.Name), TextCellWidth)
		e.header[i] = textCell{text: bytes.Clone(text), width: width, numeric: numeric(c.Kind)}
		e.nameCut[i] = cut
	}
	return e
}

// Rows returns the number of rows written so far, those left out included.
func (e *TextEncoder) Rows() int64 { return e.rows }

// LeftOut returns the number of rows past TextOptions.MaxRows, counted but
// not written (with TextOptions.LeftOut).
func (e *TextEncoder) LeftOut() int64 {
	if e.opts.MaxRows > 0 && e.rows > e.opts.MaxRows {
		return e.rows - e.opts.MaxRows
	}
	return 0
}

// cap is the width past which a value of kind k is cut.
func textCap(k facteur.Kind) int {
	switch k {
	case facteur.KindText, facteur.KindJSON, facteur.KindBytes:
		return TextCellWidth
	}
	return TextDataWidth
}

// Write adds one row; a NULL is an empty cell.
func (e *TextEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, len(e.cols)) {
		return rowError(len(row), len(kinds), len(e.cols))
	}
	if e.opts.MaxRows > 0 && e.rows >= e.opts.MaxRows {
		if e.opts.LeftOut {
			e.rows++
			return nil
		}
		e.err = facteur.Errorf(facteur.EINVALID, "format.row_limit: the report has more than %s rows, the most this text table takes; "+
			"choose csv or xlsx for every row, or a higher row_limit (at most %s)", groupDigits(e.opts.MaxRows), groupDigits(facteur.MaxRowLimit))
		return e.err
	}
	e.rows++
	if kinds == nil {
		kinds = e.kinds
	}
	if e.widths == nil {
		cells := make([]textCell, len(row))
		for i, v := range row {
			text, width, cut := e.render(v, textCap(kinds[i]))
			cells[i] = textCell{text: bytes.Clone(text), width: width, numeric: numeric(kinds[i])}
			if cut {
				e.cut(i)
			}
		}
		e.sample = append(e.sample, cells)
		if len(e.sample) == TextSampleRows {
			e.writeSample()
		}
		return e.err
	}
	e.line = e.line[:0]
	for i, v := range row {
		// Text is cut to its column; a number, date or time is never cut
		// short of its own limit: a wider one pushes the rest of its line.
		limit := textCap(kinds[i])
		if limit == TextCellWidth {
			limit = e.widths[i]
		}
		text, width, cut := e.render(v, limit)
		if cut {
			e.cut(i)
		}
		e.appendCell(i, textCell{text: text, width: width, numeric: numeric(kinds[i])})
	}
	e.writeLine()
	return e.err
}

// cut notes that the cell of column i in the current row was cut.
func (e *TextEncoder) cut(i int) {
	c := &e.cuts[i]
	c.count++
	if len(c.rows) < textCutRows {
		c.rows = append(c.rows, e.rows)
	}
}

// writeSample sets the widths from the header and the sample, and writes
// the header, the rule and the sample's rows.
func (e *TextEncoder) writeSample() {
	e.widths = make([]int, len(e.cols))
	for i, h := range e.header {
		e.widths[i] = max(1, h.width)
		for _, r := range e.sample {
			e.widths[i] = max(e.widths[i], r[i].width)
		}
	}
	e.line = e.line[:0]
	for i, h := range e.header {
		e.appendCell(i, h)
	}
	e.writeLine()
	for i, w := range e.widths {
		if i > 0 {
			e.line = append(e.line, "-+-"...)
		}
		e.line = append(e.line, bytes.Repeat([]byte{'-'}, w)...)
	}
	e.writeLine()
	for _, r := range e.sample {
		for i, c := range r {
			e.appendCell(i, c)
		}
		e.writeLine()
	}
	e.sample = nil
}

// appendCell adds cell i of a line, padded to its column's width: numbers
// to the right, everything else to the left.
func (e *TextEncoder) appendCell(i int, c textCell) {
	if i > 0 {
		e.line = append(e.line, " | "...)
	}
	pad := e.widths[i] - c.width
	if c.numeric {
		e.line = appendSpaces(e.line, pad)
	}
	e.line = append(e.line, c.text...)
	if !c.numeric {
		e.line = appendSpaces(e.line, pad)
	}
}

// writeLine writes the line without its trailing spaces, and a new line.
func (e *TextEncoder) writeLine() {
	e.bw.Write(bytes.TrimRight(e.line, " "))
	e.line = e.line[:0]
	if err := e.bw.WriteByte('\n'); err != nil && e.err == nil {
		e.err = err
	}
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// Close writes the table if fewer rows than the sample came, then the
// number of rows and the note on cut cells, and flushes. A second Close
// returns the result of the first.
func (e *TextEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if e.widths == nil {
		e.writeSample()
	}
	e.bw.WriteString("\n(" + RowCountText(e.rows, e.LeftOut()) + ")\n")
	e.writeCutNote()
	e.err = e.bw.Flush()
	return e.err
}

// writeCutNote says which column names and which cells were cut.
func (e *TextEncoder) writeCutNote() {
	first := true
	note := func(s string) {
		if first {
			e.bw.WriteString("\nCut to fit, shown ending in …:\n")
			first = false
		}
		e.bw.WriteString("  " + s + "\n")
	}
	for i := range e.cols {
		if e.nameCut[i] {
			note("the name of column " + strconv.Itoa(i+1) + ", " + string(e.header[i].text))
		}
	}
	for i, c := range e.cuts {
		if c.count == 0 {
			continue
		}
		s := string(e.header[i].text) + ": " + groupDigits(c.count) + " cell"
		if c.count > 1 {
			s += "s"
		}
		s += ", in row"
		if c.count > 1 {
			s += "s"
		}
		for j, r := range c.rows {
			if j > 0 {
				s += ","
			}
			s += " " + strconv.FormatInt(r, 10)
		}
		if c.count > int64(len(c.rows)) {
			s += ", …"
		}
		note(s)
	}
}

// render returns v as a cell shows it, at most limit display cells wide
// (see visibleRune), its width, and whether it was cut: then it ends with
// an ellipsis and holds as much of v as fits before it. The result is
// valid until the next call.
func (e *TextEncoder) render(v []byte, limit int) (text []byte, width int, cut bool) {
	e.buf = e.buf[:0]
	fit, fitWidth := 0, 0 // what fits before an ellipsis
	for i := 0; i < len(v); {
		var r rune
		size := 1
		if b := v[i]; b < utf8.RuneSelf {
			r = rune(b)
		} else {
			r, size = utf8.DecodeRune(v[i:])
		}
		i += size
		r = visibleRune(r)
		w := runeWidth(r)
		if width+w > limit {
			e.buf = append(e.buf[:fit], "…"...)
			return e.buf, fitWidth + 1, true
		}
		e.buf = utf8.AppendRune(e.buf, r)
		width += w
		if width <= limit-1 {
			fit, fitWidth = len(e.buf), width
		}
	}
	return e.buf, width, false
}

// visibleRune is the rune a text table shows for r: the C0 controls (tab,
// CR and LF included) and DEL as their control pictures (U+2400 …: ␉ ␍ ␊
// ␀ ␡), the line and paragraph separators as ␤ (U+2424); C1 controls and
// invalid UTF-8 as U+FFFD. A row is always one line, and its cells line up.
func visibleRune(r rune) rune {
	switch {
	case r < 0x20 || r == 0x7F:
		return controlPicture(byte(r))
	case r == '\u2028' || r == '\u2029':
		return '\u2424'
	case r >= 0x80 && r <= 0x9F:
		return utf8.RuneError
	}
	return r
}

// textFormat is the registration of plain text.
func textFormat() Format {
	return Format{
		Name: "txt", Ext: "txt", MediaType: "text/plain; charset=utf-8",
		Compressible: true, ForPeople: true,
		Help:    "an aligned text table for small reports, to read in a terminal or a mail",
		Options: []string{OptionRowLimit},
		New: func(w io.Writer, t Target) (Encoder, error) {
			limit := t.Options.RowLimit
			if limit == 0 {
				limit = TextRowLimit
			}
			return NewTextEncoder(w, t.Cols, TextOptions{MaxRows: limit}), nil
		},
	}
}
