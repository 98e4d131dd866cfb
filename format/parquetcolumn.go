package format

import (
	"errors"
	"math"
	"reflect"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	pqformat "github.com/parquet-go/parquet-go/format"

	"github.com/facteur/facteur"
)

// parquetType is the Parquet type a column is written as.
type parquetType uint8

const (
	pqString       parquetType = iota // BYTE_ARRAY (STRING): the canonical text
	pqInt64                           // INT64 (INT(64, signed))
	pqUint64                          // INT64 (INT(64, unsigned))
	pqDecimal32                       // INT32 (DECIMAL(p, s)), p ≤ 9
	pqDecimal64                       // INT64 (DECIMAL(p, s)), p ≤ 18
	pqDecimalFixed                    // FIXED_LEN_BYTE_ARRAY (DECIMAL(p, s)), p ≤ 38
	pqFloat                           // FLOAT
	pqDouble                          // DOUBLE
	pqBool                            // BOOLEAN
	pqTimestamp                       // INT64 (TIMESTAMP(isAdjustedToUTC=true, MICROS))
	pqDateTime                        // INT64 (TIMESTAMP(isAdjustedToUTC=false, MICROS))
	pqDate                            // INT32 (DATE)
	pqTime                            // INT64 (TIME(isAdjustedToUTC=false, MICROS))
	pqBytes                           // BYTE_ARRAY
	pqJSON                            // BYTE_ARRAY (JSON)
)

// parquetMaxPrecision is the largest decimal precision written as a
// DECIMAL: the readers that matter (DuckDB, Spark, Arrow's decimal128)
// hold no more, and DuckDB reads a wider one as a double, losing digits.
const parquetMaxPrecision = 38

// parquetColumn is a source column and how it is written.
type parquetColumn struct {
	col   facteur.Column
	typ   parquetType
	width int // bytes of a pqDecimalFixed value
	buf   []byte
	json  jsonValidator
}

// parquetColumnOf returns how c is written, from its kind and, for the
// kinds that have several Parquet types, its database type and precision:
// MySQL's UNSIGNED BIGINT and BIT as unsigned, PostgreSQL's real and
// MySQL's FLOAT as FLOAT, a decimal with a known precision up to 38 as
// DECIMAL and any other decimal as its text.
func parquetColumnOf(c facteur.Column) parquetColumn {
	pc := parquetColumn{col: c}
	switch c.Kind {
	case facteur.KindInt:
		pc.typ = pqInt64
		if c.DBType == "UNSIGNED BIGINT" || c.DBType == "BIT" {
			pc.typ = pqUint64
		}
	case facteur.KindDecimal:
		switch p := c.Precision; {
		case p < 1 || p > parquetMaxPrecision || c.Scale < 0 || c.Scale > p:
			pc.typ = pqString
		case p <= 9:
			pc.typ = pqDecimal32
		case p <= 18:
			pc.typ = pqDecimal64
		default:
			pc.typ = pqDecimalFixed
			// The fewest bytes whose two's complement holds ±(10^p - 1).
			pc.width = int(math.Ceil((float64(p)*math.Log2(10) + 1) / 8))
		}
	case facteur.KindFloat:
		pc.typ = pqDouble
		if c.DBType == "real" || c.DBType == "FLOAT" {
			pc.typ = pqFloat
		}
	case facteur.KindBool:
		pc.typ = pqBool
	case facteur.KindTimestamp:
		pc.typ = pqTimestamp
	case facteur.KindDateTime:
		pc.typ = pqDateTime
	case facteur.KindDate:
		pc.typ = pqDate
	case facteur.KindTime:
		pc.typ = pqTime
	case facteur.KindBytes:
		pc.typ = pqBytes
	case facteur.KindJSON:
		pc.typ = pqJSON
	default:
		pc.typ = pqString
	}
	return pc
}

