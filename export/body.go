package export

import (
	"bufio"
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
}

// BodyPaths returns where the body of the file spooled at path is kept:
// beside it, under names that the spool's pruning ties to the same run.
func BodyPaths(path string) (html, text string) {
	return path + ".body.html", path + ".body.txt"
}

// bodyWriter writes the two tables of a Body as the rows go by.
type bodyWriter struct {
	spec  *Body
	files [2]*os.File
	bufs  [2]*bufio.Writer
	html  *format.HTMLEncoder
	text  *format.TextEncoder
}

// newBodyWriter creates the temporary files of b's tables, for the
// columns cols. A nil b gives a nil writer, whose methods do nothing.
func newBodyWriter(b *Body, cols []facteur.Column) (*bodyWriter, error) {
	if b == nil {
		return nil, nil
	}
	w := &bodyWriter{spec: b}
	for i, path := range []string{b.HTMLPath, b.TextPath} {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
		if err != nil {
			w.abort()
			return nil, spoolError(filepath.Dir(path), fmt.Errorf("create mail body: %w", err))
		}
		w.files[i], w.bufs[i] = f, bufio.NewWriter(f)
	}
	w.html = format.NewHTMLEncoder(w.bufs[0], cols, format.HTMLOptions{Fragment: true, MaxRows: b.MaxRows})
	w.text = format.NewTextEncoder(w.bufs[1], cols, format.TextOptions{MaxRows: b.MaxRows, LeftOut: true})
	return w, nil
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
	for i, path := range []string{w.spec.HTMLPath, w.spec.TextPath} {
		f := w.files[i]
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
