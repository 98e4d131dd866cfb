package export_test

import (
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format/formattest"
)

// tableReaders are the independent readers of the formats whose every
// value is text (HTML, plain text, XML), from the conformance suite:
// Chromium with the Nu Html Checker, Python by the columns' positions,
// xmllint with Python's xml.etree.
var tableReaders = map[string]formattest.Reader{
	"html": formattest.Chromium,
	"txt":  formattest.PythonTextTable,
	"xml":  formattest.XMLLint,
}

// textual reports whether format f holds every value as text, as CSV
// does: what its reader returns is a string, never a typed number.
func textual(f string) bool {
	_, table := tableReaders[f]
	return f == facteur.FormatCSV || table
}

// nullCell is how the reader of format f reads a NULL: an empty string in
// CSV, HTML and plain text, a null (xsi:nil) in XML, JSON and XLSX.
func nullCell(f string) pyCell {
	switch f {
	case facteur.FormatCSV, "html", "txt":
		return pyCell{"str", ""}
	}
	return pyCell{"null", ""}
}

// readTable reads the data rows of a file of format f (html, txt or xml)
// with its reader: ["null", ""] for a null, ["str", text] for the rest.
func readTable(t *testing.T, f string, data []byte) (header []string, rows [][]pyCell) {
	t.Helper()
	h, rs := tableReaders[f].Read(t, data)
	for _, s := range h {
		header = append(header, *s)
	}
	for _, r := range rs {
		row := make([]pyCell, len(r))
		for i, s := range r {
			row[i] = pyCell{"null", ""}
			if s != nil {
				row[i] = pyCell{"str", *s}
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}

// shown is what the reader of format f finds of the text s of kind k, as
// the format documents it: HTML's control pictures, the text table's
// symbols and cuts, XML's U+FFFD for the characters it forbids; s itself
// in any other format. Neutralisation is the caller's.
func shown(f string, k facteur.Kind, s string) string {
	rd, ok := tableReaders[f]
	if !ok || rd.Shows == nil {
		return s
	}
	return string(rd.Shows(k, []byte(s)))
}
