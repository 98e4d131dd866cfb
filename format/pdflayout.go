package format

import (
	"slices"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/facteur/facteur"
)

// pdfSampleRows is how many of the first rows the table's layout is
// measured on: they are held until then (each value cut to
// PDFMaxCellRunes characters), or until Close for a shorter report.
const pdfSampleRows = 200

// layout chooses the page's orientation and the columns' widths from the
// first rows: each column as wide as most of its values (nine in ten) or
// its name, within pdfMinColumn and pdfMaxColumn, or as its kind's values
// usually are when there are no rows; landscape when portrait is too
// narrow, narrowed to fit landscape, and blocks when even pdfMinColumn
// is too wide. Room left on the page goes first to the columns whose
// values would wrap, up to the width of their widest, then to all (see
// widen).
func (e *PDFEncoder) layout(sample []pdfRow) {
	orientation := "P"
	e.pageW, e.pageH = portraitWidth, portraitHigh
	measure := fpdf.New("P", "mm", "A4", "")
	e.text.addFonts(measure)
	natural := make([]float64, len(e.cols)) // nine in ten values fit
	widest := make([]float64, len(e.cols))  // every value fits
	measure.SetFont(pdfSans, "", pdfBodySize)
	for i, c := range e.cols {
		natural[i], widest[i] = valuesWidth(measure, sample, i)
		if len(sample) == 0 {
			natural[i], widest[i] = kindWidth(c.Kind), kindWidth(c.Kind)
		}
	}
	measure.SetFont(pdfSans, "B", pdfBodySize)
	widths := make([]float64, len(e.cols))
	sum := 0.0
	for i, c := range e.cols {
		name := measure.GetStringWidth(e.text.clean(c.Name, 60)) + 2*pdfPad
		natural[i] = max(natural[i], name, pdfMinColumn)
		widest[i] = max(widest[i], natural[i])
		widths[i] = min(natural[i], pdfMaxColumn)
		sum += widths[i]
	}
	room := func() float64 { return e.pageW - 2*pdfMargin }
	switch {
	case sum <= room():
		e.widths = widths
	case float64(len(e.cols))*pdfMinColumn <= portraitHigh-2*pdfMargin:
		orientation, e.pageW, e.pageH = "L", portraitHigh, portraitWidth
		if sum > room() {
			fitWidths(widths, room())
		}
		e.widths = widths
	}
	if e.widths != nil {
		widen(e.widths, widest, room())
	}
	e.pdf = fpdf.New(orientation, "mm", "A4", "")
	p := e.pdf
	e.text.addFonts(p)
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(false, 0)
	p.AliasNbPages("{nb}")
	p.SetCatalogSort(true)
	when := e.t.Time
	if when.IsZero() {
		when = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // the same bytes for the same rows
	}
	p.SetCreationDate(when)
	p.SetModificationDate(when)
	p.SetTitle(e.t.Title, true)
	p.SetCreator("Facteur", true)
	p.SetProducer("Facteur", true)
	p.SetHeaderFunc(e.pageTop)
	p.SetFooterFunc(e.pageBottom)
}

// valuesWidth returns the widths that nine in ten of column i's values
// in sample fit on one line (their longest line), and that all of them
// do, padding included; 0 when the column holds no text there.
func valuesWidth(p *fpdf.Fpdf, sample []pdfRow, i int) (ninety, all float64) {
	ws := make([]float64, 0, len(sample))
	for _, r := range sample {
		w := 0.0
		for line := range strings.SplitSeq(r.texts[i], "\n") {
			w = max(w, p.GetStringWidth(line))
		}
		if w > 0 {
			ws = append(ws, w+2*pdfPad+0.5) // a little more than the text: fpdf splits at the width
		}
	}
	if len(ws) == 0 {
		return 0, 0
	}
	slices.Sort(ws)
	return ws[(len(ws)*9+9)/10-1], ws[len(ws)-1]
}

// widen gives the room widths leave on the page to the columns narrower
// than their natural width, in proportion to what each lacks and up to
// it; what is still left goes to every column in proportion to its width,
// so that the table spans the page and the later rows' longer values
// (larger numbers, longer names) wrap less.
func widen(widths, natural []float64, room float64) {
	free, lack := room, 0.0
	for i, w := range widths {
		free -= w
		lack += max(natural[i]-w, 0)
	}
	if free <= 0 {
		return
	}
	if lack > 0 {
		share := min(free/lack, 1)
		for i, w := range widths {
			widths[i] = w + max(natural[i]-w, 0)*share
			free -= max(natural[i]-w, 0) * share
		}
	}
	sum := room - free
	if free <= 0.01 || sum <= 0 {
		return
	}
	for i, w := range widths {
		widths[i] = w + free*w/sum
	}
}

// fitWidths narrows widths to sum to room, each at least pdfMinColumn.
func fitWidths(widths []float64, room float64) {
	for range 8 {
		sum, free := 0.0, 0.0
		for _, w := range widths {
			sum += w
			free += w - pdfMinColumn
		}
		if sum <= room+0.01 || free <= 0 {
			return
		}
		cut := (sum - room) / free
		for i, w := range widths {
			widths[i] = w - (w-pdfMinColumn)*min(cut, 1)
		}
	}
}

// kindWidth is the usual width of a kind's values at pdfBodySize, in mm:
// the width of a column of a report without rows.
func kindWidth(k facteur.Kind) float64 {
	switch k {
	case facteur.KindBool, facteur.KindTime:
		return 16
	case facteur.KindInt, facteur.KindDate:
		return 20
	case facteur.KindFloat, facteur.KindDecimal:
		return 26
	case facteur.KindDateTime:
		return 32
	case facteur.KindTimestamp:
		return 40
	}
	return 45
}
