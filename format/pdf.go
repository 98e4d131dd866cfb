package format

import (
	"bytes"
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"

	"github.com/facteur/facteur"
)

// PDF row limits: a PDF is for people, and its pages are kept in memory
// until the file is written (fpdf writes the page count on every page).
const (
	// PDFDefaultRowLimit is the most rows a PDF holds when the schedule
	// sets no row_limit.
	PDFDefaultRowLimit = 50_000
	// PDFMaxRowLimit is the largest row_limit a PDF accepts.
	PDFMaxRowLimit = 100_000
)

// Page geometry, in millimetres, and type sizes, in points.
const (
	pdfMargin     = 10.0
	pdfPad        = 1.0
	pdfBodySize   = 8.0
	pdfLineHeight = 3.6
	pdfTitleSize  = 14.0
	pdfFooter     = 8.0
	pdfMinColumn  = 15.0 // narrower, a column shows too little of a value
	pdfMaxColumn  = 60.0
	pdfMaxLines   = 36 // lines of a cell: a row always fits on a page
	pdfHeadLines  = 4  // lines of a column's name
	portraitWidth = 210.0
	portraitHigh  = 297.0
)

// PDFEncoder writes rows as a table over A4 pages: the report's title, the
// run's time and period on the first page, the column names at the top of
// every page, "page N of M" at the bottom, and the report's chart on a
// last page when it has one. A report of more columns than fit across a
// landscape page prints each row as a block of name and value lines.
type PDFEncoder struct {
	w       io.Writer
	pdf     *fpdf.Fpdf
	t       Target
	cols    []facteur.Column
	text    *pdfText
	widths  []float64 // of the table's columns; nil for blocks
	pageW   float64
	pageH   float64
	y       float64
	limit   int64
	rows    int64
	chart   *chartData
	charted bool     // the chart's page is open: no column names on it
	sample  []pdfRow // the first rows, held until the layout is chosen
	closed  bool
	err     error
	started bool
}

// pdfRow is a row as printed: each value's text, and whether it is
// right-aligned (numbers).
type pdfRow struct {
	n     int64 // the row's number, from 1
	texts []string
	right []bool
}

// NewPDFEncoder returns an encoder that writes a PDF to w. It fails with
// EINVALID when t's chart names a column t.Cols does not have.
func NewPDFEncoder(w io.Writer, t Target) (*PDFEncoder, error) {
	e := &PDFEncoder{w: w, t: t, cols: t.Cols, limit: t.Options.RowLimit}
	if e.limit == 0 {
		e.limit = PDFDefaultRowLimit
	}
	if t.Chart != nil {
		d, err := newChartData(t.Cols, t.Chart, t.Title)
		if err != nil {
			return nil, err
		}
		e.chart = d
	}
	text, err := newPDFText()
	if err != nil {
		return nil, err
	}
	e.text = text
	return e, nil
}

// pageTop prints, on every new page, the title block (first page only)
// and the column names.
func (e *PDFEncoder) pageTop() {
	p := e.pdf
	e.y = pdfMargin
	if e.charted {
		return
	}
	if p.PageNo() == 1 {
		p.SetFont(pdfSans, "B", pdfTitleSize)
		title := e.text.clean(e.t.Title, 200)
		if title == "" {
			title = "Export"
		}
		p.Text(pdfMargin, e.y+5, title)
		e.y += 8
		p.SetFont(pdfSans, "", pdfBodySize+1)
		if !e.t.Time.IsZero() {
			p.Text(pdfMargin, e.y+3, "Run of "+e.t.Time.Format("2006-01-02 15:04 MST"))
			e.y += pdfLineHeight + 1
		}
		if pr := e.t.Period; pr != nil {
			p.Text(pdfMargin, e.y+3, e.text.clean(fmt.Sprintf("Rows with %s from %s to %s", pr.Column,
				pr.From.Format("2006-01-02 15:04 MST"), pr.To.Format("2006-01-02 15:04 MST")), 300))
			e.y += pdfLineHeight + 1
		}
		e.y += 2
	}
	p.SetFont(pdfSans, "B", pdfBodySize)
	p.SetFillColor(0xe8, 0xec, 0xf1)
	if e.widths == nil {
		e.row([]string{"Column", "Value"}, []bool{false, false}, e.blockWidths(), pdfHeadLines, true)
	} else {
		names := make([]string, len(e.cols))
		for i, c := range e.cols {
			names[i] = e.text.clean(c.Name, 200)
		}
		e.row(names, make([]bool, len(names)), e.widths, pdfHeadLines, true)
	}
	p.SetFont(pdfSans, "", pdfBodySize)
}

// pageBottom prints "page N of M".
func (e *PDFEncoder) pageBottom() {
	p := e.pdf
	p.SetFont(pdfSans, "", pdfBodySize)
	label := fmt.Sprintf("page %d of {nb}", p.PageNo())
	w, h := p.GetPageSize() // the chart's page may turn otherwise than the table's
	p.Text((w-p.GetStringWidth(label))/2, h-pdfFooter/2, label)
}

func (e *PDFEncoder) blockWidths() []float64 {
	room := e.pageW - 2*pdfMargin
	return []float64{room * 0.3, room * 0.7}
}

// bottom is the lowest a row may reach on a page.
func (e *PDFEncoder) bottom() float64 { return e.pageH - pdfMargin - pdfFooter }

