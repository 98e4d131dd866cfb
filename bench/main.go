// Command bench measures how fast `facteur export` gets a large table out
// of PostgreSQL, MariaDB and SQLite on the machine it runs on, against
// what each database and its own client can do, and writes the tables
// and a chart to docs/benchmarks.
//
//	go run ./bench [-rows N] [-reps R] [-only postgres,mysql,sqlite] …
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

const usageText = `Usage: go run ./bench [flags]

Bench measures how fast facteur gets a large table out, on this machine. It
builds ./cmd/facteur once into a temporary directory, creates a table of
generated rows in each database (PostgreSQL, MariaDB, a SQLite file: bigint
id, 16-character code, e-mail, timestamp, numeric(12,2), boolean, a nullable
~70-character note with ~30% NULL and 1 in 10 needing CSV quotes), then runs
every contender -reps times, round robin (one run of each, then again,
starting one contender later each round): the database's own limit or client
(PostgreSQL's COPY to /dev/null, psql \copy, psql | gzip -1; mysql --batch;
sqlite3 -csv), facteur export in every format, and on PostgreSQL excelize's
StreamWriter for XLSX (./bench/excelize) and a scheduled run through facteur
serve to a folder. Every contender is a child process: wall time from here,
peak RSS and CPU from its rusage; every run's row count is checked. It
prints progress on standard error and a markdown report on standard output,
also written with a PNG chart to -out (export.md, export.png). Tables and
the temporary directory are removed at the end, also on error and on ^C.
Ratios are per row against each database's baseline measured in the same
run: compare ratios, not seconds across runs.

Flags:
`

// config holds the flags.
type config struct {
	Rows       int64  // PostgreSQL table rows
	Small      int64  // rows of the PostgreSQL @SMALL runs (xlsx, memory flatness)
	MySQLRows  int64  // MariaDB table rows
	SQLiteRows int64  // SQLite table rows
	Reps       int    // runs of every contender
	Postgres   string // PostgreSQL URL
	MySQL      string // MariaDB/MySQL URL
	Only       []string
	OnlySet    bool   // -only was given: an unusable database is an error
	Out        string // directory of export.md and export.png; "" writes nothing
	Keep       bool   // keep the temporary directory
}

// The databases, as named by -only.
var allDatabases = []string{"postgres", "mysql", "sqlite"}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, cfg, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "\nbench: FAIL:", err)
		os.Exit(1)
	}
}

