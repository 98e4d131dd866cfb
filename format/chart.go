package format

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/facteur/facteur"
)

// MaxChartPoints is the most rows a chart draws: every y column is one
// series, and a series of more points than a picture has pixels says no
// more. A report with more rows is aggregated in its SQL (by day, by
// week) before it is drawn.
const MaxChartPoints = 10_000

// The size of a chart: 1200 × 750 pixels at 100 dots per inch.
const (
	chartWidth  = 12 * vg.Inch
	chartHeight = 7.5 * vg.Inch
	chartDPI    = 100
	// chartLabelRunes is the most characters of a category's label.
	chartLabelRunes = 40
)

// chartColors tell the series apart, one colour each (facteur.MaxChartSeries).
var chartColors = []color.RGBA{
	{0x4c, 0x78, 0xa8, 0xff}, {0xf5, 0x85, 0x18, 0xff}, {0x54, 0xa2, 0x4b, 0xff}, {0xe4, 0x57, 0x56, 0xff},
	{0x72, 0xb7, 0xb2, 0xff}, {0xb2, 0x79, 0xa2, 0xff}, {0x9d, 0x75, 0x5d, 0xff}, {0x79, 0x70, 0x6e, 0xff},
}

// xAxis is how a chart reads its x column.
type xAxis uint8

const (
	xNumber xAxis = iota
	xTime
	xText
)

// chartData keeps the points of a chart while rows are written: at most
// MaxChartPoints rows, so its memory is bounded whatever the export.
type chartData struct {
	chart  facteur.Chart
	title  string
	xi     int
	yi     []int
	cols   []facteur.Column
	axis   xAxis
	xs     []float64
	labels []string
	ys     [][]float64 // one series per y column; NaN for NULL
	rows   int64
}

// newChartData prepares the chart c of rows of cols. It fails with
// EINVALID when c is nil or names a column the export does not have.
func newChartData(cols []facteur.Column, c *facteur.Chart, title string) (*chartData, error) {
	if c == nil {
		return nil, facteur.Errorf(facteur.EINVALID, "chart: the report has no chart; define one in the report (type, x and y columns) or choose another format")
	}
	if err := c.Validate(nil); err != nil {
		return nil, err
	}
	d := &chartData{chart: *c, title: c.Title, cols: cols, xi: -1}
	if d.title == "" {
		d.title = title
	}
	find := func(field, name string) (int, error) {
		for i, col := range cols {
			if col.Name == name {
				return i, nil
			}
		}
		return 0, facteur.Errorf(facteur.EINVALID, "%s: the export has no column %q; include it (a sensitive or extra field must be ticked in the schedule)", field, name)
	}
	var err error
	if d.xi, err = find("chart.x", c.X); err != nil {
		return nil, err
	}
	for i, y := range c.Y {
		j, err := find(fmt.Sprintf("chart.y[%d]", i), y)
		if err != nil {
			return nil, err
		}
		d.yi = append(d.yi, j)
	}
	d.axis = axisOf(cols[d.xi].Kind)
	if c.Type == facteur.ChartBar {
		d.axis = xText // one group of bars per row, labelled with x's text
	}
	d.ys = make([][]float64, len(d.yi))
	return d, nil
}

func axisOf(k facteur.Kind) xAxis {
	switch k {
	case facteur.KindInt, facteur.KindDecimal, facteur.KindFloat:
		return xNumber
	case facteur.KindDate, facteur.KindDateTime, facteur.KindTimestamp:
		return xTime
	}
	return xText
}

// add keeps the points of one row. A row whose x is NULL or cannot be read
// as the column's kind is left out of a number or time axis; a y that is
// NULL leaves a gap; a y that is not a number fails, naming its column and
// row.
func (d *chartData) add(row [][]byte) error {
	d.rows++
	if d.rows > MaxChartPoints {
		return facteur.Errorf(facteur.EINVALID, "chart: more than %d rows to draw; aggregate them in the report's SQL (by day, week or category) so that each point says something", MaxChartPoints)
	}
	xv := row[d.xi]
	var x float64
	switch d.axis {
	case xText:
		x = float64(len(d.labels))
		d.labels = append(d.labels, chartLabel(xv))
	case xNumber:
		f, err := strconv.ParseFloat(string(xv), 64)
		if xv == nil || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		x = f
	case xTime:
		t, ok := parseChartTime(xv)
		if !ok {
			return nil
		}
		x = float64(t.Unix()) + float64(t.Nanosecond())/1e9
	}
	d.xs = append(d.xs, x)
	for s, j := range d.yi {
		y := math.NaN()
		if v := row[j]; v != nil {
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil || math.IsInf(f, 0) {
				return facteur.Errorf(facteur.EINVALID, "chart.y[%d]: column %q, row %d: %s is not a number the chart can draw", s, d.cols[j].Name, d.rows, strconv.Quote(chartLabel(v)))
			}
			y = f
		}
		d.ys[s] = append(d.ys[s], y)
	}
	return nil
}

