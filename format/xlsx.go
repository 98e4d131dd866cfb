package format

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/facteur/facteur"
)

// XLSXOptions says how a workbook is written.
type XLSXOptions struct {
	// MaxRows is the number of rows a sheet holds, header included, before
	// the rows continue on a new sheet. 0, or more than Excel's 1,048,576,
	// means 1,048,576; 1 is taken as 2 (a header and one row).
	MaxRows int
	// Neutralize prefixes text cells that start like a formula with an
	// apostrophe (see formula.go).
	Neutralize bool
	// TextDates writes dates, date-times and timestamps as text cells
	// holding their canonical text, instead of date cells.
	TextDates bool
	// Location is the time zone in which date cells show instants (values
	// with a UTC offset); nil means UTC. The header cell of a date-time
	// column says which zone it is, in a note shown when it is selected.
	Location *time.Location
}

// XLSXEncoder writes rows as an Office Open XML workbook, streamed: each part
// goes straight into a zip writer as the rows arrive, cells hold inline
// strings (no shared-strings table), so memory stays constant whatever the
// number of rows. Row 1 of each sheet is the bold, frozen header; a full
// sheet continues on the next one ("Sheet2", "Sheet3", …) with the header
// again. See the package documentation for how values become cells.
type XLSXEncoder struct {
	zw      *zip.Writer
	bw      *bufio.Writer
	kinds   []facteur.Kind
	cellPos [][]byte // `<c r="B` for each column: the row number follows
	header  []byte   // row 1, the same on every sheet
	maxRows int
	sheets  int // sheets started
	row     int // rows written on the current sheet, header included
	rowNum  []byte
	neutral neutralizer
	loc     *time.Location // nil: dates and timestamps are text
	serial  []byte         // the text of a date cell's serial number
	tail    string         // ends each sheet: its header notes, then the end tags
	closed  bool
	err     error
	book    *XLSXWorkbook // the workbook it writes one report of, nil: its own
	name    string        // its sheets' name, in a workbook
}

// NewXLSXEncoder returns an encoder that writes a workbook to w. With more
// columns than a sheet holds (16,384), every Write and Close fails.
func NewXLSXEncoder(w io.Writer, cols []facteur.Column, o XLSXOptions) *XLSXEncoder {
	return newXLSXEncoder(newZipWriter(w), cols, o)
}

func newXLSXEncoder(zw *zip.Writer, cols []facteur.Column, o XLSXOptions) *XLSXEncoder {
	switch {
	case o.MaxRows <= 0 || o.MaxRows > xlsxMaxRows:
		o.MaxRows = xlsxMaxRows
	case o.MaxRows == 1:
		o.MaxRows = 2
	}
	e := &XLSXEncoder{
		zw:      zw,
		bw:      bufio.NewWriterSize(io.Discard, bufSize),
		kinds:   make([]facteur.Kind, len(cols)),
		cellPos: make([][]byte, len(cols)),
		maxRows: o.MaxRows,
		rowNum:  make([]byte, 0, 8),
		neutral: newNeutralizer(cols, o.Neutralize),
		loc:     o.Location,
		tail:    sheetTail,
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	if o.TextDates {
		e.loc = nil
	} else {
		e.tail = zoneNotes(cols, e.loc.String())
	}
	if len(cols) > xlsxMaxCols {
		e.err = fmt.Errorf("xlsx: %d columns, a sheet holds at most %d", len(cols), xlsxMaxCols)
		return e
	}
	var h bytes.Buffer
	hw := bufio.NewWriter(&h)
	hw.WriteString(`<row r="1">`)
	for i, c := range cols {
		e.kinds[i] = c.Kind
		e.cellPos[i] = []byte(`<c r="` + columnName(i))
		hw.WriteString(`<c r="` + columnName(i) + `1" t="inlineStr" s="1">`)
		writeInlineString(hw, []byte(c.Name))
		hw.WriteString(`</c>`)
	}
	hw.WriteString(`</row>`)
	hw.Flush()
	e.header = h.Bytes()
	return e
}

// Write writes one row; a NULL leaves its cell empty (an empty <c> when it
// is the row's last, so that every row spans every column).
func (e *XLSXEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, len(e.kinds)) {
		return rowError(len(row), len(kinds), len(e.kinds))
	}
	if kinds == nil {
		kinds = e.kinds
	}
	if e.sheets == 0 || e.row == e.maxRows {
		if e.err = e.nextSheet(); e.err != nil {
			return e.err
		}
	}
	e.row++
	e.rowNum = strconv.AppendInt(e.rowNum[:0], int64(e.row), 10)
	e.bw.WriteString(`<row r="`)
	e.bw.Write(e.rowNum)
	e.bw.WriteString(`">`)
	for i, v := range row {
		if v != nil {
			e.cell(i, kinds, v)
		}
	}
	if n := len(row); n > 0 && row[n-1] == nil {
		// A row ending in NULLs still ends in its last column: readers that
		// stream a sheet without a <dimension> (openpyxl's read-only mode,
		// which pandas uses) take a row's length from its last cell.
		e.bw.Write(e.cellPos[n-1])
		e.bw.Write(e.rowNum)
		e.bw.WriteString(`"/>`)
	}
	_, e.err = e.bw.WriteString(`</row>`)
	return e.err
}

