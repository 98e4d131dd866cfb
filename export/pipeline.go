// Package export is Facteur's pipeline: it streams a report's rows from a
// source through the chosen fields and format into a spooled artifact
// (counted, hashed, fsynced), and runs a whole run — export, delivery and
// history — for the job queue.
package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/obfuscate"
	"github.com/facteur/facteur/source"
)

// Spec is everything one export needs.
type Spec struct {
	Source facteur.Querier
	Query  facteur.Query
	// Fields are the names of the columns to export, in order; nil exports
	// every column of the result in the query's order.
	Fields []string
	// Obfuscate are the rules of the field stage: the values of each
	// field they name are hashed, keyed-hashed, masked or nulled before
	// the format sees them (package obfuscate).
	Obfuscate []facteur.FieldRule
	// HMACKey is the key of the "hmac" rules.
	HMACKey []byte
	Format  facteur.FormatOptions
	// Formats are the formats the export may write; nil means
	// format.Builtin().
	Formats *format.Registry
	// InnerName is the name of the file inside a csv.zip.
	InnerName string
	// Title, Time and Period are what formats for people print at the
	// top of the file (see format.Target): the report's name, when the run
	// was due and the time range its rows were kept to.
	Title  string
	Time   time.Time
	Period *facteur.Period
	// Body, when not nil, also writes the first rows as the text of a
	// mail (an e-mail destination showing the report in the mail).
	Body *Body
	// Chart is the report's chart, nil when it has none, for the formats
	// that draw it (png, pdf).
	Chart *facteur.Chart
	// Encryption, when not nil, encrypts the file to its recipients
	// (C2), after compression: the result's Bytes and SHA256 are then
	// those of the encrypted file, and PlainBytes and PlainSHA256 those
	// of what it holds.
	Encryption *facteur.Encryption
	// Path is where the artifact is spooled. It appears only once complete.
	Path string
	// Progress, when not nil, is kept up to date with the rows written so far.
	Progress *atomic.Int64
	// Copy lets a source that can write CSV itself (PostgreSQL's COPY) do
	// so for plain CSV. It is off by default because it measured slower
	// (README, Performance): the server then does all the conversion and
	// quoting on one core, while the row path spreads it over two and reads
	// timestamps in binary. It can pay when the network, not the CPU, is the
	// bottleneck.
	Copy bool
	// MaxRows, when above 0, stops the export after that many rows; the
	// rest of the result is not read (Send test).
	MaxRows int64
	// Limits, when set, fail the export with a *facteur.LimitError as soon
	// as it reads a row past Limits.MaxRows or its file grows past
	// Limits.MaxBytes (compressed, when it is; checked between rows).
	// The duration limit is the caller's, as a deadline of ctx.
	Limits facteur.RunLimits
	// ScheduleLimits are the limits the schedule set itself, for the error
	// to say who set the limit that stopped the run.
	ScheduleLimits facteur.RunLimits
	// Into, when not nil, is where the rows go instead of a file at Path:
	// a part of a file another export writes (a dashboard's workbook), by
	// the encoder Encoder makes; IntoSize returns the bytes written so
	// far, for Limits.MaxBytes. The result then has rows and stages only.
	Into     io.Writer
	IntoSize func() int64
	Encoder  func(w io.Writer, t format.Target) (format.Encoder, error)
}

// target is what the encoder of spec's format is made for.
func (spec Spec) target(cols []facteur.Column) format.Target {
	return format.Target{Cols: cols, Options: spec.Format, InnerName: spec.InnerName, Title: spec.Title, Time: spec.Time, Period: spec.Period, Chart: spec.Chart}
}

// limitError returns the error of an export stopped by one of its limits.
func (spec Spec) limitError(name string, value, own int64) error {
	return &facteur.LimitError{Limit: name, Value: value, Schedule: own > 0 && own == value}
}

