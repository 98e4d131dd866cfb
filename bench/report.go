package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is everything one run of the command measured.
type Report struct {
	Command string    // the command line that produced it
	Date    time.Time // when it started
	Machine string    // CPUs, RAM, versions
	Skipped []string  // databases left out, and why
	Groups  []*Group
	Chart   string // file name of the chart next to the markdown; "" for none
}

// Group is the benchmark of one database: its contenders, their samples
// and what to compare them with.
type Group struct {
	Title string // "PostgreSQL"
	Rows  int64  // rows in the table
	Reps  int
	Order []string // contenders, in the order they are listed
	// Baseline is the contender whose seconds per row are 1 in the
	// ratio column headed BaselineLabel ("× limit").
	Baseline, BaselineLabel string
	// Second, when set, gives a second ratio column (PostgreSQL: psql
	// \copy).
	Second, SecondLabel string
	// ChartLabel names what the chart's bars are multiples of.
	ChartLabel string
	Samples    []Sample
	Notes      []string   // said under the heading: table size, contenders left out
	Flatness   []FlatPair // peak RSS at fewer rows against all of them
	// Serve is the contender that went through facteur serve, ServeBase
	// the bare facteur export it is compared with; empty when none.
	Serve, ServeBase string
	// LoadBefore and LoadAfter are /proc/loadavg's three averages around
	// the whole group.
	LoadBefore, LoadAfter string
	Elapsed               time.Duration
}

// FlatPair names the two runs of one format whose peak RSS should match:
// on Small rows and on all of them.
type FlatPair struct {
	Format      string
	Small, Full string // contender names
}

// summaries returns the summary of every contender in order, leaving out
// those without samples.
func (g *Group) summaries() []Summary {
	var out []Summary
	for _, n := range g.Order {
		if s, ok := summarize(n, g.Samples); ok {
			out = append(out, s)
		}
	}
	return out
}

// summary returns the summary of one contender.
func (g *Group) summary(name string) (Summary, bool) {
	if name == "" {
		return Summary{}, false
	}
	return summarize(name, g.Samples)
}

// writeMarkdown writes the report as markdown.
func writeMarkdown(w io.Writer, r *Report) error {
	p := &printer{w: w}
	p.f("Produced by `%s` on %s. Compare ratios within one table, not seconds across tables or machines.\n\n",
		r.Command, r.Date.Format("2006-01-02 15:04 MST"))
	p.f("Machine: %s.\n\n", r.Machine)
	for _, s := range r.Skipped {
		p.f("Skipped: %s.\n\n", s)
	}
	if r.Chart != "" {
		p.f("![facteur export against each database's baseline, seconds per row, median with min–max](%s)\n\n", r.Chart)
	}
	for _, g := range r.Groups {
		writeGroup(p, g)
	}
	p.f("### Per run\n\n")
	p.f("Database, contender, rep, rows, wall s, peak RSS KB, CPU s, output bytes, load before, load after, machine busy %%, stages:\n\n")
	p.f("```\n")
	for _, g := range r.Groups {
		for _, s := range g.Samples {
			bytes := "-"
			if s.Bytes >= 0 {
				bytes = fmt.Sprint(s.Bytes)
			}
			p.f("%s\t%s\t%d\t%d\t%.3f\t%d\t%.2f\t%s\t%.2f\t%.2f\t%.0f\t%s\n", g.Title, s.Name, s.Rep, s.Rows, s.Wall,
				s.RSSKB, s.CPU, bytes, s.Load0, s.Load1, s.Busy, formatStages(s.Stages))
		}
	}
	p.f("```\n")
	return p.err
}