// cell writes the cell of column i, whose value is of kind kinds[i]: a
// number, a boolean, a date or an inline string.
func (e *XLSXEncoder) cell(i int, kinds []facteur.Kind, v []byte) {
	e.bw.Write(e.cellPos[i])
	e.bw.Write(e.rowNum)
	switch k := kinds[i]; {
	case k == facteur.KindFloat && xlsxNumber(v, false),
		(k == facteur.KindInt || k == facteur.KindDecimal) && xlsxNumber(v, true):
		e.bw.WriteString(`"><v>`)
		e.bw.Write(v)
		e.bw.WriteString(`</v></c>`)
	case e.loc != nil && isDateKind(k) && e.dateCell(v):
		// written by dateCell
	case k == facteur.KindBool && string(v) == "true":
		e.bw.WriteString(`" t="b"><v>1</v></c>`)
	case k == facteur.KindBool && string(v) == "false":
		e.bw.WriteString(`" t="b"><v>0</v></c>`)
	default:
		e.bw.WriteString(`" t="inlineStr">`)
		writeInlineString(e.bw, e.neutral.value(k, v))
		e.bw.WriteString(`</c>`)
	}
}

// dateCell ends the cell started with the serial number of the date or
// timestamp v and its date style, and reports true; it writes nothing and
// reports false when v cannot be a date cell (see appendSerial).
func (e *XLSXEncoder) dateCell(v []byte) bool {
	serial, style, ok := appendSerial(e.serial[:0], v, e.loc)
	if !ok {
		return false
	}
	e.serial = serial
	e.bw.WriteString(`" s="`)
	e.bw.WriteString(style)
	e.bw.WriteString(`"><v>`)
	e.bw.Write(serial)
	e.bw.WriteString(`</v></c>`)
	return true
}

// writeInlineString writes the <is> element of an inline-string cell.
func writeInlineString(bw *bufio.Writer, v []byte) {
	if needsPreserve(v) {
		bw.WriteString(`<is><t xml:space="preserve">`)
	} else {
		bw.WriteString(`<is><t>`)
	}
	writeXMLText(bw, v)
	bw.WriteString(`</t></is>`)
}

// nextSheet ends the current sheet, if any, and starts the next one with
// its header row. Before the first sheet it writes the package's
// [Content_Types].xml and _rels/.rels.
func (e *XLSXEncoder) nextSheet() error {
	if e.sheets == 0 && e.book.first() {
		if err := e.writePart("[Content_Types].xml", contentTypesXML); err != nil {
			return err
		}
		if err := e.writePart("_rels/.rels", rootRelsXML); err != nil {
			return err
		}
	} else if err := e.endSheet(); err != nil {
		return err
	}
	e.sheets++
	n := e.book.add(e.name, e.sheets)
	name := "xl/worksheets/sheet" + strconv.Itoa(n) + ".xml"
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return fmt.Errorf("xlsx: create %s: %w", name, err)
	}
	e.bw.Reset(f)
	e.bw.WriteString(sheetHead(n == 1))
	_, err = e.bw.Write(e.header)
	e.row = 1
	return err
}

// endSheet closes the sheet being written and flushes it into the zip.
func (e *XLSXEncoder) endSheet() error {
	e.bw.WriteString(e.tail)
	return e.bw.Flush()
}

// writePart writes a whole part of the package as one zip entry.
func (e *XLSXEncoder) writePart(name, content string) error {
	f, err := e.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err == nil {
		_, err = io.WriteString(f, content)
	}
	if err != nil {
		return fmt.Errorf("xlsx: write %s: %w", name, err)
	}
	return nil
}

// Close ends the last sheet (a workbook without rows has one sheet holding
// the header), writes the workbook, its relationships and styles, and the
// zip's central directory, without closing the underlying writer. A second
// Close returns the result of the first.
func (e *XLSXEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	e.err = e.finish()
	return e.err
}

func (e *XLSXEncoder) finish() error {
	if e.sheets == 0 {
		if err := e.nextSheet(); err != nil {
			return err
		}
	}
	if err := e.endSheet(); err != nil {
		return err
	}
	if e.book != nil {
		return nil // the workbook's Close writes the rest
	}
	return writeBook(e.zw, e.bw, sheetNames(e.sheets))
}

// writeBook writes the workbook, its relationships and styles of the
// sheets named names, and the zip's central directory.
func writeBook(zw *zip.Writer, bw *bufio.Writer, names []string) error {
	e := &XLSXEncoder{zw: zw, bw: bw}
	var parts bytes.Buffer
	e.bw.Reset(&parts)
	writeWorkbook(e.bw, names)
	e.bw.Flush()
	if err := e.writePart("xl/workbook.xml", parts.String()); err != nil {
		return err
	}
	parts.Reset()
	writeWorkbookRels(e.bw, len(names))
	e.bw.Flush()
	if err := e.writePart("xl/_rels/workbook.xml.rels", parts.String()); err != nil {
		return err
	}
	if err := e.writePart("xl/styles.xml", stylesXML); err != nil {
		return err
	}
	if err := e.zw.Close(); err != nil {
		return fmt.Errorf("xlsx: close zip: %w", err)
	}
	return nil
}

// xlsxFormat is the registration of XLSX.
func xlsxFormat() Format {
	return Format{
		Name: facteur.FormatXLSX, Ext: "xlsx", MediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		ForPeople: true,
		Help:      "an Excel workbook with typed cells and date cells",
		Options:   []string{OptionXLSXDates},
		New: func(w io.Writer, t Target) (Encoder, error) {
			if len(t.Cols) > xlsxMaxCols {
				return nil, facteur.Errorf(facteur.EINVALID, "format.format: a spreadsheet holds at most %d columns and the report has %d; choose csv or fewer fields", xlsxMaxCols, len(t.Cols))
			}
			loc, err := facteur.LoadZone("calendar.time_zone", t.Options.TimeZone)
			if err != nil {
				return nil, err
			}
			return NewXLSXEncoder(w, t.Cols, XLSXOptions{Neutralize: t.Options.Neutralize, TextDates: t.Options.XLSXDates == facteur.XLSXDatesText, Location: loc}), nil
		},
	}
}
