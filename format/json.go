package format

import (
	"bufio"
	"io"

	"github.com/facteur/facteur"
)

// JSONEncoder writes rows as one JSON array of objects, one object a line:
// "[\n{…},\n{…}\n]\n", or "[]\n" when there is no row.
type JSONEncoder struct{ objectStream }

// NewJSONEncoder returns an encoder that writes a JSON array to w.
func NewJSONEncoder(w io.Writer, cols []facteur.Column) *JSONEncoder {
	return &JSONEncoder{newObjectStream(w, cols, true)}
}

// NDJSONEncoder writes rows as newline-delimited JSON: one object a line,
// each followed by "\n". No row gives an empty file.
type NDJSONEncoder struct{ objectStream }

// NewNDJSONEncoder returns an encoder that writes NDJSON to w.
func NewNDJSONEncoder(w io.Writer, cols []facteur.Column) *NDJSONEncoder {
	return &NDJSONEncoder{newObjectStream(w, cols, false)}
}

// objectStream writes rows as JSON objects, one a line, inside an array
// (JSON) or not (NDJSON): the two formats differ only in what surrounds
// the objects.
type objectStream struct {
	bw     *bufio.Writer
	obj    jsonObjects
	ncols  int
	array  bool
	rows   int64
	closed bool
	err    error
}

func newObjectStream(w io.Writer, cols []facteur.Column, array bool) objectStream {
	bw := bufio.NewWriterSize(w, bufSize)
	return objectStream{bw: bw, obj: newJSONObjects(bw, cols), ncols: len(cols), array: array}
}

// Write writes one row as an object on a line of its own.
func (e *objectStream) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, e.ncols) {
		return rowError(len(row), len(kinds), e.ncols)
	}
	switch {
	case !e.array:
	case e.rows == 0:
		e.bw.WriteString("[\n")
	default:
		e.bw.WriteString(",\n")
	}
	e.rows++
	if e.err = e.obj.object(row, kinds); e.err == nil && !e.array {
		e.err = e.bw.WriteByte('\n')
	}
	return e.err
}

// Close ends the array, if any, and flushes. A second Close returns the
// result of the first.
func (e *objectStream) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	switch {
	case !e.array:
	case e.rows == 0:
		e.bw.WriteString("[]\n")
	default:
		e.bw.WriteString("\n]\n")
	}
	e.err = e.bw.Flush()
	return e.err
}

// jsonFormat is the registration of JSON.
func jsonFormat() Format {
	return Format{
		Name: facteur.FormatJSON, Ext: "json", MediaType: "application/json",
		Compressible: true,
		Help:         "one JSON array of objects, one per row, for programs",
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewJSONEncoder(w, t.Cols), nil
		},
	}
}

// ndjsonFormat is the registration of NDJSON.
func ndjsonFormat() Format {
	return Format{
		Name: facteur.FormatNDJSON, Ext: "ndjson", MediaType: "application/x-ndjson",
		Compressible: true,
		Help:         "one JSON object a line, for programs that stream",
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewNDJSONEncoder(w, t.Cols), nil
		},
	}
}