// parseFlags reads the flags and checks them.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.Int64Var(&cfg.Rows, "rows", 5_000_000, "rows in the PostgreSQL table")
	fs.Int64Var(&cfg.Small, "small", 1_000_000, "rows of the PostgreSQL xlsx and memory-flatness runs (at most -rows/2)")
	fs.Int64Var(&cfg.MySQLRows, "mysql-rows", 1_000_000, "rows in the MariaDB table")
	fs.Int64Var(&cfg.SQLiteRows, "sqlite-rows", 1_000_000, "rows in the SQLite table")
	fs.IntVar(&cfg.Reps, "reps", 3, "runs of every contender")
	fs.StringVar(&cfg.Postgres, "postgres", envOr("FACTEUR_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL URL of a role that may create tables and COPY to a server file; $FACTEUR_TEST_POSTGRES when set")
	fs.StringVar(&cfg.MySQL, "mysql", envOr("FACTEUR_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test"),
		"MariaDB/MySQL URL of an account that may create tables; $FACTEUR_TEST_MYSQL when set")
	only := fs.String("only", strings.Join(allDatabases, ","), "databases to measure, comma-separated; one named here that cannot be reached is an error")
	fs.StringVar(&cfg.Out, "out", "docs/benchmarks", "directory for export.md and export.png, relative to the module root; '' writes nothing")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the temporary directory (facteur binary, serve's data and log)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { cfg.OnlySet = cfg.OnlySet || f.Name == "only" })
	for _, db := range strings.Split(*only, ",") {
		db = strings.TrimSpace(db)
		if db == "" {
			continue
		}
		if !slices.Contains(allDatabases, db) {
			return cfg, fmt.Errorf("-only: unknown database %q (give postgres, mysql, sqlite)", db)
		}
		if !slices.Contains(cfg.Only, db) {
			cfg.Only = append(cfg.Only, db)
		}
	}
	switch {
	case len(cfg.Only) == 0:
		return cfg, errors.New("-only: name at least one database")
	case cfg.Rows < 10:
		return cfg, errors.New("-rows: give at least 10")
	case cfg.MySQLRows < 10:
		return cfg, errors.New("-mysql-rows: give at least 10")
	case cfg.SQLiteRows < 10:
		return cfg, errors.New("-sqlite-rows: give at least 10")
	case cfg.Small < 1:
		return cfg, errors.New("-small: give at least 1")
	case cfg.Reps < 1:
		return cfg, errors.New("-reps: give at least 1")
	}
	cfg.Small = min(cfg.Small, cfg.Rows/2)
	return cfg, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// commandLine is the command that reproduces this run, for the report.
// The database URLs are left out: they may hold passwords.
func (c config) commandLine() string {
	s := fmt.Sprintf("go run ./bench -rows %d -small %d -mysql-rows %d -sqlite-rows %d -reps %d",
		c.Rows, c.Small, c.MySQLRows, c.SQLiteRows, c.Reps)
	if c.OnlySet {
		s += " -only " + strings.Join(c.Only, ",")
	}
	return s
}

// bench is what every database's benchmark shares.
type bench struct {
	cfg      config
	dir      string // the temporary directory
	facteur  string // the facteur binary built into dir
	excelize string // the XLSX baseline (./bench/excelize) built into dir
	id       string // suffix of the tables' names, unique to this run
	log      io.Writer
}

// say prints a progress line.
func (b *bench) say(format string, args ...any) {
	fmt.Fprintf(b.log, "== "+format+"\n", args...)
}

// database is one kind of database the command measures.
type database interface {
	// Title names it in the report: "PostgreSQL".
	Title() string
	// Check says whether it can be measured here: its client is
	// installed and its server answers; the error says what to install
	// or set.
	Check(ctx context.Context) error
	// Version is the server's version, for the machine line.
	Version(ctx context.Context) string
	// Bench creates its table, runs its contenders and drops the table.
	Bench(ctx context.Context, b *bench) (*Group, error)
}

// newDatabase returns the database -only names key.
func newDatabase(key string, cfg config) database {
	switch key {
	case "postgres":
		return &postgres{url: cfg.Postgres, rows: cfg.Rows, small: cfg.Small}
	case "mysql":
		return &mariadb{url: cfg.MySQL, rows: cfg.MySQLRows}
	default:
		return &sqlite{rows: cfg.SQLiteRows}
	}
}

// run is the whole command.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	b := &bench{cfg: cfg, log: stderr, id: fmt.Sprintf("%d_%s", os.Getpid(), randomHex(3))}
	report := &Report{Command: cfg.commandLine(), Date: time.Now()}

	var dbs []database
	for _, key := range cfg.Only {
		db := newDatabase(key, cfg)
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := db.Check(cctx)
		cancel()
		if err != nil && cfg.OnlySet {
			return fmt.Errorf("%s (asked for with -only): %w", db.Title(), err)
		}
		if err != nil {
			b.say("skipping %s: %v", db.Title(), err)
			report.Skipped = append(report.Skipped, fmt.Sprintf("%s: %s", db.Title(), oneLine(err)))
			continue
		}
		dbs = append(dbs, db)
	}
	if len(dbs) == 0 {
		return errors.New("no database to measure (see the lines above)")
	}

	b.dir, err = os.MkdirTemp("", "facteur-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if cfg.Keep {
			b.say("kept %s", b.dir)
		} else {
			os.RemoveAll(b.dir)
		}
	}()
	b.say("building facteur and the excelize baseline into %s", b.dir)
	b.facteur = filepath.Join(b.dir, "facteur")
	b.excelize = filepath.Join(b.dir, "excelize")
	for bin, pkg := range map[string]string{b.facteur: "./cmd/facteur", b.excelize: "./bench/excelize"} {
		if _, err := capture(ctx, nil, "", "go", "build", "-C", root, "-o", bin, pkg); err != nil {
			return fmt.Errorf("build %s: %w", pkg, err)
		}
	}

	var versions []string
	for _, db := range dbs {
		g, err := db.Bench(ctx, b)
		if err != nil {
			return fmt.Errorf("%s: %w", db.Title(), err)
		}
		report.Groups = append(report.Groups, g)
		versions = append(versions, db.Version(ctx))
	}
	if v := moduleVersion(ctx, b.facteur, "modernc.org/sqlite"); v != "" {
		versions = append(versions, "facteur reads SQLite with modernc.org/sqlite "+v)
	}
	report.Machine = machineLine(versions)
	return writeReport(report, root, cfg.Out, stdout, stderr)
}

// writeReport prints the markdown and, unless out is empty, writes it and
// the chart into out (relative to the module root).
func writeReport(r *Report, root, out string, stdout, stderr io.Writer) error {
	if out == "" {
		return writeMarkdown(stdout, r)
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var png bytes.Buffer
	if err := writeChart(&png, r); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "export.png"), png.Bytes(), 0o644); err != nil {
		return err
	}
	r.Chart = "export.png"
	var md bytes.Buffer
	if err := writeMarkdown(&md, r); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "export.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "== wrote %s and %s\n", filepath.Join(out, "export.md"), filepath.Join(out, "export.png"))
	_, err := stdout.Write(md.Bytes())
	return err
}

// moduleRoot returns the directory of the go.mod this command belongs to.
func moduleRoot(ctx context.Context) (string, error) {
	gomod, err := capture(ctx, nil, "", "go", "env", "GOMOD")
	if err != nil {
		return "", err
	}
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run it inside the facteur module: go run ./bench")
	}
	return filepath.Dir(gomod), nil
}

// runGroup runs the contenders of g round robin and fills in its samples
// and the load around them.
func (b *bench) runGroup(ctx context.Context, g *Group, contenders []Contender) error {
	g.Reps = b.cfg.Reps
	for _, c := range contenders {
		g.Order = append(g.Order, c.Name)
	}
	g.LoadBefore = loadAverages()
	start := time.Now()
	samples, err := rounds(ctx, contenders, b.cfg.Reps, b.log)
	g.Samples = samples
	g.Elapsed = time.Since(start)
	g.LoadAfter = loadAverages()
	return err
}

func randomHex(n int) string {
	buf := make([]byte, n)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}
