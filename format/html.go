package format

import (
	"bufio"
	"io"
	"strconv"
	"time"

	"github.com/facteur/facteur"
)

// HTMLOptions says how an HTML table is written.
type HTMLOptions struct {
	// Title names the page (<title> and <h1>); "Export" when empty.
	Title string
	// Time, when not zero, is printed under the title as the run's time.
	Time time.Time
	// Period, when not nil, is printed under the title: the time range
	// the rows were kept to.
	Period *facteur.Period
	// Neutralize prefixes text cells that start like a formula with an
	// apostrophe (see formula.go): a spreadsheet can open an HTML table.
	Neutralize bool
	// Fragment writes the table and the sentence that follows it, with
	// inline styles, and no document around them: the body of an e-mail
	// puts it in its own page. Title, Time and Period are not written.
	Fragment bool
	// MaxRows, when above 0, is the most rows the table shows: the rows
	// past it are counted, not written, and the sentence after the table
	// says how many were left out. 0 shows every row.
	MaxRows int64
}

// HTMLEncoder writes rows as an HTML5 table, streamed: a standalone page
// (title, the run's time and period, the table, the number of rows after
// it) or, with HTMLOptions.Fragment, the table alone for an e-mail body.
// See the package documentation for how values become cells.
type HTMLEncoder struct {
	bw      *bufio.Writer
	cols    []facteur.Column
	kinds   []facteur.Kind
	opts    HTMLOptions
	tdText  string // the start tag of a cell holding text
	tdNum   string // the start tag of a cell holding a number
	trStart string
	neutral neutralizer
	started bool
	rows    int64 // rows received
	closed  bool
	err     error
}

// NewHTMLEncoder returns an encoder that writes an HTML page (or fragment)
// to w. The page's head and the table's header are written with the first
// row or at Close.
func NewHTMLEncoder(w io.Writer, cols []facteur.Column, o HTMLOptions) *HTMLEncoder {
	e := &HTMLEncoder{
		bw:      bufio.NewWriterSize(w, bufSize),
		cols:    cols,
		kinds:   make([]facteur.Kind, len(cols)),
		opts:    o,
		tdText:  "<td>",
		tdNum:   `<td class="n">`,
		trStart: "<tr>",
		neutral: newNeutralizer(cols, o.Neutralize),
	}
	if o.Fragment {
		// E-mail clients drop style sheets: each cell carries its style.
		e.tdText = `<td style="` + htmlCellStyle + `">`
		e.tdNum = `<td style="` + htmlCellStyle + `;text-align:right">`
	}
	for i, c := range cols {
		e.kinds[i] = c.Kind
	}
	return e
}

// Rows returns the number of rows written so far, those left out included.
func (e *HTMLEncoder) Rows() int64 { return e.rows }

// LeftOut returns the number of rows past HTMLOptions.MaxRows, counted but
// not shown.
func (e *HTMLEncoder) LeftOut() int64 {
	if e.opts.MaxRows > 0 && e.rows > e.opts.MaxRows {
		return e.rows - e.opts.MaxRows
	}
	return 0
}

// The styles of the page, and of a fragment's cells. Cells keep their line
// breaks and runs of spaces (pre-wrap) and wrap at 30em, breaking a word
// only when it is longer; a table wider than the screen scrolls sideways
// in its region rather than squeezing its columns.
const (
	htmlCellStyle = "border:1px solid #c8c8c8;padding:4px 8px;vertical-align:top;white-space:pre-wrap;overflow-wrap:break-word;max-width:30em"
	htmlStyle     = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1rem;color:#1a1a1a;background:#fff;line-height:1.4}` +
		`h1{font-size:1.4rem;margin:0 0 .5rem}p{margin:.25rem 0}.scroll{overflow-x:auto;margin:1rem 0}` +
		`table{border-collapse:collapse;font-size:.9rem}` +
		`th,td{border:1px solid #c8c8c8;padding:4px 8px;text-align:left;vertical-align:top;white-space:pre-wrap;overflow-wrap:break-word;max-width:30em}` +
		`th{background:#eef1f5;position:sticky;top:0}tbody tr:nth-child(even){background:#f7f8fa}` +
		`.n{text-align:right;font-variant-numeric:tabular-nums}`
)

// numeric reports whether values of kind k are right-aligned.
func numeric(k facteur.Kind) bool {
	return k == facteur.KindInt || k == facteur.KindDecimal || k == facteur.KindFloat
}

