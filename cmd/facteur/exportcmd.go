package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/obfuscate"
	"github.com/facteur/facteur/pack"
	"github.com/facteur/facteur/source"
)

// runExport is `facteur export`: one query or table to one file, no server.
func runExport(ctx context.Context, formats *format.Registry, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("source", "", "database URL: postgres://…, mysql://… or sqlite:/path/file.db (env FACTEUR_SOURCE)")
	query := fs.String("query", "", "SQL query to export")
	table := fs.String("table", "", "table to export whole (schema.table allowed)")
	o := facteur.FormatOptions{}
	fs.StringVar(&o.Format, "format", "csv", formatHelp(formats))
	fs.BoolVar(&o.NoHeader, "no-header", false, "leave out the CSV header line")
	fs.StringVar(&o.Delimiter, "delimiter", ",", "CSV field delimiter (one character; \\t for tab)")
	fs.BoolVar(&o.BOM, "bom", false, "start CSV with a UTF-8 byte order mark (Excel, Power BI)")
	fs.StringVar(&o.Compression, "compression", "", "compress the file: gzip or zstd ("+compressibleHelp(formats)+")")
	fs.StringVar(&o.XLSXDates, "xlsx-dates", "", "how xlsx holds dates and timestamps: cells (date cells in --time-zone, the default) or text (ISO 8601)")
	fs.Int64Var(&o.RowLimit, "row-limit", 0, fmt.Sprintf("most rows of a pdf or txt file (1 to %d; 0 for the format's default)", facteur.MaxRowLimit))
	fs.StringVar(&o.Codec, "codec", "", "how parquet compresses its columns: zstd (the default) or snappy")
	title := fs.String("title", "", "title printed at the top of html and pdf files and naming the root of xml (default: the output file's name)")
	var chart facteur.Chart
	fs.StringVar(&chart.Type, "chart", "", "chart drawn by png and pdf: line or bar (with --chart-x and --chart-y)")
	fs.StringVar(&chart.X, "chart-x", "", "the chart's x column: dates and times, numbers or categories")
	chartY := fs.String("chart-y", "", "the chart's y columns of numbers, separated by commas (at most 8)")
	fs.StringVar(&chart.Title, "chart-title", "", "the chart's title (default: --title)")
	output := fs.String("output", "", "file to write (required; - for standard output)")
	timeout := fs.Duration("timeout", 30*time.Minute, "statement timeout")
	zone := fs.String("time-zone", "UTC", "zone in which timestamps with a time zone are written")
	rawCells := fs.Bool("raw-cells", false, "write CSV/XLSX cells as they are; by default text that a spreadsheet would run as a formula (= + - @ …) gets a leading apostrophe")
	obfuscateSpec := fs.String("obfuscate", "", "fields delivered obfuscated: field=method[:keep],… with method hash (SHA-256), hmac (HMAC-SHA-256, needs a key), mask (keep the last N characters, default 4; an e-mail keeps its domain) or null, e.g. email=hmac,phone=mask:4")
	hmacKeyFile := fs.String("hmac-key-file", "", "file holding the key of the hmac rules (16 to 256 bytes of text; a final newline is not part of it); or give the key in env FACTEUR_HMAC_KEY")
	var params paramFlags
	fs.Var(&params, "param", "value of a :name parameter of --query, bound by the database driver: NAME=VALUE for a text, "+
		"NAME:TYPE=VALUE for another type (integer, date YYYY-MM-DD, timestamp YYYY-MM-DD HH:MM:SS, list of texts separated by commas); repeat for each parameter")
	var ageTo, gpgTo repeated
	fs.Var(&ageTo, "age-recipient", "encrypt the file to this age recipient (age1…); repeat for several")
	fs.Var(&gpgTo, "gpg-recipient-file", "encrypt the file to the armoured OpenPGP public key in this file; repeat for several")
	pgCopy := fs.Bool("pg-copy", false, "let PostgreSQL write plain CSV itself (COPY): less client CPU, more database CPU; faster only over a slow network; needs --raw-cells")
	if err := envFlags(fs, args); err != nil {
		return errUsage
	}
	if o.Delimiter == `\t` {
		o.Delimiter = "\t"
	}
	switch {
	case *dsn == "":
		return facteur.Errorf(facteur.EINVALID, "--source: give the database URL, e.g. postgres://user@localhost/db")
	case (*query == "") == (*table == ""):
		return facteur.Errorf(facteur.EINVALID, "give either --query or --table")
	case *output == "":
		return facteur.Errorf(facteur.EINVALID, "--output: give the file to write, or - for standard output")
	}
	if err := formats.Validate(flagOptions(o)); err != nil {
		return err
	}
	rules, err := obfuscate.ParseRules(*obfuscateSpec)
	if err != nil {
		return err
	}
	var hmacKey []byte
	if facteur.NeedsHMACKey(rules) {
		if hmacKey, err = readHMACKey(*hmacKeyFile); err != nil {
			return err
		}
	}
	bound, err := params.bind()
	if err != nil {
		return err
	}
	if bound != nil && *table != "" {
		return facteur.Errorf(facteur.EINVALID, "--param: a --table has no parameters; give a --query that uses them")
	}
	enc, err := flagEncryption(ageTo, gpgTo)
	if err != nil {
		return err
	}
	var drawn *facteur.Chart
	if chart.Type != "" {
		if *chartY != "" {
			chart.Y = strings.Split(*chartY, ",")
		}
		if err := chart.Validate(nil); err != nil {
			return err
		}
		drawn = &chart
	}
	if err := formats.CheckChart(o, drawn, nil); err != nil {
		return err
	}

	src, err := source.Open(ctx, *dsn, source.Options{Timeout: *timeout, TimeZone: *zone})
	if err != nil {
		return err
	}
	defer src.Close()

	path := *output
	if path == "-" {
		dir, err := os.MkdirTemp("", "facteur-export-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "export")
	}
	inner := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".age"), ".gpg"), ".zip")
	if !strings.HasSuffix(inner, ".csv") {
		inner += ".csv"
	}
	o.Neutralize = !*rawCells
	o.TimeZone = *zone
	start := time.Now()
	now := start
	if loc, err := time.LoadLocation(*zone); err == nil {
		now = now.In(loc)
	}
	res, err := export.Run(ctx, export.Spec{
		Source:     src,
		Query:      facteur.Query{SQL: *query, Table: *table, Timeout: *timeout, Params: bound},
		Format:     o,
		Formats:    formats,
		InnerName:  inner,
		Title:      exportTitle(*title, *output),
		Time:       now,
		Chart:      drawn,
		Path:       path,
		Copy:       *pgCopy,
		Obfuscate:  rules,
		HMACKey:    hmacKey,
		Encryption: enc,
	})
	if err != nil {
		return err
	}
	if *output == "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(stdout, f); err != nil {
			return err
		}
	}
	var stages []string
	for _, s := range res.Stages {
		stages = append(stages, fmt.Sprintf("%s %s", s.Name, s.Duration.Round(time.Millisecond)))
	}
	how := ""
	if res.FastPath {
		how = " (PostgreSQL COPY)"
	}
	info := stdout
	if *output == "-" {
		info = stderr // the file itself is on standard output
	}
	fmt.Fprintf(info, "rows: %d\nbytes: %d\nsha-256: %s\n", res.Rows, res.Bytes, res.SHA256)
	if enc != nil {
		fmt.Fprintf(info, "encryption: %s\ncontent bytes: %d\ncontent sha-256: %s\n", enc.Method, res.PlainBytes, res.PlainSHA256)
	}
	fmt.Fprintf(info, "file: %s\nstages: %s\ntotal: %s%s\n",
		*output, strings.Join(stages, ", "), time.Since(start).Round(time.Millisecond), how)
	return nil
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// flagEncryption returns the encryption of --age-recipient or
// --gpg-recipient-file (nil for neither), checked as a destination's is.
func flagEncryption(ageTo, gpgTo []string) (*facteur.Encryption, error) {
	switch {
	case len(ageTo) > 0 && len(gpgTo) > 0:
		return nil, facteur.Errorf(facteur.EINVALID, "--age-recipient, --gpg-recipient-file: encrypt with one method; give either")
	case len(ageTo) > 0:
		e := &facteur.Encryption{Method: facteur.EncryptAge, Recipients: ageTo}
		_, err := pack.Check(e, time.Now())
		return e, err
	case len(gpgTo) > 0:
		e := &facteur.Encryption{Method: facteur.EncryptOpenPGP}
		for _, name := range gpgTo {
			f, err := os.Open(name)
			if err != nil {
				return nil, facteur.Errorf(facteur.EINVALID, "--gpg-recipient-file: %v", err)
			}
			b, err := io.ReadAll(io.LimitReader(f, facteur.MaxRecipientKey+1))
			f.Close()
			if err != nil {
				return nil, facteur.Errorf(facteur.EINVALID, "--gpg-recipient-file: %v", err)
			}
			e.Recipients = append(e.Recipients, string(b))
		}
		_, err := pack.Check(e, time.Now())
		return e, err
	}
	return nil, nil
}

