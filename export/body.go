package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// Body asks an export for the first rows of the report as the text of a
// mail, besides the file: an HTML table (a fragment an e-mail puts in its
// page) and its plain-text version, each ending with the number of rows
// and how many were left out.
type Body struct {
	// MaxRows is the most rows the tables show; the others are counted.
	MaxRows int64
	// HTMLPath and TextPath are where the tables are spooled. They appear
	// only once the export is complete, as the file does.
	HTMLPath, TextPath string
	// Chart, when not nil, is also drawn (as in the png format) to
	// ChartPath, for the HTML part to show above the table. A chart that
	// cannot be drawn (a value that is not a number, too many rows) is
	// left out: the tables and the file are still sent, and Result.Note
	// says why.
	Chart     *facteur.Chart
	Title     string
	ChartPath string
}

// BodyPaths returns where the body of the file spooled at path is kept:
// beside it, under names that the spool's pruning ties to the same run.
func BodyPaths(path string) (html, text, chart string) {
	return path + ".body.html", path + ".body.txt", path + ".body.png"
}

// ColumnsPath returns where the report's columns of the file spooled at
// path are kept, as JSON, for destinations that load the rows into a
// typed table: beside it, pruned with it.
func ColumnsPath(path string) string { return path + ".columns.json" }

// writeColumns keeps the report's columns beside the spooled file, under
// a temporary name first, so that a crash leaves the whole list or none.
func writeColumns(path string, cols []facteur.Column) error {
	b, err := json.Marshal(cols)
	if err != nil {
		return err
	}
	tmp := ColumnsPath(path) + ".partial"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, ColumnsPath(path))
}

// readColumns returns the columns kept beside the spooled file, nil when
// there are none.
func readColumns(path string) []facteur.Column {
	b, err := os.ReadFile(ColumnsPath(path))
	if err != nil {
		return nil
	}
	var cols []facteur.Column
	if json.Unmarshal(b, &cols) != nil {
		return nil
	}
	return cols
}

// bodyWriter writes the two tables of a Body as the rows go by.
type bodyWriter struct {
	spec  *Body
	files [3]*os.File // html, text and the chart when there is one
	bufs  [3]*bufio.Writer
	html  *format.HTMLEncoder
	text  *format.TextEncoder
	chart *format.PNGEncoder // nil without a chart, or once it failed
	// note says why the chart was left out, "" when it was not.
	note string
}

// newBodyWriter creates the temporary files of b's tables, for the
// columns cols. A nil b gives a nil writer, whose methods do nothing.
func newBodyWriter(b *Body, cols []facteur.Column) (*bodyWriter, error) {
	if b == nil {
		return nil, nil
	}
	w := &bodyWriter{spec: b}
	for i, path := range b.paths() {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
		if err != nil {
			w.abort()
			return nil, spoolError(filepath.Dir(path), fmt.Errorf("create mail body: %w", err))
		}
		w.files[i], w.bufs[i] = f, bufio.NewWriter(f)
	}
	w.html = format.NewHTMLEncoder(w.bufs[0], cols, format.HTMLOptions{Fragment: true, MaxRows: b.MaxRows})
	w.text = format.NewTextEncoder(w.bufs[1], cols, format.TextOptions{MaxRows: b.MaxRows, LeftOut: true})
	if b.Chart != nil {
		var err error
		if w.chart, err = format.NewPNGEncoder(w.bufs[2], cols, b.Chart, b.Title); err != nil {
			w.leaveOutChart(err)
		}
	}
	return w, nil
}

// paths are where the body's parts go, the chart's only when there is one.
func (b *Body) paths() []string {
	if b.Chart == nil {
		return []string{b.HTMLPath, b.TextPath}
	}
	return []string{b.HTMLPath, b.TextPath, b.ChartPath}
}

// leaveOutChart gives up the chart for the reason err.
func (w *bodyWriter) leaveOutChart(err error) {
	w.chart = nil
	w.note = "The chart is left out of the mail: " + facteur.ErrorMessage(err)
	if f := w.files[2]; f != nil {
		f.Close()
		os.Remove(f.Name())
		w.files[2] = nil
	}
}

// write adds a row to both tables; past MaxRows they only count it.
func (w *bodyWriter) write(row [][]byte, kinds []facteur.Kind) error {
	if w == nil {
		return nil
	}
	if err := w.html.Write(row, kinds); err != nil {
		return fmt.Errorf("mail body: %w", err)
	}
	if err := w.text.Write(row, kinds); err != nil {
		return fmt.Errorf("mail body: %w", err)
	}
	if w.chart != nil {
		if err := w.chart.Write(row, kinds); err != nil {
			w.leaveOutChart(err)
		}
	}
	return nil
}

// commit finishes both tables and moves them to their paths.
func (w *bodyWriter) commit() error {
	if w == nil {
		return nil
	}
	if err := w.html.Close(); err != nil {
		w.abort()
		return encodeError(fmt.Errorf("finish mail body: %w", err))
	}
	if err := w.text.Close(); err != nil {
		w.abort()
		return encodeError(fmt.Errorf("finish mail body: %w", err))
	}
	if w.chart != nil {
		if err := w.chart.Close(); err != nil {
			w.leaveOutChart(err)
		}
	}
	for i, path := range w.spec.paths() {
		f := w.files[i]
		if f == nil {
			continue // the chart, left out
		}
		err := w.bufs[i].Flush()
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), path)
		}
		if err != nil {
			w.abort()
			return spoolError(filepath.Dir(path), fmt.Errorf("write mail body: %w", err))
		}
		w.files[i] = nil
	}
	return nil
}

// abort removes what is left of the tables' files.
func (w *bodyWriter) abort() {
	if w == nil {
		return
	}
	for i, f := range w.files {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
			w.files[i] = nil
		}
	}
}