// Result describes a finished export.
type Result struct {
	Rows   int64
	Bytes  int64
	SHA256 string
	// ContentSHA256 is the SHA-256 of the content before compression,
	// equal to SHA256 when the file is not compressed.
	ContentSHA256 string
	// PlainBytes and PlainSHA256 are the size and SHA-256 of what an
	// encrypted file holds (the bytes decryption gives back); 0 and ""
	// when the file is not encrypted.
	PlainBytes  int64
	PlainSHA256 string
	Columns     []facteur.Column
	Stages      []facteur.Stage
	// FastPath is true when the database wrote the CSV itself (PostgreSQL COPY).
	FastPath bool
	// Note is something the run's log should say that did not stop the
	// export (a mail's chart left out), "" for none.
	Note string
}

// Run exports spec.Query to spec.Path. On failure nothing is left at
// spec.Path. Errors say at which stage they happened (facteur.ErrorStage:
// source, encode or spool) and keep their facteur code (EINVALID for a bad
// query or a missing field, EUNAVAILABLE when the database cannot be
// reached or the spool is full, EINTERNAL for an encoder's bug).
func Run(ctx context.Context, spec Spec) (Result, error) {
	if spec.Formats == nil {
		spec.Formats = format.Builtin()
	}
	if spec.Into != nil {
		res, err := runRows(ctx, spec, spec.Into, spec.IntoSize)
		var limit *facteur.LimitError
		if errors.As(err, &limit) {
			err = limit
		}
		return res, err
	}
	spool, err := createSpool(spec.Path, spec.Format.Compression, spec.Encryption)
	if err != nil {
		return Result{}, err
	}
	var res Result
	if copier, ok := spec.Source.(source.CSVCopier); ok && spec.Copy && len(spec.Query.Params) == 0 && spec.MaxRows == 0 && spec.Limits == (facteur.RunLimits{}) && spec.Body == nil && len(spec.Obfuscate) == 0 && canCopy(spec.Format) {
		res, err = runCopy(ctx, copier, spec, spool.out)
	} else {
		res, err = runRows(ctx, spec, spool.out, spool.size)
	}
	var limit *facteur.LimitError
	if errors.As(err, &limit) {
		err = limit // a limit is no stage's fault: the run log says which
	}
	start := time.Now()
	if err == nil {
		err = spool.commit(spec.Path)
	}
	if err != nil {
		return Result{}, spool.abort(err)
	}
	res.Stages = append(res.Stages, facteur.Stage{Name: "spool", Duration: time.Since(start)})
	res.Bytes, res.SHA256 = spool.sum()
	res.ContentSHA256 = spool.contentSum()
	if n, sum, ok := spool.plainSum(); ok {
		res.PlainBytes, res.PlainSHA256 = n, sum
	}
	return res, nil
}