// formatHelp is the help of --format: one line per format of the registry.
func formatHelp(formats *format.Registry) string {
	var b strings.Builder
	b.WriteString("file format:")
	for _, f := range formats.Formats() {
		fmt.Fprintf(&b, "\n  %s: %s", f.Name, f.Help)
	}
	return b.String()
}

// compressibleHelp names the formats whose files may be compressed.
func compressibleHelp(formats *format.Registry) string {
	var names []string
	for _, f := range formats.Formats() {
		if f.Compressible {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, ", ")
}

// flagOptions returns o without the flags' defaults, so that a format that
// does not read the CSV flags is not refused for their default values.
// exportTitle is the title the CLI gives an export: title when set, else
// the output file's name without its extensions ("export" on stdout).
func exportTitle(title, output string) string {
	if title != "" || output == "-" {
		return cmp.Or(title, "export")
	}
	name := filepath.Base(output)
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name
}

func flagOptions(o facteur.FormatOptions) facteur.FormatOptions {
	if o.Delimiter == "," {
		o.Delimiter = ""
	}
	return o
}

// readHMACKey returns the key of a CLI export's hmac rules: the text of
// file (without its final newline) or, without a file, of the environment
// variable FACTEUR_HMAC_KEY.
func readHMACKey(file string) ([]byte, error) {
	key, from := os.Getenv("FACTEUR_HMAC_KEY"), "FACTEUR_HMAC_KEY"
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, facteur.Errorf(facteur.EINVALID, "--hmac-key-file: %v", err)
		}
		key, from = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), "--hmac-key-file"
	}
	if key == "" {
		return nil, facteur.Errorf(facteur.EINVALID, "--obfuscate: an hmac rule needs a key: give --hmac-key-file or FACTEUR_HMAC_KEY (e.g. from openssl rand -hex 32)")
	}
	if err := facteur.CheckHMACKey(from, key); err != nil {
		return nil, err
	}
	return []byte(key), nil
}

