package format

import (
	"io"

	"github.com/facteur/facteur"
)

// PNGEncoder draws the report's chart from the rows and writes it as a PNG
// image at Close. It keeps at most MaxChartPoints rows.
type PNGEncoder struct {
	w      io.Writer
	data   *chartData
	ncols  int
	closed bool
	err    error
}

// NewPNGEncoder returns an encoder that draws chart c of rows of cols,
// titled c.Title or else title. It fails with EINVALID when there is no
// chart or it names a column cols does not have.
func NewPNGEncoder(w io.Writer, cols []facteur.Column, c *facteur.Chart, title string) (*PNGEncoder, error) {
	d, err := newChartData(cols, c, title)
	if err != nil {
		return nil, err
	}
	return &PNGEncoder{w: w, data: d, ncols: len(cols)}, nil
}

// Write keeps the row's points. It fails past MaxChartPoints rows and on
// a y value that is not a number.
func (e *PNGEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, e.ncols) {
		return rowError(len(row), len(kinds), e.ncols)
	}
	e.err = e.data.add(row)
	return e.err
}

// Close draws the chart and writes the image. A second Close returns the
// result of the first.
func (e *PNGEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	e.err = e.data.writePNG(e.w)
	return e.err
}

// pngFormat is the registration of PNG.
func pngFormat() Format {
	return Format{
		Name: facteur.FormatPNG, Ext: "png", MediaType: "image/png",
		ForPeople: true, Chart: ChartNeeded,
		Help: "the report's chart (line or bar) as a picture, for people; at most 10,000 rows",
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewPNGEncoder(w, t.Cols, t.Chart, t.Title)
		},
	}
}
