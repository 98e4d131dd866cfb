package format_test

import (
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// readers are the independent readers of each registered format: a
// format registered without one here fails TestConformance.
var readers = map[string]formattest.Reader{
	"csv":     formattest.PythonCSV,
	"csv.zip": formattest.PythonCSVInZip,
	"json":    formattest.PythonJSON,
	"ndjson":  formattest.PythonNDJSON,
	"html":    formattest.Chromium,
	"txt":     formattest.PythonTextTable,
	"xml":     formattest.XMLLint,
	"parquet": formattest.DuckDB,
	"xlsx":    withOptions(formattest.Openpyxl, facteur.FormatOptions{XLSXDates: facteur.XLSXDatesText}), // dates as their text, to compare them
	"png":     formattest.PNGChart,
	"pdf":     formattest.Poppler,
}

func withOptions(r formattest.Reader, o facteur.FormatOptions) formattest.Reader {
	r.Options = o
	return r
}

// TestConformance runs the suite of formattest on every built-in format.
// It does not run in parallel: it measures the heap.
func TestConformance(t *testing.T) {
	for _, f := range format.Builtin().Formats() {
		t.Run(f.Name, func(t *testing.T) {
			rd, ok := readers[f.Name]
			if !ok {
				t.Fatalf("format %s has no independent reader in the conformance table (format/conformance_test.go)", f.Name)
			}
			formattest.Run(t, f, rd)
		})
	}
}

// TestConformancePDFChart runs the suite on PDF files of a report with a
// chart, its picture on their last page.
func TestConformancePDFChart(t *testing.T) {
	f, _ := format.Builtin().Lookup(facteur.FormatPDF)
	formattest.Run(t, f, formattest.PopplerChart)
}
