package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart geometry.
const (
	chartWidth   = 10 * vg.Inch
	chartTitle   = 0.55 * vg.Inch // the band of the overall title
	panelExtra   = 1.05 * vg.Inch // a panel's title and axis
	barPitch     = 0.27 * vg.Inch // height per contender
	chartDPI     = 110
	chartTitleSz = 15
)

var (
	barColor      = color.RGBA{R: 0x4c, G: 0x78, B: 0xa8, A: 0xff}
	baselineColor = color.RGBA{R: 0x9a, G: 0x9a, B: 0x9a, A: 0xff}
	serveColor    = color.RGBA{R: 0xe4, G: 0x9a, B: 0x44, A: 0xff}
)

// writeChart draws one panel per database: a horizontal bar per
// contender, its median seconds per row as a multiple of the baseline's,
// with a whisker from its fastest to its slowest run, and writes it as a
// PNG.
func writeChart(w io.Writer, r *Report) error {
	var panels []*plot.Plot
	var heights []vg.Length
	for _, g := range r.Groups {
		p, n, err := groupPlot(g)
		if err != nil {
			return fmt.Errorf("chart of %s: %w", g.Title, err)
		}
		if n == 0 {
			continue
		}
		panels = append(panels, p)
		heights = append(heights, panelExtra+vg.Length(n)*barPitch)
	}
	height := chartTitle
	for _, h := range heights {
		height += h
	}
	img := vgimg.NewWith(vgimg.UseWH(chartWidth, height), vgimg.UseDPI(chartDPI))
	dc := draw.New(img)
	dc.FillText(text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, chartTitleSz),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}, vg.Point{X: chartWidth / 2, Y: height - chartTitle/2}, chartTitleText(r))
	top := height - chartTitle
	for i, p := range panels {
		c := dc
		c.Rectangle = vg.Rectangle{Min: vg.Point{X: 0, Y: top - heights[i]}, Max: vg.Point{X: chartWidth, Y: top}}
		p.Draw(draw.Crop(c, 0.1*vg.Inch, -0.3*vg.Inch, 0.05*vg.Inch, -0.05*vg.Inch))
		top -= heights[i]
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// chartTitleText says what was measured and when.
func chartTitleText(r *Report) string {
	parts := make([]string, len(r.Groups))
	for i, g := range r.Groups {
		parts[i] = fmt.Sprintf("%s %s rows", g.Title, thousands(g.Rows))
	}
	return fmt.Sprintf("facteur export, %s — %s", strings.Join(parts, ", "), r.Date.Format("2006-01-02"))
}

// groupPlot builds the panel of one database; n is its number of bars.
func groupPlot(g *Group) (p *plot.Plot, n int, err error) {
	base, ok := g.summary(g.Baseline)
	if !ok {
		return nil, 0, nil
	}
	sums := g.summaries()
	slices.Reverse(sums) // the first contender on top
	n = len(sums)
	values := make(plotter.Values, n)
	points := make(plotter.XYs, n)
	errs := make(plotter.XErrors, n)
	labels := make([]string, n)
	names := make([]string, n)
	maxX := 1.0
	for i, s := range sums {
		rs := ratioSpread(s, base)
		values[i] = rs.Median
		points[i] = plotter.XY{X: rs.Median, Y: float64(i)}
		errs[i].Low, errs[i].High = rs.Median-rs.Min, rs.Max-rs.Median
		labels[i] = fmt.Sprintf("%.2f×", rs.Median)
		names[i] = s.Name
		maxX = max(maxX, rs.Max)
	}

	p = plot.New()
	p.Title.Text = fmt.Sprintf("%s, %s rows: time per row against the baseline, median of %d run(s), whisker min–max",
		g.Title, thousands(g.Rows), g.Reps)
	p.Title.TextStyle.Font.Size = 12
	p.X.Label.Text = g.ChartLabel
	p.X.Min, p.X.Max = 0, maxX*1.12
	p.X.Tick.Marker = ratioTicks{}
	p.Y.Tick.Label.Font.Size = 10
	p.Add(plotter.NewGrid())

	bars, err := plotter.NewBarChart(values, barPitch*0.62)
	if err != nil {
		return nil, 0, err
	}
	bars.Horizontal = true
	bars.Color = barColor
	bars.LineStyle.Width = 0
	p.Add(bars)
	// Colour the baseline and the serve run apart by overdrawing them.
	for i, s := range sums {
		clr := color.Color(nil)
		switch s.Name {
		case g.Baseline, g.Second:
			clr = baselineColor
		case g.Serve:
			clr = serveColor
		}
		if clr == nil {
			continue
		}
		one := make(plotter.Values, n)
		one[i] = values[i]
		b, err := plotter.NewBarChart(one, barPitch*0.62)
		if err != nil {
			return nil, 0, err
		}
		b.Horizontal, b.Color, b.LineStyle.Width = true, clr, 0
		p.Add(b)
	}

	whiskers, err := plotter.NewXErrorBars(struct {
		plotter.XYs
		plotter.XErrors
	}{points, errs})
	if err != nil {
		return nil, 0, err
	}
	whiskers.CapWidth = barPitch * 0.35
	p.Add(whiskers)

	one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.6}, {X: 1, Y: float64(n) - 0.4}})
	if err != nil {
		return nil, 0, err
	}
	one.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	one.LineStyle.Color = color.Black
	p.Add(one)

	lab := make(plotter.XYs, n)
	for i := range lab {
		lab[i] = plotter.XY{X: points[i].X + errs[i].High, Y: float64(i)}
	}
	tags, err := plotter.NewLabels(plotter.XYLabels{XYs: lab, Labels: labels})
	if err != nil {
		return nil, 0, err
	}
	for i := range tags.TextStyle {
		tags.TextStyle[i].YAlign = draw.YCenter
		tags.TextStyle[i].Font.Size = 9
	}
	tags.Offset = vg.Point{X: vg.Points(4)}
	p.Add(tags)
	p.NominalY(names...)
	return p, n, nil
}

// ratioTicks marks the ratio axis every 0.25, 0.5, 1, 2… so that there
// are about eight marks, and always marks 1.
type ratioTicks struct{}

// Ticks returns the marks between lo and hi.
func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 0.25
	for (hi-lo)/step > 10 {
		step *= 2
	}
	var ticks []plot.Tick
	for v := 0.0; v <= hi; v += step / 2 {
		if v < lo {
			continue
		}
		t := plot.Tick{Value: v}
		if math.Mod(v, step) == 0 {
			t.Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// thousands writes n with comma separators: 5,000,000.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
