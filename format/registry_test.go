package format_test

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// TestRegister: a registration needs a name, an extension, a media type
// and an encoder, reads only options that exist, and comes once.
func TestRegister(t *testing.T) {
	t.Parallel()
	r := format.Builtin()
	// Formats are added after the first five, which keep their order.
	if got := strings.Join(r.Names(), " "); !strings.HasPrefix(got, "csv csv.zip json ndjson xlsx") {
		t.Errorf("Builtin() = %s", got)
	}
	ok := formattest.ThrowAway()
	for name, bad := range map[string]func(f *format.Format){
		"no name":           func(f *format.Format) { f.Name = "" },
		"no extension":      func(f *format.Format) { f.Ext = "" },
		"a dotted ext":      func(f *format.Format) { f.Ext = ".tsv" },
		"no media type":     func(f *format.Format) { f.MediaType = "" },
		"no encoder":        func(f *format.Format) { f.New = nil },
		"an unknown option": func(f *format.Format) { f.Options = []string{"quote"} },
		"a taken name":      func(f *format.Format) { f.Name = "csv" },
	} {
		f := ok
		bad(&f)
		if err := r.Register(f); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if err := r.Register(ok); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(ok); err == nil {
		t.Error("registered twice")
	}
	if _, found := format.Builtin().Lookup("tsv-test"); found {
		t.Error("Builtin() returns a registry shared with another")
	}
}

// TestMediaType: every file Facteur writes is typed by the registry,
// whatever the machine's /etc/mime.types says.
func TestMediaType(t *testing.T) {
	t.Parallel()
	r := formattest.Registry()
	for name, want := range map[string]string{
		"a.csv":         "text/csv; charset=utf-8",
		"A.CSV":         "text/csv; charset=utf-8",
		"a.csv.zip":     "application/zip",
		"a.json":        "application/json",
		"a.ndjson":      "application/x-ndjson",
		"a.xlsx":        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"a.tsv":         "text/tab-separated-values",
		"a.csv.gz":      "application/gzip",
		"a.json.zst":    "application/zstd",
		"a.csv.gz.age":  "application/octet-stream",
		"a.xlsx.gpg":    "application/pgp-encrypted",
		"test.txt":      "text/plain; charset=utf-8",
		"a":             "application/octet-stream",
		"a.html":        "text/html; charset=utf-8",
		"a.xml":         "application/xml",
		"a.htm":         "application/octet-stream",
		"a.unknown-ext": "application/octet-stream",
	} {
		if got := r.MediaType(name); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", name, got, want)
		}
	}
	for _, f := range r.Formats() {
		if got := r.MediaType("export." + f.Ext); got != f.MediaType {
			t.Errorf("%s: MediaType = %q, want its own %q", f.Name, got, f.MediaType)
		}
	}
}

// TestValidate: the registry names the field and what to choose instead.
func TestValidate(t *testing.T) {
	t.Parallel()
	r := format.Builtin()
	for _, tt := range []struct {
		o    facteur.FormatOptions
		want string // "" for valid
	}{
		{facteur.FormatOptions{Format: "csv", NoHeader: true, Delimiter: "\t", BOM: true, Compression: "gzip"}, ""},
		{facteur.FormatOptions{Format: "xlsx", XLSXDates: "text"}, ""},
		{facteur.FormatOptions{Format: "csv.zip", Delimiter: "é"}, ""},
		{facteur.FormatOptions{Format: "docx"}, "format.format: use one of csv, csv.zip, json, ndjson"},
		{facteur.FormatOptions{}, "format.format: use one of"},
		{facteur.FormatOptions{Format: "xlsx", Compression: "gzip"}, "format.compression: xlsx files are compressed in themselves (zip files already are); compress csv, json, ndjson"}, // and the other compressible formats
		{facteur.FormatOptions{Format: "csv", Compression: "lz4"}, "format.compression: use gzip or zstd"},
		{facteur.FormatOptions{Format: "json", BOM: true}, "format.bom: only csv or csv.zip files use it; leave it empty for json"},
		{facteur.FormatOptions{Format: "ndjson", Delimiter: ";"}, "format.delimiter: only csv or csv.zip files use it"},
		{facteur.FormatOptions{Format: "json", NoHeader: true}, "format.no_header: only csv or csv.zip files use it"},
		{facteur.FormatOptions{Format: "csv", XLSXDates: "text"}, "format.xlsx_dates: only xlsx files use it; leave it empty for csv"},
		{facteur.FormatOptions{Format: "csv", Delimiter: `"`}, "format.delimiter: use a single character"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "ab"}, "format.delimiter: use a single character"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\x00"}, "format.delimiter: use a single character"},
		{facteur.FormatOptions{Format: "csv", Delimiter: "\xff"}, "format.delimiter: use a single character"},
		{facteur.FormatOptions{Format: "csv", RowLimit: -1}, "format.row_limit: use a number of rows from 1 to 1000000"},
		{facteur.FormatOptions{Format: "csv", RowLimit: facteur.MaxRowLimit + 1}, "format.row_limit: use a number of rows from 1 to 1000000"},
		{facteur.FormatOptions{Format: "csv", RowLimit: 10}, "format.row_limit: "},
		{facteur.FormatOptions{Format: "csv", Codec: "lz4"}, "format.codec: use \"zstd\" or \"snappy\""},
		{facteur.FormatOptions{Format: "csv", Codec: "snappy"}, "format.codec: "},
	} {
		err := r.Validate(tt.o)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.o, err)
		case tt.want != "" && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.HasPrefix(facteur.ErrorMessage(err), tt.want)):
			t.Errorf("%+v: %v, want %q", tt.o, err, tt.want)
		}
	}
}
