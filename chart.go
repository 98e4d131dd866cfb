package facteur

import (
	"strconv"
	"strings"
	"unicode"
)

// Chart types.
const (
	ChartLine = "line"
	ChartBar  = "bar"
)

// Bounds of a chart definition.
const (
	// MaxChartSeries is the most y columns a chart draws: more lines or
	// bars than a legend can tell apart help no one.
	MaxChartSeries = 8
	// MaxChartTitle is the longest chart title, in bytes.
	MaxChartTitle = 200
)

// Chart is how a report is drawn by the formats that draw one (png, and
// the chart page of pdf): the x column against one or more y columns.
type Chart struct {
	// Type is "line" or "bar".
	Type string `json:"type"`
	// X names the column of the horizontal axis: dates and times, numbers,
	// or text (categories, for bar charts).
	X string `json:"x"`
	// Y names the columns drawn against X, 1 to MaxChartSeries of them;
	// their values must be numbers (NULL leaves a gap).
	Y []string `json:"y"`
	// Title is printed above the chart; empty prints the report's name.
	Title string `json:"title,omitempty"`
}

// Validate checks the chart on its own and, when fields is not empty,
// that its columns are among them (a report that lists its fields). It
// fails with EINVALID naming the field (chart.x, chart.y[1], …).
func (c *Chart) Validate(fields []Field) error {
	if c.Type != ChartLine && c.Type != ChartBar {
		return Errorf(EINVALID, "chart.type: use %q or %q", ChartLine, ChartBar)
	}
	switch {
	case len(c.Title) > MaxChartTitle:
		return Errorf(EINVALID, "chart.title: at most %d bytes (this one has %d)", MaxChartTitle, len(c.Title))
	case strings.IndexFunc(c.Title, unicode.IsControl) >= 0:
		return Errorf(EINVALID, "chart.title: no line breaks, tabs or other control characters")
	case len(c.Y) == 0:
		return Errorf(EINVALID, "chart.y: name at least one column of numbers to draw")
	case len(c.Y) > MaxChartSeries:
		return Errorf(EINVALID, "chart.y: at most %d columns (this chart has %d)", MaxChartSeries, len(c.Y))
	}
	listed := make(map[string]bool, len(fields))
	for _, f := range fields {
		listed[f.Name] = true
	}
	check := func(field, name string) error {
		switch {
		case strings.TrimSpace(name) == "":
			return Errorf(EINVALID, "%s: name a column", field)
		case len(name) > MaxNameLen:
			return Errorf(EINVALID, "%s: at most %d bytes", field, MaxNameLen)
		case len(fields) > 0 && !listed[name]:
			return Errorf(EINVALID, "%s: the report has no field %q", field, name)
		}
		return nil
	}
	if err := check("chart.x", c.X); err != nil {
		return err
	}
	seen := make(map[string]bool, len(c.Y))
	for i, y := range c.Y {
		field := "chart.y[" + strconv.Itoa(i) + "]"
		if err := check(field, y); err != nil {
			return err
		}
		switch {
		case y == c.X:
			return Errorf(EINVALID, "%s: %q is the x column; draw another column against it", field, y)
		case seen[y]:
			return Errorf(EINVALID, "%s: column %q is listed twice", field, y)
		}
		seen[y] = true
	}
	return nil
}

// Columns returns the chart's x column then its y columns.
func (c *Chart) Columns() []string { return append([]string{c.X}, c.Y...) }
