package format

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// XLSXWorkbook writes several reports into one workbook (a dashboard's,
// A6): each report's rows go to a sheet named after it, or to several
// when they pass a sheet's rows, after the sheets of the report before.
// It is streamed like XLSXEncoder: memory stays constant.
type XLSXWorkbook struct {
	zw    *zip.Writer
	o     XLSXOptions
	names []string        // every sheet's name, in order
	used  map[string]bool // the names taken, folded to upper case as Excel compares them
	cur   *XLSXEncoder
	err   error
}

// NewXLSXWorkbook returns a workbook written to w.
func NewXLSXWorkbook(w io.Writer, o XLSXOptions) *XLSXWorkbook {
	return &XLSXWorkbook{zw: newZipWriter(w), o: o, used: map[string]bool{}}
}

// Sheet returns the encoder of the next report, of columns cols, whose
// sheets are named after name (made a valid sheet name, unique in the
// workbook: see SheetName). Its Close ends its sheets, not the workbook;
// the previous report's encoder must be closed first.
func (b *XLSXWorkbook) Sheet(name string, cols []facteur.Column) (*XLSXEncoder, error) {
	if b.cur != nil && !b.cur.closed {
		return nil, fmt.Errorf("xlsx: the sheet of the previous report is not closed")
	}
	if len(cols) > xlsxMaxCols {
		return nil, facteur.Errorf(facteur.EINVALID, "format.format: a spreadsheet holds at most %d columns and report %q has %d; choose csv or fewer fields", xlsxMaxCols, name, len(cols))
	}
	e := newXLSXEncoder(b.zw, cols, b.o)
	e.book, e.name = b, name
	b.cur = e
	return e, nil
}

// Close writes the workbook's parts and the zip's central directory,
// without closing the underlying writer. A workbook without any report
// fails.
func (b *XLSXWorkbook) Close() error {
	if b.err != nil {
		return b.err
	}
	if b.cur == nil || !b.cur.closed {
		return fmt.Errorf("xlsx: the workbook has no report, or its last sheet is not closed")
	}
	b.err = writeBook(b.zw, bufio.NewWriterSize(io.Discard, bufSize), b.names)
	return b.err
}

// Sheets returns the names of the sheets started so far, in order.
func (b *XLSXWorkbook) Sheets() []string { return b.names }

// first reports whether no sheet has been started in the workbook yet
// (always true for an encoder of its own).
func (b *XLSXWorkbook) first() bool { return b == nil || len(b.names) == 0 }

// add records the k-th sheet (from 1) of a report called name and returns
// its number in the workbook; an encoder of its own numbers its sheets
// itself.
func (b *XLSXWorkbook) add(name string, k int) int {
	if b == nil {
		return k
	}
	base := name
	if k > 1 {
		base = name + " (" + strconv.Itoa(k) + ")"
	}
	b.names = append(b.names, SheetName(base, b.used))
	return len(b.names)
}

// sheetNames are the names of an encoder's own sheets: Sheet1 … SheetN.
func sheetNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "Sheet" + strconv.Itoa(i+1)
	}
	return names
}

// maxSheetName is the longest sheet name Excel takes, in characters.
const maxSheetName = 31

// SheetName returns name made a valid sheet name, unique among used
// (compared as Excel does, regardless of case), and records it in used:
// the characters Excel forbids ([ ] : * ? / \) become "_", control
// characters are dropped, a leading or trailing apostrophe is removed,
// an empty name becomes "Sheet", the name is cut to 31 characters, and a
// name taken already gets " (2)", " (3)", … within those 31 characters.
func SheetName(name string, used map[string]bool) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "_") {
		switch {
		case strings.ContainsRune(`[]:*?/\`, r):
			b.WriteByte('_')
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	base := strings.Trim(b.String(), "' ")
	if base == "" || strings.EqualFold(base, "History") { // History is reserved by Excel
		base = "Sheet"
	}
	out := strings.TrimRight(cutRunes(base, maxSheetName), "' ")
	for i := 2; used[strings.ToUpper(out)]; i++ {
		suffix := " (" + strconv.Itoa(i) + ")"
		out = strings.TrimRight(cutRunes(base, maxSheetName-utf8.RuneCountInString(suffix)), "' ") + suffix
	}
	used[strings.ToUpper(out)] = true
	return out
}

// cutRunes cuts s to at most n characters.
func cutRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