// node returns the column's node in the schema: optional, so that NULL is
// a null.
func (c *parquetColumn) node() parquet.Node {
	var n parquet.Node
	switch c.typ {
	case pqInt64:
		n = parquet.Int(64)
	case pqUint64:
		n = parquet.Uint(64)
	case pqDecimal32:
		n = parquet.Decimal(c.col.Scale, c.col.Precision, parquet.Int32Type)
	case pqDecimal64:
		n = parquet.Decimal(c.col.Scale, c.col.Precision, parquet.Int64Type)
	case pqDecimalFixed:
		n = parquet.Decimal(c.col.Scale, c.col.Precision, parquet.FixedLenByteArrayType(c.width))
	case pqFloat:
		n = parquet.Leaf(parquet.FloatType)
	case pqDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case pqBool:
		n = parquet.Leaf(parquet.BooleanType)
	case pqTimestamp:
		n = parquet.TimestampAdjusted(parquet.Microsecond, true)
	case pqDateTime:
		n = parquet.TimestampAdjusted(parquet.Microsecond, false)
	case pqDate:
		n = parquet.Date()
	case pqTime:
		n = parquet.TimeAdjusted(parquet.Microsecond, false)
	case pqBytes:
		n = parquet.Leaf(parquet.ByteArrayType)
	case pqJSON:
		n = parquet.JSON()
	default:
		n = parquet.String()
	}
	switch c.typ {
	case pqInt64, pqUint64, pqDecimal64, pqTimestamp, pqDateTime, pqTime, pqDecimal32, pqDate:
		// Identifiers, counters and times mostly follow one another: their
		// differences take a few bits each, where PLAIN takes 4 or 8 bytes.
		n = parquet.Encoded(n, &parquet.DeltaBinaryPacked)
	default:
		n = parquet.Encoded(n, &parquet.Plain)
	}
	return parquet.Optional(n)
}

// parquetSchema returns the schema of cols: a group of their nodes, in
// the columns' order. parquet.Group would sort them by name, and merge two
// columns of the same name into one.
func parquetSchema(cols []parquetColumn) parquet.Node {
	g := make(parquetGroup, len(cols))
	for i := range cols {
		g[i] = parquetField{Node: cols[i].node(), name: cols[i].col.Name}
	}
	return g
}

// parquetGroup is a group whose fields keep the order they are given in.
type parquetGroup []parquet.Field

func (g parquetGroup) ID() int                           { return 0 }
func (g parquetGroup) String() string                    { return "group" }
func (g parquetGroup) Type() parquet.Type                { return parquet.Group{}.Type() }
func (g parquetGroup) Optional() bool                    { return false }
func (g parquetGroup) Repeated() bool                    { return false }
func (g parquetGroup) Required() bool                    { return true }
func (g parquetGroup) Leaf() bool                        { return false }
func (g parquetGroup) Fields() []parquet.Field           { return g }
func (g parquetGroup) Encoding() encoding.Encoding       { return nil }
func (g parquetGroup) Compression() compress.Codec       { return nil }
func (g parquetGroup) GoType() reflect.Type              { return reflect.TypeFor[map[string]any]() }
func (f parquetField) Name() string                      { return f.name }
func (f parquetField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// parquetField is a named column of a parquetGroup.
type parquetField struct {
	parquet.Node
	name string
}

// parquetZstd compresses pages with one zstd encoder of the file's own,
// with a window of a page (page bytes, a power of two), at zstd's fastest
// level: on the benchmark's table the file is as small as at the default
// level within 1%, in about two thirds of the time. parquet-go's codec
// keeps a pool of encoders whose default 8 MiB window costs tens of
// megabytes each, come and go with the garbage collector.
type parquetZstd struct{ enc *zstd.Encoder }

func newParquetZstd(page int) *parquetZstd {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(page), zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false), zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err) // the options above are valid
	}
	return &parquetZstd{enc: enc}
}

func (z *parquetZstd) String() string                              { return "ZSTD" }
func (z *parquetZstd) CompressionCodec() pqformat.CompressionCodec { return pqformat.Zstd }
func (z *parquetZstd) Encode(dst, src []byte) ([]byte, error) {
	return z.enc.EncodeAll(src, dst[:0]), nil
}
func (z *parquetZstd) Decode(dst, src []byte) ([]byte, error) {
	return nil, errors.New("parquet: the writer's codec does not decode")
}

// parquetSnappy compresses pages with Snappy at its fast setting (S2's
// Snappy-compatible encoder). parquet-go's codec uses the "better"
// setting, which takes about as much CPU as zstd's fastest level for a
// file nearly twice as large.
type parquetSnappy struct{}

func (parquetSnappy) String() string                              { return "SNAPPY" }
func (parquetSnappy) CompressionCodec() pqformat.CompressionCodec { return pqformat.Snappy }
func (parquetSnappy) Encode(dst, src []byte) ([]byte, error) {
	return s2.EncodeSnappy(dst[:cap(dst)], src), nil
}
func (parquetSnappy) Decode(dst, src []byte) ([]byte, error) {
	return nil, errors.New("parquet: the writer's codec does not decode")
}