// paramFlags collects the --param flags: NAME=VALUE or NAME:TYPE=VALUE.
type paramFlags []string

func (p *paramFlags) String() string { return strings.Join(*p, " ") }

func (p *paramFlags) Set(s string) error {
	if len(*p) >= facteur.MaxParams {
		return fmt.Errorf("at most %d parameters", facteur.MaxParams)
	}
	*p = append(*p, s)
	return nil
}

// bind checks the values against their types and returns them bound;
// nil when no --param was given, which leaves the query as it is.
func (p paramFlags) bind() ([]facteur.BoundParam, error) {
	if len(p) == 0 {
		return nil, nil
	}
	var decl []facteur.Parameter
	values := facteur.ParamValues{}
	for _, s := range p {
		name, val, ok := strings.Cut(s, "=")
		if !ok {
			return nil, facteur.Errorf(facteur.EINVALID, "--param %s: write NAME=VALUE or NAME:TYPE=VALUE, such as country=FR or teams:list=a,b", s)
		}
		name, typ, _ := strings.Cut(name, ":")
		par := facteur.Parameter{Name: strings.TrimSpace(name), Type: facteur.ParamType(cmp.Or(strings.TrimSpace(typ), "text"))}
		if _, twice := values[par.Name]; twice {
			return nil, facteur.Errorf(facteur.EINVALID, "--param %s: given twice; give a list's items once, separated by commas", par.Name)
		}
		decl = append(decl, par)
		values[par.Name] = facteur.TextValue(val)
	}
	if err := facteur.ValidateParams(decl, false); err != nil {
		return nil, facteur.Errorf(facteur.EINVALID, "--param: %s", facteur.ErrorMessage(err))
	}
	bound, err := facteur.BindParams(decl, values)
	if err != nil {
		return nil, facteur.Errorf(facteur.EINVALID, "--param: %s", facteur.ErrorMessage(err))
	}
	return bound, nil
}