// runRows streams rows one by one through the format encoder. size
// returns the bytes of the file written so far, for Limits.MaxBytes.
func runRows(ctx context.Context, spec Spec, w io.Writer, size func() int64) (Result, error) {
	start := time.Now()
	qctx, stopQuery := context.WithCancel(ctx)
	defer stopQuery()
	rows, err := spec.Source.Query(qctx, spec.Query)
	if err != nil {
		return Result{}, sourceError(err)
	}
	defer rows.Close()
	proj, err := newProjection(rows.Columns(), spec.Fields, spec.Obfuscate, spec.HMACKey)
	if err != nil {
		return Result{}, sourceError(err)
	}
	newEncoder := spec.Formats.New
	if spec.Encoder != nil {
		newEncoder = spec.Encoder
	}
	enc, err := newEncoder(w, spec.target(proj.cols))
	if err != nil {
		return Result{}, encodeError(err)
	}
	closed := false
	defer func() {
		if !closed { // failed: zip formats compress on a goroutine that Close ends
			enc.Close()
		}
	}()
	body, err := newBodyWriter(spec.Body, proj.cols)
	if err != nil {
		return Result{}, err
	}
	defer body.abort() // nothing left once committed
	// A source that knows each value's kind (SQLite) says it row by row;
	// the others leave every value to its column's kind.
	kinded, _ := rows.(facteur.KindedRows)
	var n int64
	var firstRow time.Duration
	maxRows, maxBytes := spec.Limits.MaxRows, spec.Limits.MaxBytes
	for rows.Next() {
		if n == 0 {
			firstRow = time.Since(start)
		}
		if maxRows > 0 && n == maxRows {
			return Result{}, spec.limitError(facteur.LimitRows, maxRows, spec.ScheduleLimits.MaxRows)
		}
		if maxBytes > 0 && size() > maxBytes {
			return Result{}, spec.limitError(facteur.LimitBytes, maxBytes, spec.ScheduleLimits.MaxBytes)
		}
		var kinds []facteur.Kind
		if kinded != nil {
			kinds = proj.applyKinds(kinded.Kinds())
		}
		row := proj.apply(rows.Row())
		if err := enc.Write(row, kinds); err != nil {
			return Result{}, encodeError(fmt.Errorf("encode row %d: %w", n+1, err))
		}
		if err := body.write(row, kinds); err != nil {
			return Result{}, encodeError(fmt.Errorf("encode row %d: %w", n+1, err))
		}
		n++
		if n == spec.MaxRows {
			break
		}
		if n&1023 == 0 {
			if spec.Progress != nil {
				spec.Progress.Store(n)
			}
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
		}
	}
	limited := spec.MaxRows > 0 && n == spec.MaxRows
	if limited {
		// The rows past the limit are not wanted: stop the query rather
		// than read them to the end.
		stopQuery()
		rows.Close()
	} else if err := rows.Err(); err != nil {
		return Result{}, sourceError(err)
	}
	if n == 0 {
		firstRow = time.Since(start)
	}
	closed = true
	if err := enc.Close(); err != nil {
		return Result{}, encodeError(fmt.Errorf("finish %s file: %w", spec.Format.Format, err))
	}
	if err := rows.Close(); err != nil && !limited {
		return Result{}, sourceError(err)
	}
	if err := body.commit(); err != nil {
		return Result{}, err
	}
	note := ""
	if body != nil {
		note = body.note
	}
	if spec.Progress != nil {
		spec.Progress.Store(n)
	}
	return Result{
		Rows:    n,
		Note:    note,
		Columns: proj.cols,
		Stages: []facteur.Stage{
			{Name: "query", Duration: firstRow},
			{Name: "encode", Duration: time.Since(start) - firstRow},
		},
	}, nil
}

// canCopy reports whether the database may write the file itself: plain
// CSV with a one-byte delimiter, cells as they are.
func canCopy(o facteur.FormatOptions) bool {
	d := o.Delimiter
	return o.Format == facteur.FormatCSV && !o.Neutralize && (d == "" || len(d) == 1 && d[0] < 0x80)
}

// runCopy has the database write the CSV rows (PostgreSQL COPY), after a
// header written by the CSV encoder so that both paths give the same bytes.
func runCopy(ctx context.Context, copier source.CSVCopier, spec Spec, w io.Writer) (Result, error) {
	start := time.Now()
	cols, err := source.Describe(ctx, spec.Source, spec.Query)
	if err != nil {
		return Result{}, sourceError(err)
	}
	proj, err := newProjection(cols, spec.Fields, nil, nil)
	if err != nil {
		return Result{}, sourceError(err)
	}
	described := time.Since(start)
	header, err := spec.Formats.New(w, spec.target(proj.cols))
	if err != nil {
		return Result{}, encodeError(err)
	}
	if err := header.Close(); err != nil {
		return Result{}, encodeError(err)
	}
	delim := byte(',')
	if spec.Format.Delimiter != "" {
		delim = spec.Format.Delimiter[0]
	}
	names := spec.Fields // nil: every column by position, even when two share a name
	cw := &countingWriter{w: w, progress: spec.Progress}
	n, err := copier.CopyCSV(ctx, spec.Query, names, delim, cw)
	if err != nil {
		return Result{}, sourceError(err) // unless the spool failed: see spoolFile.abort
	}
	if spec.Progress != nil {
		spec.Progress.Store(n)
	}
	return Result{
		Rows:     n,
		Columns:  proj.cols,
		FastPath: true,
		Stages: []facteur.Stage{
			{Name: "query", Duration: described},
			{Name: "encode", Duration: time.Since(start) - described},
		},
	}, nil
}