// chartLabel is the text of a category: its first chartLabelRunes
// characters, valid UTF-8, "NULL" for NULL.
func chartLabel(v []byte) string {
	if v == nil {
		return "NULL"
	}
	s := []rune(string(v))
	if len(s) > chartLabelRunes {
		return string(s[:chartLabelRunes-1]) + "…"
	}
	if !utf8.Valid(v) {
		return string(s)
	}
	return string(v)
}

// parseChartTime reads a date, a date-time or a timestamp as Facteur
// renders them; a date-time without zone is read as UTC.
func parseChartTime(v []byte) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, string(v)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// plot builds the chart from the points kept.
func (d *chartData) plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = d.title
	p.Title.TextStyle.Font.Size = 16
	p.X.Label.Text = d.chart.X
	if len(d.yi) == 1 {
		p.Y.Label.Text = d.chart.Y[0]
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	switch d.axis {
	case xTime:
		p.X.Tick.Marker = plot.TimeTicks{Format: timeTickFormat(d.cols[d.xi].Kind)}
	case xText:
		if len(d.labels) > 0 && len(d.labels) <= 60 {
			p.NominalX(d.labels...)
		} else {
			p.X.Tick.Marker = plot.ConstantTicks(nil)
		}
	}
	if len(d.xs) == 0 {
		// Nothing to draw: the axes and the title say so.
	} else if d.chart.Type == facteur.ChartBar {
		if err := d.bars(p); err != nil {
			return nil, err
		}
	} else if err := d.lines(p); err != nil {
		return nil, err
	}
	if len(d.xs) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return p, nil
	}
	// A margin around the points, so that the highest bar or point and the
	// outer bars of a group are not cut by the frame.
	pad := (p.Y.Max - p.Y.Min) * 0.05
	p.Y.Max += pad
	if p.Y.Min < 0 || d.chart.Type == facteur.ChartLine {
		p.Y.Min -= pad
	}
	if d.axis == xText {
		p.X.Min, p.X.Max = p.X.Min-0.5, p.X.Max+0.5
	}
	return p, nil
}

func timeTickFormat(k facteur.Kind) string {
	if k == facteur.KindDate {
		return "2006-01-02"
	}
	return "2006-01-02\n15:04"
}

// lines draws each series as a line, broken where y is NULL.
func (d *chartData) lines(p *plot.Plot) error {
	for s, ys := range d.ys {
		style := draw.LineStyle{Color: chartColors[s], Width: vg.Points(1.5)}
		var seg plotter.XYs
		legend := false
		flush := func() error {
			if len(seg) == 0 {
				return nil
			}
			l, err := plotter.NewLine(seg)
			if err != nil {
				return fmt.Errorf("chart: %w", err)
			}
			l.LineStyle = style
			p.Add(l)
			if len(seg) == 1 { // a lone point between gaps shows as a dot
				dot, err := plotter.NewScatter(seg)
				if err != nil {
					return fmt.Errorf("chart: %w", err)
				}
				dot.GlyphStyle.Color, dot.GlyphStyle.Radius, dot.GlyphStyle.Shape = style.Color, vg.Points(2), draw.CircleGlyph{}
				p.Add(dot)
			}
			if !legend {
				p.Legend.Add(d.chart.Y[s], l)
				legend = true
			}
			seg = nil
			return nil
		}
		for i, y := range ys {
			if math.IsNaN(y) {
				if err := flush(); err != nil {
					return err
				}
				continue
			}
			seg = append(seg, plotter.XY{X: d.xs[i], Y: y})
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// bars draws one group of bars per row, a bar per series; a NULL draws none.
func (d *chartData) bars(p *plot.Plot) error {
	n := len(d.ys)
	width := vg.Points(40)
	if len(d.xs) > 0 {
		width = min(width, (chartWidth-vg.Inch)/vg.Length(len(d.xs)*n+len(d.xs)))
	}
	for s, ys := range d.ys {
		vals := make(plotter.Values, len(ys))
		for i, y := range ys {
			if !math.IsNaN(y) {
				vals[i] = y
			}
		}
		b, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return fmt.Errorf("chart: %w", err)
		}
		b.Color, b.LineStyle.Width = chartColors[s], 0
		b.Offset = width * vg.Length(2*s-n+1) / 2
		p.Add(b)
		p.Legend.Add(d.chart.Y[s], b)
	}
	return nil
}

// writePNG draws the chart and writes it as a PNG of chartWidth ×
// chartHeight. The same points give the same bytes: the fonts are the
// embedded Liberation fonts and the rasteriser has no randomness.
func (d *chartData) writePNG(w io.Writer) error {
	p, err := d.plot()
	if err != nil {
		return err
	}
	img := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.Crop(draw.New(img), 0.15*vg.Inch, -0.15*vg.Inch, 0.1*vg.Inch, -0.15*vg.Inch))
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		return fmt.Errorf("chart: write png: %w", err)
	}
	return nil
}
