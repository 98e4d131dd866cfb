package format

import (
	"bufio"
	"io"

	"github.com/facteur/facteur"
)

// JSONEncoder writes rows as one JSON array of objects, one object a line:
// "[\n{…},\n{…}\n]\n", or "[]\n" when there is no row.
type JSONEncoder struct {
	bw     *bufio.Writer
	obj    jsonObjects
	ncols  int
	rows   int64
	closed bool
	err    error
}

// NewJSONEncoder returns an encoder that writes a JSON array to w.
func NewJSONEncoder(w io.Writer, cols []facteur.Column) *JSONEncoder {
	bw := bufio.NewWriterSize(w, bufSize)
	return &JSONEncoder{bw: bw, obj: newJSONObjects(bw, cols), ncols: len(cols)}
}

// Write writes one row as an object of the array.
func (e *JSONEncoder) Write(row [][]byte) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if len(row) != e.ncols {
		return errRowLen(len(row), e.ncols)
	}
	if e.rows == 0 {
		e.bw.WriteString("[\n")
	} else {
		e.bw.WriteString(",\n")
	}
	e.rows++
	e.err = e.obj.object(row)
	return e.err
}

// Close ends the array and flushes. A second Close returns the result of
// the first.
func (e *JSONEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if e.rows == 0 {
		e.bw.WriteString("[]\n")
	} else {
		e.bw.WriteString("\n]\n")
	}
	e.err = e.bw.Flush()
	return e.err
}

// NDJSONEncoder writes rows as newline-delimited JSON: one object a line,
// each followed by "\n". No row gives an empty file.
type NDJSONEncoder struct {
	bw     *bufio.Writer
	obj    jsonObjects
	ncols  int
	closed bool
	err    error
}

// NewNDJSONEncoder returns an encoder that writes NDJSON to w.
func NewNDJSONEncoder(w io.Writer, cols []facteur.Column) *NDJSONEncoder {
	bw := bufio.NewWriterSize(w, bufSize)
	return &NDJSONEncoder{bw: bw, obj: newJSONObjects(bw, cols), ncols: len(cols)}
}

// Write writes one row as an object on a line of its own.
func (e *NDJSONEncoder) Write(row [][]byte) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if len(row) != e.ncols {
		return errRowLen(len(row), e.ncols)
	}
	e.obj.object(row)
	e.err = e.bw.WriteByte('\n')
	return e.err
}

// Close flushes. A second Close returns the result of the first.
func (e *NDJSONEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	e.err = e.bw.Flush()
	return e.err
}