// row lays out one line of the table: each text wrapped to its column's
// width (at most maxLines lines, the last one ending in "…" when cut),
// right-aligned where right says so, on a new page when it does not fit.
func (e *PDFEncoder) row(texts []string, right []bool, widths []float64, maxLines int, head bool) {
	p := e.pdf
	n := 1
	lines := make([][]string, 0, len(texts))
	for i, s := range texts {
		ls := p.SplitText(s, widths[i])
		if len(ls) > maxLines {
			ls = append(ls[:maxLines-1:maxLines-1], "…")
		}
		lines = append(lines, ls)
		n = max(n, len(ls))
	}
	h := float64(n)*pdfLineHeight + 2*pdfPad
	if !head && e.y+h > e.bottom() {
		e.pdf.AddPage() // pageTop prints the column names again
	}
	x := pdfMargin
	for i, ls := range lines {
		style := "D"
		if head {
			style = "FD"
		}
		p.Rect(x, e.y, widths[i], h, style)
		for j, l := range ls {
			lx := x + pdfPad
			if right[i] {
				lx = x + widths[i] - pdfPad - p.GetStringWidth(l)
			}
			p.Text(lx, e.y+pdfPad+float64(j+1)*pdfLineHeight-0.9, l)
		}
		x += widths[i]
	}
	e.y += h
}

// Write lays out one row. It fails past the row limit, saying to choose
// csv or xlsx.
func (e *PDFEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, len(e.cols)) {
		return rowError(len(row), len(kinds), len(e.cols))
	}
	if e.rows++; e.rows > e.limit {
		raise := ""
		if e.limit < PDFMaxRowLimit {
			raise = fmt.Sprintf(", or raise row_limit (at most %d)", PDFMaxRowLimit)
		}
		e.err = facteur.Errorf(facteur.EINVALID, "format.row_limit: the report has more than %d rows, too many to read on pages; choose csv or xlsx for a file of every row%s", e.limit, raise)
		return e.err
	}
	if e.chart != nil {
		if e.err = e.chart.add(row); e.err != nil {
			return e.err
		}
	}
	r := pdfRow{n: e.rows, texts: make([]string, len(row)), right: make([]bool, len(row))}
	for i, v := range row {
		r.texts[i] = e.text.cell(v)
		k := e.cols[i].Kind
		if kinds != nil {
			k = kinds[i]
		}
		r.right[i] = v != nil && (k == facteur.KindInt || k == facteur.KindDecimal || k == facteur.KindFloat)
	}
	if e.pdf == nil {
		if e.sample = append(e.sample, r); len(e.sample) < pdfSampleRows {
			return nil
		}
		e.layOut()
		return e.err
	}
	e.print(r)
	return e.err
}

// layOut chooses the layout from the rows held so far, opens the first
// page and prints them.
func (e *PDFEncoder) layOut() {
	e.layout(e.sample)
	e.start()
	for _, r := range e.sample {
		if e.print(r); e.err != nil {
			return
		}
	}
	e.sample = nil
}

// print lays out one row, as a line of the table or as a block.
func (e *PDFEncoder) print(r pdfRow) {
	if e.widths != nil {
		e.row(r.texts, r.right, e.widths, pdfMaxLines, false)
	} else {
		e.block(r)
	}
	if err := e.pdf.Error(); err != nil {
		e.err = fmt.Errorf("pdf: %w", err)
	}
}

// block prints a row as lines of a column's name and its value, under a
// line saying which row it is.
func (e *PDFEncoder) block(r pdfRow) {
	p := e.pdf
	if e.y+2*pdfLineHeight+4*pdfPad > e.bottom() {
		p.AddPage()
	}
	p.SetFont(pdfSans, "B", pdfBodySize)
	e.row([]string{fmt.Sprintf("Row %d", r.n), ""}, []bool{false, false}, e.blockWidths(), 1, false)
	p.SetFont(pdfSans, "", pdfBodySize)
	for i, s := range r.texts {
		e.row([]string{e.text.clean(e.cols[i].Name, 200), s}, []bool{false, r.right[i]}, e.blockWidths(), pdfMaxLines, false)
	}
}

// start opens the first page.
func (e *PDFEncoder) start() {
	if !e.started {
		e.started = true
		e.pdf.AddPage()
	}
}

// Close adds the chart page, if any, and writes the file. A second Close
// returns the result of the first.
func (e *PDFEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if e.pdf == nil {
		if e.layOut(); e.err != nil {
			return e.err
		}
	}
	if e.rows == 0 {
		e.pdf.Text(pdfMargin, e.y+pdfLineHeight, "No rows.")
	}
	if e.chart != nil {
		var img bytes.Buffer
		if e.err = e.chart.writePNG(&img); e.err != nil {
			return e.err
		}
		p := e.pdf
		e.charted = true
		p.AddPageFormat("L", fpdf.SizeType{Wd: portraitWidth, Ht: portraitHigh})
		p.RegisterImageOptionsReader("chart", fpdf.ImageOptions{ImageType: "PNG"}, &img)
		room := portraitHigh - 2*pdfMargin
		p.ImageOptions("chart", pdfMargin, pdfMargin, room, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	if err := e.pdf.Output(e.w); err != nil {
		e.err = fmt.Errorf("pdf: %w", err)
	}
	return e.err
}

// pdfFormat is the registration of PDF.
func pdfFormat() Format {
	return Format{
		Name: facteur.FormatPDF, Ext: "pdf", MediaType: "application/pdf",
		ForPeople: true, Chart: ChartOptional, MaxRowLimit: PDFMaxRowLimit,
		Help:    "a table over A4 pages with the report's chart, to print or read; at most row_limit rows (default 50,000)",
		Options: []string{OptionRowLimit},
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewPDFEncoder(w, t)
		},
	}
}
