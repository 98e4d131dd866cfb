package format

import (
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// Format is one file format Facteur can write: everything the CLI, the
// API, the web UI, the file names and the destinations need to know about
// it. Adding a format is one file holding its encoder and a function that
// returns its Format, listed in Builtin.
type Format struct {
	// Name is what users choose ("csv", "csv.zip", …).
	Name string
	// Ext is the file extension without the dot ("csv", "zip").
	Ext string
	// MediaType is sent as the Content-Type of its files (S3, webhooks,
	// e-mail attachments, downloads).
	MediaType string
	// Compressible says whether the whole file may be compressed with
	// gzip or zstd (not for formats that are zip files already).
	Compressible bool
	// ForPeople says the file is made to be opened by a person (a
	// spreadsheet), rather than read by a program.
	ForPeople bool
	// Help is one line telling users what the format is for.
	Help string
	// Options names the facteur.FormatOptions fields the format reads,
	// by their JSON names (see OptionNames); any other option given with
	// the format is refused.
	Options []string
	// Chart says whether the format draws the report's chart.
	Chart ChartUse
	// MaxRowLimit, when above 0, is the largest row_limit the format
	// accepts, below facteur.MaxRowLimit: a format that holds its whole
	// file until Close (PDF) bounds its memory so.
	MaxRowLimit int64
	// New returns an encoder writing the format to w. It fails with a
	// *facteur.Error of code EINVALID naming the field when t cannot be
	// written in this format.
	New func(w io.Writer, t Target) (Encoder, error)
}

// Target is what an encoder is made for.
type Target struct {
	Cols    []facteur.Column
	Options facteur.FormatOptions
	// InnerName is the name of the file inside an archive format (e.g.
	// "agents.csv" inside a csv.zip); other formats ignore it.
	InnerName string
	// Modified dates the entries of archive formats; the zero time leaves
	// the date unset, for files that are identical byte for byte.
	Modified time.Time
	// Title names the file's content for people: the report's name. Formats
	// that show a title (HTML, PDF) or name their root (XML) use it.
	Title string
	// Time is when the run was due, in the export's time zone, for formats
	// that print it; the zero time prints none (files identical byte for byte).
	Time time.Time
	// Period, when not nil, is the time range the rows were kept to, for
	// formats that print it.
	Period *facteur.Period
	// Chart is the report's chart, nil when it has none, for the formats
	// that draw it (see Format.Chart).
	Chart *facteur.Chart
}

// ChartUse says what a format does with a report's chart.
type ChartUse uint8

// What a format does with a report's chart.
const (
	ChartIgnored  ChartUse = iota // the format draws no chart
	ChartOptional                 // drawn when the report has one (pdf)
	ChartNeeded                   // the file is the chart: a report without one is refused (png)
)

// The options a format may read, by their JSON names in facteur.FormatOptions.
const (
	OptionNoHeader  = "no_header"
	OptionDelimiter = "delimiter"
	OptionBOM       = "bom"
	OptionXLSXDates = "xlsx_dates"
	OptionRowLimit  = "row_limit"
	OptionCodec     = "codec"
)

// OptionNames lists every option a format may read, in the order forms show them.
var OptionNames = []string{OptionNoHeader, OptionDelimiter, OptionBOM, OptionXLSXDates, OptionRowLimit, OptionCodec}

// given reports whether o sets the option called name.
func given(o facteur.FormatOptions, name string) bool {
	switch name {
	case OptionNoHeader:
		return o.NoHeader
	case OptionDelimiter:
		return o.Delimiter != ""
	case OptionBOM:
		return o.BOM
	case OptionXLSXDates:
		return o.XLSXDates != ""
	case OptionRowLimit:
		return o.RowLimit != 0
	case OptionCodec:
		return o.Codec != ""
	}
	return false
}

// Registry is an ordered set of formats. The program builds one (see
// Builtin) and hands it to every part that needs to know the formats.
// A Registry is safe for concurrent reads once its formats are registered.
type Registry struct {
	list   []Format
	byName map[string]int
}

// Builtin returns a new registry holding the formats Facteur ships with.
func Builtin() *Registry {
	r := &Registry{}
	for _, f := range []Format{csvFormat(), csvZipFormat(), jsonFormat(), ndjsonFormat(), xlsxFormat(), htmlFormat(), textFormat(), xmlFormat(),
		pngFormat(),
		pdfFormat(),
		parquetFormat(),
	} {
		if err := r.Register(f); err != nil {
			panic(err) // a programming error in the list above
		}
	}
	return r
}

// Register adds f. It fails when f has no name, extension, media type or
// encoder, reads an option that does not exist, or is already registered.
func (r *Registry) Register(f Format) error {
	switch {
	case f.Name == "" || f.Ext == "" || f.MediaType == "" || f.New == nil:
		return fmt.Errorf("format: register %q: a format needs a name, an extension, a media type and an encoder", f.Name)
	case strings.HasPrefix(f.Ext, "."):
		return fmt.Errorf("format: register %q: the extension %q goes without its dot", f.Name, f.Ext)
	}
	if _, dup := r.byName[f.Name]; dup {
		return fmt.Errorf("format: register %q: already registered", f.Name)
	}
	for _, o := range f.Options {
		if !slices.Contains(OptionNames, o) {
			return fmt.Errorf("format: register %q: unknown option %q", f.Name, o)
		}
	}
	if r.byName == nil {
		r.byName = make(map[string]int)
	}
	r.byName[f.Name] = len(r.list)
	r.list = append(r.list, f)
	return nil
}

// Lookup returns the format called name, and false when there is none.
func (r *Registry) Lookup(name string) (Format, bool) {
	i, ok := r.byName[name]
	if !ok {
		return Format{}, false
	}
	return r.list[i], true
}

// Formats returns the formats in the order they were registered.
func (r *Registry) Formats() []Format { return slices.Clone(r.list) }

// Names returns the formats' names in the order they were registered.
func (r *Registry) Names() []string {
	names := make([]string, len(r.list))
	for i, f := range r.list {
		names[i] = f.Name
	}
	return names
}

// list writes names as "a, b or c".
func list(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Validate checks the format of o and the options given with it. It fails
// with a *facteur.Error of code EINVALID naming the field and saying what
// to choose instead.
func (r *Registry) Validate(o facteur.FormatOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	f, ok := r.Lookup(o.Format)
	if !ok {
		return facteur.Errorf(facteur.EINVALID, "format.format: use one of %s", list(r.Names()))
	}
	if o.Compression != "" && !f.Compressible {
		var can []string
		for _, g := range r.list {
			if g.Compressible {
				can = append(can, g.Name)
			}
		}
		return facteur.Errorf(facteur.EINVALID, "format.compression: %s files are compressed in themselves (zip files already are); compress %s, or leave it empty", f.Name, list(can))
	}
	for _, opt := range OptionNames {
		if given(o, opt) && !slices.Contains(f.Options, opt) {
			var readers []string
			for _, g := range r.list {
				if slices.Contains(g.Options, opt) {
					readers = append(readers, g.Name)
				}
			}
			if len(readers) == 0 {
				return facteur.Errorf(facteur.EINVALID, "format.%s: no format uses it; leave it empty", opt)
			}
			return facteur.Errorf(facteur.EINVALID, "format.%s: only %s files use it; leave it empty for %s", opt, list(readers), f.Name)
		}
	}
	if f.MaxRowLimit > 0 && o.RowLimit > f.MaxRowLimit {
		return facteur.Errorf(facteur.EINVALID, "format.row_limit: %s files hold at most %d rows; choose csv or xlsx for more", f.Name, f.MaxRowLimit)
	}
	if _, err := delimiter(o.Delimiter); err != nil {
		return err
	}
	return nil
}

// CheckChart checks that a report with chart c (nil: none) can be written
// in o's format, exporting fields (nil: every column): a format that needs
// a chart is refused without one, and a chart's columns must be exported.
// It fails with EINVALID naming the field.
func (r *Registry) CheckChart(o facteur.FormatOptions, c *facteur.Chart, fields []string) error {
	f, ok := r.Lookup(o.Format)
	if !ok || f.Chart == ChartIgnored {
		return nil
	}
	if c == nil {
		if f.Chart == ChartNeeded {
			return facteur.Errorf(facteur.EINVALID, "format.format: %s files draw the report's chart, and this report has none; define one in the report (its Chart section) or choose another format", f.Name)
		}
		return nil
	}
	if fields == nil {
		return nil
	}
	for _, col := range c.Columns() {
		if !slices.Contains(fields, col) {
			return facteur.Errorf(facteur.EINVALID, "include_fields: the report's chart draws field %q, which this export leaves out; include it, or choose a format that draws no chart", col)
		}
	}
	return nil
}

// delimiter returns the field delimiter the user chose, 0 for the default.
// It is the one rule for the "delimiter" option.
func delimiter(d string) (rune, error) {
	if d == "" {
		return 0, nil
	}
	r, size := utf8.DecodeRuneInString(d)
	if size != len(d) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0 {
		return 0, facteur.Errorf(facteur.EINVALID, "format.delimiter: use a single character other than a quote or a line break")
	}
	return r, nil
}

// New returns the encoder of t.Options' format, writing to w. An archive
// format's entry is dated now when t.Modified is zero. Options the format
// does not read are ignored here (a schedule saved before a rule was added
// still runs); Validate refuses them when a schedule is saved. It fails with
// a *facteur.Error of code EINVALID for an unknown format or a bad option.
func (r *Registry) New(w io.Writer, t Target) (Encoder, error) {
	if err := t.Options.Validate(); err != nil {
		return nil, err
	}
	f, ok := r.Lookup(t.Options.Format)
	if !ok {
		return nil, facteur.Errorf(facteur.EINVALID, "format.format: unknown format %q; use one of %s", t.Options.Format, list(r.Names()))
	}
	if t.Modified.IsZero() {
		t.Modified = time.Now()
	}
	return f.New(w, t)
}

// Extension returns the file extension of the format called name without
// the dot, or "" when there is no such format.
func (r *Registry) Extension(name string) string {
	f, _ := r.Lookup(name)
	return f.Ext
}

// FileExtension returns the extension of the files o makes, without the
// leading dot: the format's, then .gz or .zst when compressed ("csv.gz").
func (r *Registry) FileExtension(o facteur.FormatOptions) string {
	ext := r.Extension(o.Format)
	switch o.Compression {
	case facteur.CompressGzip:
		ext += ".gz"
	case facteur.CompressZstd:
		ext += ".zst"
	}
	return ext
}

// MediaType returns the media type of a file from its name's extension:
// that of the registered format, of the compression (.gz, .zst), of the
// encryption (.gpg: application/pgp-encrypted; .age has none of its own),
// text/plain for .txt, and application/octet-stream for any other, whatever the
// machine's /etc/mime.types says.
func (r *Registry) MediaType(fileName string) string {
	ext := strings.ToLower(path.Ext(fileName))
	switch ext {
	case ".gz":
		return "application/gzip"
	case ".zst":
		return "application/zstd"
	case ".gpg":
		return "application/pgp-encrypted"
	case ".age":
		return "application/octet-stream"
	case ".txt":
		return "text/plain; charset=utf-8"
	case "":
		return "application/octet-stream"
	}
	for _, f := range r.list {
		if "."+strings.ToLower(f.Ext) == ext {
			return f.MediaType
		}
	}
	return "application/octet-stream"
}

// Description is what the API says of a format (GET /api/v1/formats) and
// what the web UI reads to offer it: the registration without its encoder.
type Description struct {
	Name         string   `json:"name"`
	Ext          string   `json:"ext"`
	MediaType    string   `json:"media_type"`
	Help         string   `json:"help"`
	Options      []string `json:"options"`
	Compressible bool     `json:"compressible"`
	ForPeople    bool     `json:"for_people"`
	// Chart is "needed" for a format that is the report's chart (a
	// report without one cannot use it), "optional" for one that draws
	// it when there is one, and empty otherwise.
	Chart string `json:"chart,omitempty"`
}

// Describe returns the description of every format, in order.
func (r *Registry) Describe() []Description {
	out := make([]Description, len(r.list))
	for i, f := range r.list {
		out[i] = Description{Name: f.Name, Ext: f.Ext, MediaType: f.MediaType, Help: f.Help,
			Options: append([]string{}, f.Options...), Compressible: f.Compressible, ForPeople: f.ForPeople}
		switch f.Chart {
		case ChartNeeded:
			out[i].Chart = "needed"
		case ChartOptional:
			out[i].Chart = "optional"
		}
	}
	return out
}
