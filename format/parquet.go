package format

import (
	"io"
	"math/bits"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

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
	// A page's values, before they are encoded and compressed, fill at
	// most parquetPagesBytes divided by the number of columns, between
	// parquetMinPage and parquetMaxPage: each column fills one page at a
	// time in memory, so a wide export's memory stays small and steady
	// from its first thousands of rows on, and a narrow export's larger
	// pages compress faster (zstd sets its tables up once a page).
	parquetPagesBytes = 16 << 20
	parquetMinPage    = 32 << 10
	parquetMaxPage    = 256 << 10
	// Rows are handed to the column writers in batches of up to
	// parquetBatchRows rows or parquetBatchBytes bytes of text: one call
	// per column and batch rather than one per row, which is where a
	// row-at-a-time writer spends most of its time.
	parquetBatchRows  = 1024
	parquetBatchBytes = 1 << 20
)

// ParquetEncoder writes rows as one Apache Parquet file, each column typed
// from its source column (see parquetColumnOf) and nullable. Rows are
// turned into Parquet values on the caller's goroutine, a batch at a
// time; the pages are encoded and compressed on a goroutine of its own,
// started at the first full batch and ended by Close.
type ParquetEncoder struct {
	g      parquetGroups
	spill  *parquetSpill
	cols   []parquetColumn
	batch  *parquetBatch      // being filled
	full   chan *parquetBatch // to the writer goroutine; nil until it starts
	free   chan *parquetBatch // back from it, written
	done   chan struct{}      // closed when the writer goroutine ends
	werr   error              // the writer goroutine's error, once done is closed
	rows   int64              // rows written, to name a row in errors
	closed bool
	err    error
}

// parquetBatch is up to parquetBatchRows rows, column by column, and the
// bytes its values point to: the caller's buffers are reused at the next
// row, so the batch keeps its own copy.
type parquetBatch struct {
	cols  [][]parquet.Value
	arena []byte
	rows  int
	err   error // set by the writer goroutine: its first error
}

func newParquetBatch(ncols int) *parquetBatch {
	b := &parquetBatch{cols: make([][]parquet.Value, ncols)}
	for i := range b.cols {
		b.cols[i] = make([]parquet.Value, 0, parquetBatchRows)
	}
	return b
}

// full reports whether the batch should be written before the next row.
func (b *parquetBatch) full() bool {
	return b.rows >= parquetBatchRows || len(b.arena) >= parquetBatchBytes
}

func (b *parquetBatch) reset() {
	for i := range b.cols {
		b.cols[i] = b.cols[i][:0]
	}
	b.arena, b.rows = b.arena[:0], 0
}

// parquetGroups writes batches to the file's column writers and cuts the
// row groups. Once the writer goroutine runs, it alone uses it.
type parquetGroups struct {
	w       *parquet.GenericWriter[any]
	inGroup int64 // rows in the row group being written
	start   int64 // the writer's size when the row group began
}

// write hands b to the column writers, then ends the row group when it
// holds parquetGroupRows rows or has grown past parquetGroupBytes.
func (g *parquetGroups) write(b *parquetBatch) error {
	if b.rows == 0 {
		return nil
	}
	for i, cw := range g.w.ColumnWriters() {
		if _, err := cw.WriteRowValues(b.cols[i]); err != nil {
			return err
		}
	}
	if g.inGroup += int64(b.rows); g.inGroup < parquetGroupRows && g.w.Size()-g.start < parquetGroupBytes {
		return nil
	}
	err := g.w.Flush()
	g.inGroup, g.start = 0, g.w.Size()
	return err
}