// start writes the page's head, its title, time and period, and the
// table's header row.
func (e *HTMLEncoder) start() {
	e.started = true
	title := e.opts.Title
	if title == "" {
		title = "Export"
	}
	if !e.opts.Fragment {
		e.bw.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
		writeHTMLText(e.bw, []byte(title))
		e.bw.WriteString("</title>\n<style>" + htmlStyle + "</style>\n</head>\n<body>\n<h1 id=\"title\">")
		writeHTMLText(e.bw, []byte(title))
		e.bw.WriteString("</h1>\n")
		if !e.opts.Time.IsZero() {
			e.bw.WriteString(`<p>Run of <time datetime="` + e.opts.Time.Format(time.RFC3339) + `">`)
			e.bw.WriteString(e.opts.Time.Format("2006-01-02 15:04 MST") + "</time></p>\n")
		}
		if p := e.opts.Period; p != nil {
			e.bw.WriteString("<p>")
			writeHTMLText(e.bw, []byte(PeriodText(p)))
			e.bw.WriteString("</p>\n")
		}
		e.bw.WriteString("<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"title\">\n<table>\n")
	} else {
		e.bw.WriteString(`<table style="border-collapse:collapse;font-family:sans-serif;font-size:14px">` + "\n")
	}
	e.bw.WriteString("<thead><tr>")
	for _, c := range e.cols {
		switch {
		case e.opts.Fragment && numeric(c.Kind):
			e.bw.WriteString(`<th scope="col" style="` + htmlCellStyle + `;background:#eef1f5;text-align:right">`)
		case e.opts.Fragment:
			e.bw.WriteString(`<th scope="col" style="` + htmlCellStyle + `;background:#eef1f5;text-align:left">`)
		case numeric(c.Kind):
			e.bw.WriteString(`<th scope="col" class="n">`)
		default:
			e.bw.WriteString(`<th scope="col">`)
		}
		writeHTMLText(e.bw, []byte(c.Name))
		e.bw.WriteString("</th>")
	}
	e.bw.WriteString("</tr></thead>\n<tbody>\n")
}

// Write writes one row; a NULL is an empty cell.
func (e *HTMLEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
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
	e.rows++
	if e.opts.MaxRows > 0 && e.rows > e.opts.MaxRows {
		return nil
	}
	if kinds == nil {
		kinds = e.kinds
	}
	e.bw.WriteString(e.trStart)
	for i, v := range row {
		k := kinds[i]
		if numeric(k) {
			e.bw.WriteString(e.tdNum)
		} else {
			e.bw.WriteString(e.tdText)
		}
		if v != nil {
			writeHTMLText(e.bw, e.neutral.value(k, v))
		}
		e.bw.WriteString("</td>")
	}
	_, e.err = e.bw.WriteString("</tr>\n")
	return e.err
}

// Close ends the table, says how many rows there were (and how many were
// left out), ends the page and flushes. A second Close returns the result
// of the first.
func (e *HTMLEncoder) Close() error {
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
	e.bw.WriteString("</tbody>\n</table>\n")
	if !e.opts.Fragment {
		e.bw.WriteString("</div>\n<p>")
	} else {
		e.bw.WriteString(`<p style="font-family:sans-serif;font-size:14px">`)
	}
	e.bw.WriteString(RowCountText(e.rows, e.LeftOut()))
	e.bw.WriteString("</p>\n")
	if !e.opts.Fragment {
		e.bw.WriteString("</body>\n</html>\n")
	}
	e.err = e.bw.Flush()
	return e.err
}

// RowCountText says how many rows a table has, and how many of them were
// left out: "1 row", "8 rows", "1,200 rows, of which 200 are left out".
// The HTML and text tables end with it.
func RowCountText(rows, leftOut int64) string {
	s := groupDigits(rows) + " rows"
	if rows == 1 {
		s = "1 row"
	}
	switch {
	case leftOut == 1:
		s += "; the last one is left out"
	case leftOut > 1:
		s += "; the last " + groupDigits(leftOut) + " are left out"
	}
	return s
}

// groupDigits writes n with a comma between each group of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// PeriodText says which time range rows were kept to, for people:
// "Rows with created from 2024-03-01 00:00:00 CET to 2024-04-01 00:00:00
// CEST"; an open bound is left out ("… from …", "… before …").
func PeriodText(p *facteur.Period) string {
	const layout = "2006-01-02 15:04:05 MST"
	s := "Rows with " + p.Column
	switch {
	case !p.From.IsZero() && !p.To.IsZero():
		return s + " from " + p.From.Format(layout) + " to " + p.To.Format(layout)
	case !p.From.IsZero():
		return s + " from " + p.From.Format(layout)
	case !p.To.IsZero():
		return s + " before " + p.To.Format(layout)
	}
	return s + " at any time"
}

// htmlFormat is the registration of HTML.
func htmlFormat() Format {
	return Format{
		Name: "html", Ext: "html", MediaType: "text/html; charset=utf-8",
		Compressible: true, ForPeople: true,
		Help: "a web page with the report's title, run time and a table of every row, for browsers",
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewHTMLEncoder(w, t.Cols, HTMLOptions{Title: t.Title, Time: t.Time, Period: t.Period, Neutralize: t.Options.Neutralize}), nil
		},
	}
}
