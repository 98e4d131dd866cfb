package ui

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// runsChart draws the duration and the size of recent runs, oldest first,
// as an SVG of two bar rows (no script, no style attribute: the page's
// Content-Security-Policy allows it).
func runsChart(runs []runRow) template.HTML {
	var done []runRow
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].FinishedAt != nil && runs[i].StartedAt != nil {
			done = append(done, runs[i])
		}
	}
	if len(done) < 2 {
		return ""
	}
	if len(done) > 40 {
		done = done[len(done)-40:]
	}
	var maxDur time.Duration
	var maxBytes int64
	for _, r := range done {
		maxDur, maxBytes = max(maxDur, r.Duration()), max(maxBytes, r.Bytes)
	}
	// Each row: a label, then bars up to h high; at least 320 wide so the
	// labels fit.
	const w, h, gap, label = 12, 60, 4, 18
	width := max(len(done)*(w+gap), 320)
	height := 2 * (label + h + 10)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d">`,
		template.HTMLEscapeString(text("runs.chart")), width, height, width, height)
	row := func(top int, caption string, value func(runRow) float64, most float64, unit func(runRow) string, class string) {
		fmt.Fprintf(&b, `<text x="0" y="%d" class="chart-label">%s</text>`, top+12, template.HTMLEscapeString(caption))
		base := float64(top + label + h)
		for i, r := range done {
			bh := 1.0
			if most > 0 {
				bh = max(1, float64(h)*value(r)/most)
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" class="%s %s"><title>%s: %s</title></rect>`,
				i*(w+gap), base-bh, w, bh, class, r.Status, template.HTMLEscapeString(r.FileName), template.HTMLEscapeString(unit(r)))
		}
	}
	row(0, text("runs.chart.duration", humanDuration(maxDur)), func(r runRow) float64 { return float64(r.Duration()) }, float64(maxDur),
		func(r runRow) string { return humanDuration(r.Duration()) }, "bar-duration")
	row(label+h+10, text("runs.chart.size", humanBytes(maxBytes)), func(r runRow) float64 { return float64(r.Bytes) }, float64(maxBytes),
		func(r runRow) string { return humanBytes(r.Bytes) }, "bar-size")
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