// NewParquetEncoder returns an encoder that writes a Parquet file to w,
// its column chunks compressed with codec (facteur.CodecZstd, the default
// when empty, or facteur.CodecSnappy).
func NewParquetEncoder(w io.Writer, cols []facteur.Column, codec string) *ParquetEncoder {
	pcols := make([]parquetColumn, len(cols))
	for i, c := range cols {
		pcols[i] = parquetColumnOf(c)
	}
	page := parquetPageSize(len(cols))
	var c compress.Codec = parquetSnappy{}
	if codec != facteur.CodecSnappy {
		c = newParquetZstd(page)
	}
	schema := parquet.NewSchema("export", parquetSchema(pcols))
	spill := &parquetSpill{}
	opts := []parquet.WriterOption{
		parquet.Compression(c),
		parquet.CreatedBy("facteur", "", ""),
		parquet.WriteBufferSize(bufSize),
		parquet.PageBufferSize(page),
		parquet.ColumnPageBuffers(spill),
	}
	pw := parquet.NewGenericWriter[any](w, append(opts, schema)...)
	return &ParquetEncoder{g: parquetGroups{w: pw}, spill: spill, cols: pcols, batch: newParquetBatch(len(cols))}
}

// parquetPageSize returns the size of a page's values for ncols columns,
// a power of two (zstd's window is one).
func parquetPageSize(ncols int) int {
	size := min(max(parquetPagesBytes/max(ncols, 1), parquetMinPage), parquetMaxPage)
	return 1 << (bits.Len(uint(size)) - 1)
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
	if e.batch.full() {
		e.handOn()
		if e.err != nil {
			return e.err
		}
	}
	e.rows++
	b := e.batch
	for i, v := range row {
		if v == nil {
			b.cols[i] = append(b.cols[i], parquet.NullValue().Level(0, 0, i))
			continue
		}
		k := e.cols[i].col.Kind
		if kinds != nil {
			k = kinds[i]
		}
		pv, err := e.cols[i].value(k, v)
		if err != nil {
			// Nothing more is written: the columns before this one
			// already hold the row's values.
			e.err = facteur.Errorf(facteur.EINVALID, "parquet: column %q, row %d: %v", e.cols[i].col.Name, e.rows, err)
			return e.err
		}
		if k := pv.Kind(); k == parquet.ByteArray || k == parquet.FixedLenByteArray {
			n := len(b.arena)
			b.arena = append(b.arena, pv.ByteArray()...)
			p := b.arena[n:len(b.arena):len(b.arena)]
			if pv = parquet.ByteArrayValue(p); k == parquet.FixedLenByteArray {
				pv = parquet.FixedLenByteArrayValue(p)
			}
		}
		b.cols[i] = append(b.cols[i], pv.Level(0, 1, i))
	}
	b.rows++
	return nil
}

// handOn gives the full batch to the writer goroutine, starting it the
// first time, and takes back an empty one, with the error of writing an
// earlier batch if there was one.
func (e *ParquetEncoder) handOn() {
	if e.full == nil {
		e.full = make(chan *parquetBatch, 1)
		e.free = make(chan *parquetBatch, 2) // the writer never waits for it
		e.done = make(chan struct{})
		e.free <- newParquetBatch(len(e.cols))
		go e.writeBatches()
	}
	e.full <- e.batch
	e.batch = <-e.free
	e.err = e.batch.err
	e.batch.reset()
}

// writeBatches is the writer goroutine: it writes each batch it is
// handed until Close closes e.full; after an error it only hands them
// back, each carrying the error.
func (e *ParquetEncoder) writeBatches() {
	defer close(e.done)
	var err error
	for b := range e.full {
		if err == nil {
			err = e.g.write(b)
		}
		b.err = err
		e.free <- b
	}
	e.werr = err
}

// Close writes the last rows and the file's footer. A second Close
// returns the result of the first.
func (e *ParquetEncoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.full != nil {
		close(e.full)
		<-e.done
		if e.err == nil {
			e.err = e.werr
		}
	}
	if e.err == nil {
		e.err = e.g.write(e.batch)
	}
	if e.err == nil {
		e.err = e.g.w.Close()
	}
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