// projection is the field stage: it selects and orders the columns of a
// result by field name, and obfuscates the values of the fields that have
// a rule (their columns become text, but for nulled ones).
type projection struct {
	cols  []facteur.Column
	idx   []int
	row   [][]byte
	kinds []facteur.Kind
	all   bool
	// obf holds, per exported column, its obfuscation or nil.
	obf []*obfuscate.Value
}

func newProjection(cols []facteur.Column, fields []string, rules []facteur.FieldRule, key []byte) (*projection, error) {
	if fields == nil && len(rules) == 0 {
		return &projection{cols: cols, all: true}, nil
	}
	if fields != nil && len(fields) == 0 {
		return nil, facteur.Errorf(facteur.EINVALID, "fields: no field to export")
	}
	byName := make(map[string]int, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		if _, dup := byName[c.Name]; !dup {
			byName[c.Name] = i // the first of columns that share a name, as COPY picks
		}
		names[i] = c.Name
	}
	n := len(fields)
	if fields == nil {
		n = len(cols)
	}
	p := &projection{idx: make([]int, n), row: make([][]byte, n), kinds: make([]facteur.Kind, n)}
	for i := range n {
		j := i
		if fields != nil {
			var ok bool
			if j, ok = byName[fields[i]]; !ok {
				return nil, facteur.Errorf(facteur.EINVALID, "field %q is not in the query's result, which has: %s; fix the report's fields or its query", fields[i], strings.Join(names, ", "))
			}
		}
		p.idx[i] = j
		p.cols = append(p.cols, cols[j])
	}
	if len(rules) == 0 {
		return p, nil
	}
	p.obf = make([]*obfuscate.Value, n)
	for ri, r := range rules {
		found := false
		for i, c := range p.cols {
			if c.Name != r.Field || p.obf[i] != nil {
				continue
			}
			v, err := obfuscate.New(r, key)
			if err != nil {
				return nil, err
			}
			p.obf[i], found = v, true
			if r.ObfuscatesToText() {
				p.cols[i] = facteur.Column{Name: c.Name, Kind: facteur.KindText, DBType: c.DBType}
			}
			break
		}
		if !found {
			exported := make([]string, len(p.cols))
			for i, c := range p.cols {
				exported[i] = c.Name
			}
			return nil, facteur.Errorf(facteur.EINVALID, "obfuscate[%d].field: %q is not in the export, which has: %s; fix the rule or the report's fields", ri, r.Field, strings.Join(exported, ", "))
		}
	}
	return p, nil
}

func (p *projection) apply(row [][]byte) [][]byte {
	if p.all {
		return row
	}
	for i, j := range p.idx {
		p.row[i] = row[j]
	}
	for i, v := range p.obf {
		if v != nil {
			p.row[i] = v.Apply(p.row[i])
		}
	}
	return p.row
}

// applyKinds selects the kinds of a row's values as apply selects them;
// an obfuscated value is text (or NULL, whose kind does not matter).
func (p *projection) applyKinds(kinds []facteur.Kind) []facteur.Kind {
	if p.all {
		return kinds
	}
	for i, j := range p.idx {
		p.kinds[i] = kinds[j]
		if p.obf != nil && p.obf[i] != nil {
			p.kinds[i] = facteur.KindText
		}
	}
	return p.kinds
}

// countingWriter passes bytes through and counts lines as a progress hint
// while the database writes CSV itself.
type countingWriter struct {
	w        io.Writer
	progress *atomic.Int64
	lines    int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.progress != nil {
		c.lines += int64(bytes.Count(p, []byte{'\n'}))
		c.progress.Store(c.lines) // approximate: quoted newlines count too
	}
	return c.w.Write(p)
}
