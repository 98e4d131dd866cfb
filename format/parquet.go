package format

import (
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"

	"github.com/facteur/facteur"
)

// Row groups are cut when the one being written holds this many rows, or
// this many bytes once encoded and compressed. The pages of a row group
// wait in a temporary file until it is cut (see parquetSpill), so these
// bound the disk the export borrows, not its memory; readers read a row
// group as a unit (one task, one scan), which makes a group of about a
// million rows and at most 128 MiB what warehouses expect.
const (
	parquetGroupRows  = 1 << 20
	parquetGroupBytes = 128 << 20
	// parquetCheckEvery is how often, in rows, the size of the row group
	// is looked at: asking walks every column.
	parquetCheckEvery = 1024
	// parquetPageBytes is the size of a page's values before they are
	// encoded and compressed: each column fills one page at a time in
	// memory, so a small page keeps a wide export's memory small and
	// steady from its first thousands of rows on.
	parquetPageBytes = 32 << 10
)

// ParquetEncoder writes rows as one Apache Parquet file, each column typed
// from its source column (see parquetColumnOf) and nullable.
type ParquetEncoder struct {
	w       *parquet.GenericWriter[any]
	spill   *parquetSpill
	cols    []parquetColumn
	row     parquet.Row
	rows    int64 // rows written, to name a row in errors
	inGroup int64 // rows in the row group being written
	start   int64 // the writer's size when the row group began
	closed  bool
	err     error
}

// NewParquetEncoder returns an encoder that writes a Parquet file to w,
// its column chunks compressed with codec (facteur.CodecZstd, the default
// when empty, or facteur.CodecSnappy).
func NewParquetEncoder(w io.Writer, cols []facteur.Column, codec string) *ParquetEncoder {
	pcols := make([]parquetColumn, len(cols))
	for i, c := range cols {
		pcols[i] = parquetColumnOf(c)
	}
	var c compress.Codec = &snappy.Codec{}
	if codec != facteur.CodecSnappy {
		c = newParquetZstd()
	}
	schema := parquet.NewSchema("export", parquetSchema(pcols))
	spill := &parquetSpill{}
	opts := []parquet.WriterOption{
		parquet.Compression(c),
		parquet.CreatedBy("facteur", "", ""),
		parquet.WriteBufferSize(bufSize),
		parquet.PageBufferSize(parquetPageBytes),
		parquet.ColumnPageBuffers(spill),
	}
	pw := parquet.NewGenericWriter[any](w, append(opts, schema)...)
	return &ParquetEncoder{w: pw, spill: spill, cols: pcols, row: make(parquet.Row, len(cols))}
}

// Write writes one row. A value that its column's type cannot hold (a
// NaN in a DECIMAL column, text in an SQLite INTEGER column) fails the
// export with an error naming the column and the row.
func (e *ParquetEncoder) Write(row [][]byte, kinds []facteur.Kind) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return ErrClosed
	}
	if !rowFits(row, kinds, len(e.cols)) {
		return rowError(len(row), len(kinds), len(e.cols))
	}
	e.rows++
	for i, v := range row {
		if v == nil {
			e.row[i] = parquet.NullValue().Level(0, 0, i)
			continue
		}
		k := e.cols[i].col.Kind
		if kinds != nil {
			k = kinds[i]
		}
		pv, err := e.cols[i].value(k, v)
		if err != nil {
			e.err = facteur.Errorf(facteur.EINVALID, "parquet: column %q, row %d: %v", e.cols[i].col.Name, e.rows, err)
			return e.err
		}
		e.row[i] = pv.Level(0, 1, i)
	}
	if _, err := e.w.WriteRows([]parquet.Row{e.row}); err != nil {
		e.err = err
		return err
	}
	if e.inGroup++; e.inGroup%parquetCheckEvery == 0 {
		e.cutGroup()
	}
	return e.err
}

// cutGroup ends the row group when it holds parquetGroupRows rows or has
// grown past parquetGroupBytes.
func (e *ParquetEncoder) cutGroup() {
	if e.inGroup < parquetGroupRows && e.w.Size()-e.start < parquetGroupBytes {
		return
	}
	e.err = e.w.Flush()
	e.inGroup, e.start = 0, e.w.Size()
}

// Close writes the last row group and the file's footer. A second Close
// returns the result of the first.
func (e *ParquetEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err != nil {
		e.spill.close()
		return e.err
	}
	e.err = e.w.Close()
	if err := e.spill.close(); e.err == nil {
		e.err = err
	}
	return e.err
}

// parquetFormat is the registration of Parquet.
func parquetFormat() Format {
	return Format{
		Name: "parquet", Ext: "parquet", MediaType: "application/vnd.apache.parquet",
		Help:    "typed, compressed columns, for data warehouses and analytics tools",
		Options: []string{OptionCodec},
		New: func(w io.Writer, t Target) (Encoder, error) {
			return NewParquetEncoder(w, t.Cols, t.Options.Codec), nil
		},
	}
}
