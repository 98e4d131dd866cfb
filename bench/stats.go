package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sample is one measured run of one contender.
type Sample struct {
	Name  string  // the contender
	Rep   int     // the round, from 1
	Rows  int64   // rows the run reported (checked against the expected count)
	Wall  float64 // seconds, measured by the parent
	RSSKB int64   // peak resident set size of the client, KB
	CPU   float64 // user+system seconds of the client and its waited-for children
	Bytes int64   // size of the file written; -1 when it writes none
	Load0 float64 // 1-minute load average before the run
	Load1 float64 // and after
	Busy  float64 // share of all CPUs busy during the run, whole machine, %
	// Probe is the seconds a fixed piece of CPU work (probeWork) took just
	// before the run: how fast the machine was then.
	Probe  float64
	Stages []Stage // facteur's own stage timings, if it printed them
}

// Stage is one step of an export as facteur reports it.
type Stage struct {
	Name    string
	Seconds float64
}

// Spread is the median, minimum and maximum of a set of values.
type Spread struct {
	Median, Min, Max float64
}

// spread returns the median, minimum and maximum of xs; all zero when xs
// is empty.
func spread(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	m := s[n/2]
	if n%2 == 0 {
		m = (s[n/2-1] + s[n/2]) / 2
	}
	return Spread{Median: m, Min: s[0], Max: s[n-1]}
}

// Summary is what the samples of one contender come to.
type Summary struct {
	Name     string
	Runs     int
	Rows     int64
	Wall     Spread
	CPU      Spread
	Busy     Spread
	Probe    Spread
	LoadMin  float64
	LoadMax  float64
	MaxRSSKB int64
	Bytes    int64 // of the last run; -1 when the contender writes no file
	Stages   []Stage
}

// PerRow returns the median seconds per row, the unit ratios compare.
func (s Summary) PerRow() float64 {
	if s.Rows == 0 {
		return 0
	}
	return s.Wall.Median / float64(s.Rows)
}

// RowsPerSecond returns the median throughput.
func (s Summary) RowsPerSecond() float64 {
	if s.Wall.Median == 0 {
		return 0
	}
	return float64(s.Rows) / s.Wall.Median
}

// summarize gathers the samples of the contender name; ok is false when
// there are none.
func summarize(name string, samples []Sample) (sum Summary, ok bool) {
	var wall, cpu, busy, probe []float64
	stages := map[string][]float64{}
	var stageOrder []string
	sum = Summary{Name: name, Bytes: -1}
	for _, s := range samples {
		if s.Name != name {
			continue
		}
		if sum.Runs == 0 || min(s.Load0, s.Load1) < sum.LoadMin {
			sum.LoadMin = min(s.Load0, s.Load1)
		}
		sum.LoadMax = max(sum.LoadMax, s.Load0, s.Load1)
		sum.Runs++
		sum.Rows = s.Rows
		sum.MaxRSSKB = max(sum.MaxRSSKB, s.RSSKB)
		sum.Bytes = s.Bytes
		wall = append(wall, s.Wall)
		cpu = append(cpu, s.CPU)
		busy = append(busy, s.Busy)
		probe = append(probe, s.Probe)
		for _, st := range s.Stages {
			if _, seen := stages[st.Name]; !seen {
				stageOrder = append(stageOrder, st.Name)
			}
			stages[st.Name] = append(stages[st.Name], st.Seconds)
		}
	}
	if sum.Runs == 0 {
		return sum, false
	}
	sum.Wall, sum.CPU, sum.Busy, sum.Probe = spread(wall), spread(cpu), spread(busy), spread(probe)
	for _, n := range stageOrder {
		sum.Stages = append(sum.Stages, Stage{Name: n, Seconds: spread(stages[n]).Median})
	}
	return sum, true
}

// ratio returns how many times longer a row took in c than in base, on
// medians: seconds per row over seconds per row, so that runs on fewer
// rows (@SMALL) compare too. It returns 0 when either is unknown.
func ratio(c, base Summary) float64 {
	if c.PerRow() == 0 || base.PerRow() == 0 {
		return 0
	}
	return c.PerRow() / base.PerRow()
}

// ratioSpread returns ratio for the median and for the fastest and the
// slowest run of c, all against the median of base.
func ratioSpread(c, base Summary) Spread {
	b := base.PerRow()
	if b == 0 || c.Rows == 0 {
		return Spread{}
	}
	n := float64(c.Rows)
	return Spread{Median: c.Wall.Median / n / b, Min: c.Wall.Min / n / b, Max: c.Wall.Max / n / b}
}

// formatStages writes stages as "query=4ms;encode=4.307s".
func formatStages(stages []Stage) string {
	if len(stages) == 0 {
		return "-"
	}
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = fmt.Sprintf("%s=%s", s.Name, roundDuration(s.Seconds))
	}
	return strings.Join(parts, ";")
}

// roundDuration prints seconds the way facteur prints its stages: to the
// millisecond, or to the microsecond below one millisecond.
func roundDuration(seconds float64) time.Duration {
	d := time.Duration(seconds * float64(time.Second))
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