// writeGroup writes one database's section.
func writeGroup(p *printer, g *Group) {
	p.f("### %s: %d rows, %d run(s) each\n\n", g.Title, g.Rows, g.Reps)
	for _, n := range g.Notes {
		p.f("- %s\n", n)
	}
	p.f("- Measured in %.0f s.\n\n", g.Elapsed.Seconds())
	base, hasBase := g.summary(g.Baseline)
	second, hasSecond := g.summary(g.Second)
	head := "| contender | rows | median s (min–max) | rows/s | " + g.BaselineLabel + " |"
	rule := "|---|---:|---:|---:|---:|"
	if hasSecond {
		head += " " + g.SecondLabel + " |"
		rule += "---:|"
	}
	p.f("%s peak RSS MB | CPU s (client) | output MB |\n%s---:|---:|---:|\n", head, rule)
	sums := g.summaries()
	for _, s := range sums {
		p.f("| %s | %d | %.2f (%.2f–%.2f) | %.0f | %s |", mdCell(s.Name), s.Rows, s.Wall.Median, s.Wall.Min, s.Wall.Max,
			s.RowsPerSecond(), ratioCell(s, base, hasBase))
		if hasSecond {
			p.f(" %s |", ratioCell(s, second, true))
		}
		out := "–"
		if s.Bytes >= 0 {
			out = fmt.Sprintf("%.0f", float64(s.Bytes)/(1<<20))
		}
		p.f(" %.1f | %.2f | %s |\n", float64(s.MaxRSSKB)/1024, s.CPU.Median, out)
	}
	p.f("\n")
	writeFlatness(p, g)
	writeServe(p, g)
	p.f("Load (1-minute load average before and after each run; machine busy: share of all CPUs busy during the run, every process; " +
		"speed probe: the milliseconds a fixed piece of CPU work, SHA-256 over 32 MiB, took just before each run):\n\n")
	p.f("| contender | load min–max | machine busy %% median (min–max) | speed probe ms median (min–max) |\n|---|---:|---:|---:|\n")
	var probes []float64
	for _, s := range sums {
		p.f("| %s | %.2f–%.2f | %.0f (%.0f–%.0f) | %.0f (%.0f–%.0f) |\n", mdCell(s.Name), s.LoadMin, s.LoadMax, s.Busy.Median, s.Busy.Min, s.Busy.Max,
			s.Probe.Median*1000, s.Probe.Min*1000, s.Probe.Max*1000)
		probes = append(probes, s.Probe.Min, s.Probe.Max)
	}
	if all := spread(probes); all.Min > 0 {
		p.f("\nThe speed probe took %.0f to %.0f ms over the whole run: the same CPU work was up to %.2f× slower at times. "+
			"A contender's spread within that factor is the machine's, not its own.\n", all.Min*1000, all.Max*1000, all.Max/all.Min)
	}
	p.f("\nLoad average (1, 5, 15 min) before: %s; after: %s.\n\n", g.LoadBefore, g.LoadAfter)
}

// writeFlatness writes the memory-flatness table: the same format on
// fewer rows and on all of them should take the same memory.
func writeFlatness(p *printer, g *Group) {
	var rows []string
	var small, full int64
	for _, f := range g.Flatness {
		s, ok1 := g.summary(f.Small)
		l, ok2 := g.summary(f.Full)
		if !ok1 || !ok2 || s.MaxRSSKB == 0 {
			continue
		}
		small, full = s.Rows, l.Rows
		rows = append(rows, fmt.Sprintf("| %s | %.1f | %.1f | %.2f |\n", f.Format,
			float64(s.MaxRSSKB)/1024, float64(l.MaxRSSKB)/1024, float64(l.MaxRSSKB)/float64(s.MaxRSSKB)))
	}
	if len(rows) == 0 {
		return
	}
	p.f("Memory flatness (peak RSS of facteur export, MB):\n\n")
	p.f("| format | at %d rows | at %d rows | ratio |\n|---|---:|---:|---:|\n", small, full)
	for _, r := range rows {
		p.f("%s", r)
	}
	p.f("\n")
}

// writeServe writes what a scheduled run through facteur serve costs
// over the bare export, and where its time goes.
func writeServe(p *printer, g *Group) {
	s, ok := g.summary(g.Serve)
	if !ok {
		return
	}
	p.f("Scheduled run through `facteur serve` (Run now, polled every 50 ms; wall time from the POST to the run's finished_at; peak RSS and CPU are the serve process's, its peak reset before each run): ")
	if b, ok := g.summary(g.ServeBase); ok && b.Wall.Median > 0 {
		p.f("median %.2f s, **%.2f×** the bare `%s` (%.2f s)", s.Wall.Median, ratio(s, b), g.ServeBase, b.Wall.Median)
	} else {
		p.f("median %.2f s", s.Wall.Median)
	}
	if len(s.Stages) > 0 {
		parts := make([]string, len(s.Stages))
		for i, st := range s.Stages {
			parts[i] = fmt.Sprintf("%s %s", st.Name, roundDuration(st.Seconds))
		}
		p.f("; its stages (median): %s", strings.Join(parts, ", "))
	}
	p.f(".\n\n")
}

// ratioCell formats the ratio of s to base, or a dash.
func ratioCell(s, base Summary, ok bool) string {
	if !ok {
		return "–"
	}
	r := ratio(s, base)
	if r == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

// mdCell escapes what would break a table cell.
func mdCell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// printer writes formatted text and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
