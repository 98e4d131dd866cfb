package format

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// xsiNamespace is the namespace of xsi:nil, which marks a NULL.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// XMLEncoder writes rows as an XML document, streamed: a root element
// named after the report, a <row> element a line, and in it an element per
// column (see XMLNames), empty with xsi:nil="true" for a NULL. See the
// package documentation.
type XMLEncoder struct {
	bw      *bufio.Writer
	ncols   int
	root    string
	rootTag string   // the root's start tag
	open    []string // each column's start tag
	close   []string // each column's end tag
	null    []string // each column's empty element for a NULL
	started bool
	closed  bool
	err     error
}

// NewXMLEncoder returns an encoder that writes an XML document to w, its
// root named after title (see xmlRootName).
func NewXMLEncoder(w io.Writer, cols []facteur.Column, title string) *XMLEncoder {
	e := &XMLEncoder{
		bw:    bufio.NewWriterSize(w, bufSize),
		ncols: len(cols),
		root:  xmlRootName(title),
		open:  make([]string, len(cols)),
		close: make([]string, len(cols)),
		null:  make([]string, len(cols)),
	}
	e.rootTag = "<" + e.root + ` xmlns:xsi="` + xsiNamespace + `"`
	if title != "" && title != e.root {
		e.rootTag += ` name="` + xmlAttrValue(title) + `"`
	}
	e.rootTag += ">\n"
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	for i, n := range XMLNames(names) {
		tag := n
		if n != cols[i].Name {
			tag += ` name="` + xmlAttrValue(cols[i].Name) + `"`
		}
		e.open[i] = "<" + tag + ">"
		e.close[i] = "</" + n + ">"
		e.null[i] = "<" + tag + ` xsi:nil="true"/>`
	}
	return e
}

func (e *XMLEncoder) start() {
	e.started = true
	e.bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	e.bw.WriteString(e.rootTag)
}

// Write writes one row as a <row> element on a line of its own.
func (e *XMLEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, e.ncols) {
		return rowError(len(row), len(kinds), e.ncols)
	}
	if !e.started {
		e.start()
	}
	e.bw.WriteString("<row>")
	for i, v := range row {
		if v == nil {
			e.bw.WriteString(e.null[i])
			continue
		}
		e.bw.WriteString(e.open[i])
		writeXMLValue(e.bw, v)
		e.bw.WriteString(e.close[i])
	}
	_, e.err = e.bw.WriteString("</row>\n")
	return e.err
}

// Close ends the root element and flushes. A second Close returns the
// result of the first.
func (e *XMLEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if !e.started {
		e.start()
	}
	e.bw.WriteString("</" + e.root + ">\n")
	e.err = e.bw.Flush()
	return e.err
}

// writeXMLValue writes v as the text of an XML element: & < > are escaped,
// CR is written as &#13; (an XML parser turns a raw CR into LF), and the
// characters XML 1.0 forbids (the C0 controls other than tab, LF and CR;
// U+FFFE and U+FFFF) and invalid UTF-8 become U+FFFD, so that the document
// is well-formed whatever v holds.
func writeXMLValue(bw *bufio.Writer, v []byte) {
	start := 0
	for i := 0; i < len(v); {
		b := v[i]
		var repl string
		size := 1
		switch {
		case b >= 0x20 && b < utf8.RuneSelf && b != '&' && b != '<' && b != '>', b == '\t', b == '\n':
			i++
			continue
		case b == '&':
			repl = "&amp;"
		case b == '<':
			repl = "&lt;"
		case b == '>':
			repl = "&gt;"
		case b == '\r':
			repl = "&#13;"
		case b < 0x20:
			repl = "\uFFFD"
		default:
			var r rune
			r, size = utf8.DecodeRune(v[i:])
			if !(r == utf8.RuneError && size == 1) && r != 0xFFFE && r != 0xFFFF {
				i += size
				continue
			}
			repl = "\uFFFD"
		}
		bw.Write(v[start:i])
		bw.WriteString(repl)
		i += size
		start = i
	}
	bw.Write(v[start:])
}

// xmlAttrValue escapes s for a double-quoted attribute, by the rules of
// writeXMLValue, with the quote escaped and tab and LF as references too
// (a parser turns them into spaces in an attribute).
func xmlAttrValue(s string) string {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	writeXMLValue(bw, []byte(s))
	bw.Flush()
	return strings.NewReplacer(`"`, "&quot;", "\t", "&#9;", "\n", "&#10;").Replace(b.String())
}

// xmlFormat is the registration of XML.
func xmlFormat() Format {
	return Format{
		Name: "xml", Ext: "xml", MediaType: "application/xml",
		Compressible: true,
		Help:         "an XML document, a <row> element per row and an element per column, for programs",
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewXMLEncoder(w, t.Cols, t.Title), nil
		},
	}
}
