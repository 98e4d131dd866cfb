package main

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/facteur/facteur/format"
)

// postgres measures facteur against the server's own COPY and psql.
type postgres struct {
	url   string
	rows  int64
	small int64 // rows of the @SMALL runs
	table string
}

var _ database = (*postgres)(nil)

// Title names the database in the report.
func (*postgres) Title() string { return "PostgreSQL" }

// Check needs psql and a server that answers.
func (pg *postgres) Check(ctx context.Context) error {
	if _, err := needTool("psql", "postgresql-client"); err != nil {
		return err
	}
	if _, err := pg.query(ctx, "select 1"); err != nil {
		return fmt.Errorf("PostgreSQL is not reachable at %s (set -postgres or FACTEUR_TEST_POSTGRES): %w", redact(pg.url), err)
	}
	return nil
}

// Version is the server's version.
func (pg *postgres) Version(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := pg.query(ctx, "show server_version")
	if err != nil {
		return "PostgreSQL ?"
	}
	return "PostgreSQL " + v
}

// query runs SQL through psql and returns its unaligned output.
func (pg *postgres) query(ctx context.Context, sql string) (string, error) {
	return capture(ctx, nil, "", "psql", pg.url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql)
}

// pgTableSQL creates the table; the values are deterministic (hashes of
// the id) so that every run exports the same bytes.
const pgTableSQL = `CREATE TABLE %[1]s (
	id         bigint PRIMARY KEY,
	code       text NOT NULL,
	email      text NOT NULL,
	created_at timestamptz NOT NULL,
	amount     numeric(12,2) NOT NULL,
	active     boolean NOT NULL,
	note       text
);
INSERT INTO %[1]s
SELECT g,
	substr(md5(g::text), 1, 16),
	'user' || g || '@' || (ARRAY['example.com', 'mail.example.org', 'exemple.fr'])[1 + g %% 3],
	timestamptz '2020-01-01 00:00:00+00' + g * interval '17 seconds' + (g %% 1000) * interval '1 millisecond',
	((hashtext('a' || g) & 2147483647) %% 10000000) / 100.0,
	g %% 3 <> 0,
	CASE
		WHEN (hashtext('n' || g) & 1023) < 307 THEN NULL
		WHEN g %% 10 = 0 THEN 'Said "call back", ' || md5(g::text) || ' ' || substr(md5((g * 7)::text), 1, 20)
		ELSE 'Note ' || md5(g::text) || ' ' || md5((g * 7)::text)
	END
FROM generate_series(1, %[2]d) AS g;
VACUUM ANALYZE %[1]s;
`

// Bench creates the table, measures every contender and drops the table.
func (pg *postgres) Bench(ctx context.Context, b *bench) (g *Group, err error) {
	pg.table = "public.bench_export_" + b.id
	g = &Group{Title: pg.Title(), Rows: pg.rows}
	b.say("PostgreSQL: creating %s with %d rows", pg.table, pg.rows)
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if _, derr := pg.query(cctx, "DROP TABLE IF EXISTS "+pg.table); derr != nil {
			b.say("could not drop %s: %v", pg.table, derr)
		}
	}()
	start := time.Now()
	if _, err := capture(ctx, nil, fmt.Sprintf(pgTableSQL, pg.table, pg.rows),
		"psql", pg.url, "-X", "-q", "-v", "ON_ERROR_STOP=1"); err != nil {
		return nil, fmt.Errorf("create the table: %w", err)
	}
	mb, err := pg.query(ctx, fmt.Sprintf("select pg_total_relation_size('%s') / 1048576", pg.table))
	if err != nil {
		return nil, err
	}
	b.say("PostgreSQL: table ready in %.1f s, %s MB; warming the caches", time.Since(start).Seconds(), mb)
	if _, err := pg.query(ctx, fmt.Sprintf("select count(*), sum(length(note)) from %s", pg.table)); err != nil {
		return nil, err
	}
	g.Notes = append(g.Notes, fmt.Sprintf("Table %s MB. Ratios are seconds per row over the baseline's, so that the runs on %d rows (@%d) compare too.", mb, pg.small, pg.small))

	contenders := pg.contenders(ctx, b, g)
	srv, err := startServe(ctx, b)
	if err != nil {
		return nil, err
	}
	defer srv.stop(b)
	serve, err := srv.contender(ctx, b, "facteur serve → folder csv", pg.url, pg.table, pg.rows)
	if err != nil {
		return nil, err
	}
	contenders = append(contenders, serve)
	g.Serve, g.ServeBase = serve.Name, "facteur csv"
	b.say("PostgreSQL: %d contenders, %d round(s)", len(contenders), b.cfg.Reps)
	return g, b.runGroup(ctx, g, contenders)
}

// pdfRows is the default row limit of the pdf format, at which it is measured.
const pdfRows = format.PDFDefaultRowLimit

// contenders lists the PostgreSQL contenders and sets the group's
// baselines and flatness pairs.
func (pg *postgres) contenders(ctx context.Context, b *bench, g *Group) []Contender {
	t, n := pg.table, pg.rows
	small := fmt.Sprintf("select * from %s where id <= %d", t, pg.small)
	at := fmt.Sprintf(" @%d", pg.small)
	conv := "SELECT id, code, email, pg_catalog.to_json(created_at) #>> '{}', amount, " +
		"CASE WHEN active THEN 'true' WHEN NOT active THEN 'false' END, note FROM " + t
	psql := func(name string, rows int64, output, sql string) Contender {
		c := command{args: []string{"psql", pg.url, "-X", "-A", "-t", "-c", sql}, output: output}
		return Contender{Name: name, Rows: rows, Run: c.run}
	}
	out := func(name string) string { return filepath.Join(b.dir, name) }

	var cs []Contender
	g.Baseline, g.BaselineLabel, g.ChartLabel = "limit", "× limit", "× limit (server COPY to /dev/null)"
	g.Second, g.SecondLabel = `psql \copy`, `× psql \copy`
	if _, err := pg.query(ctx, "COPY (SELECT 1) TO '/dev/null'"); err != nil {
		g.Notes = append(g.Notes, fmt.Sprintf("No server-side limit: this role may not COPY to a server file (%v); psql \\copy is the baseline.", oneLine(err)))
		g.Baseline, g.BaselineLabel, g.ChartLabel = `psql \copy`, `× psql \copy`, `× psql \copy`
		g.Second = ""
	} else {
		cs = append(cs,
			psql("limit", n, "", fmt.Sprintf("COPY (SELECT * FROM %s) TO '/dev/null' (FORMAT csv)", t)),
			psql("limit+conv", n, "", fmt.Sprintf("COPY (%s) TO '/dev/null' (FORMAT csv)", conv)))
		g.Notes = append(g.Notes, "limit: the server's own `COPY (SELECT * FROM t) TO '/dev/null'` (no client, no network); "+
			"limit+conv: the same with the conversions `--pg-copy` asks the server for (timestamps, booleans).")
	}
	cs = append(cs, psql(`psql \copy`, n, out("psql.csv"),
		fmt.Sprintf(`\copy (select * from %s) to %s csv header`, t, sqlQuote(out("psql.csv")))))
	if _, err := exec.LookPath("gzip"); err != nil {
		g.Notes = append(g.Notes, "psql \\copy | gzip -1 left out: gzip is missing ("+installHint("gzip")+").")
	} else {
		cs = append(cs, psql(`psql \copy | gzip -1`, n, out("psql.csv.gz"),
			fmt.Sprintf(`\copy (select * from %s) to program %s csv header`, t, sqlQuote("gzip -1 > "+shellQuote(out("psql.csv.gz"))))))
	}
	fct := func(name string, rows int64, file string, args ...string) Contender {
		a := append([]string{b.facteur, "export", "--source", pg.url, "--output", out(file)}, args...)
		return Contender{Name: name, Rows: rows, Run: command{args: a, output: out(file)}.run}
	}
	table := []string{"--table", t}
	query := []string{"--query", small}
	pdf := min(int64(pdfRows), n)
	cs = append(cs,
		fct("facteur csv", n, "f.csv", append(table, "--format", "csv")...),
		fct("facteur csv --raw-cells", n, "r.csv", append(table, "--format", "csv", "--raw-cells")...),
		fct("facteur csv --pg-copy", n, "c.csv", append(table, "--format", "csv", "--raw-cells", "--pg-copy")...),
		Contender{Name: "facteur csv hmac(email)", Rows: n, Run: command{
			args:   append([]string{b.facteur, "export", "--source", pg.url, "--output", out("h.csv"), "--format", "csv", "--obfuscate", "email=hmac"}, table...),
			env:    []string{"FACTEUR_HMAC_KEY=bench-hmac-key-0123456789abcdef"},
			output: out("h.csv"),
		}.run},
		fct("facteur ndjson", n, "f.ndjson", append(table, "--format", "ndjson")...),
		fct("facteur json", n, "f.json", append(table, "--format", "json")...),
		fct("facteur csv.zip", n, "f.csv.zip", append(table, "--format", "csv.zip")...),
		fct("facteur csv.gz", n, "f.csv.gz", append(table, "--format", "csv", "--compression", "gzip")...),
		fct("facteur csv.zst", n, "f.csv.zst", append(table, "--format", "csv", "--compression", "zstd")...),
		fct("facteur parquet", n, "f.parquet", append(table, "--format", "parquet")...),
		fct("facteur parquet snappy", n, "f.snappy.parquet", append(table, "--format", "parquet", "--codec", "snappy")...),
		fct("facteur xml", n, "f.xml", append(table, "--format", "xml")...),
		fct("facteur html", n, "f.html", append(table, "--format", "html")...),
		fct(fmt.Sprintf("facteur pdf @%d", pdf), pdf, "p.pdf", "--query", fmt.Sprintf("select * from %s where id <= %d", t, pdf), "--format", "pdf"),
		fct("facteur xlsx"+at, pg.small, "s.xlsx", append(query, "--format", "xlsx")...),
		Contender{Name: "excelize xlsx" + at, Rows: pg.small, Run: command{
			args:   []string{b.excelize, "-source", pg.url, "-query", small, "-output", out("e.xlsx")},
			output: out("e.xlsx"),
		}.run},
		fct("facteur csv"+at, pg.small, "s.csv", append(query, "--format", "csv")...),
		fct("facteur ndjson"+at, pg.small, "s.ndjson", append(query, "--format", "ndjson")...),
		fct("facteur json"+at, pg.small, "s.json", append(query, "--format", "json")...),
		fct("facteur csv.gz"+at, pg.small, "s.csv.gz", append(query, "--format", "csv", "--compression", "gzip")...),
		fct("facteur parquet"+at, pg.small, "s.parquet", append(query, "--format", "parquet")...),
		fct("facteur xml"+at, pg.small, "s.xml", append(query, "--format", "xml")...),
		fct("facteur html"+at, pg.small, "s.html", append(query, "--format", "html")...),
	)
	if ageTo, pgpFile, err := benchKeys(b.dir); err != nil {
		g.Notes = append(g.Notes, "facteur csv age and gpg left out: no keys ("+oneLine(err)+").")
	} else {
		cs = append(cs,
			fct("facteur csv age", n, "f.csv.age", append(table, "--format", "csv", "--age-recipient", ageTo)...),
			fct("facteur csv gpg", n, "f.csv.gpg", append(table, "--format", "csv", "--gpg-recipient-file", pgpFile)...),
			fct("facteur csv.gz age", n, "f.csv.gz.age", append(table, "--format", "csv", "--compression", "gzip", "--age-recipient", ageTo)...))
		g.Notes = append(g.Notes, "facteur csv age, gpg: the same CSV encrypted to one age X25519 recipient, or to one OpenPGP Curve25519 key (`--gpg-recipient-file`).")
	}
	g.Notes = append(g.Notes, "facteur csv --raw-cells: no formula neutralising, rows read one by one (the default path); "+
		"--pg-copy: the same bytes written by the server's COPY.",
		"facteur parquet: columns compressed with zstd, the default; parquet snappy: with Snappy (`--codec snappy`), faster, larger.",
		"facteur csv hmac(email): the e-mail column replaced by its HMAC-SHA-256 in hex (`--obfuscate email=hmac`), the cost of per-field obfuscation.",
		"excelize xlsx: the same rows read with pgx and written by excelize's StreamWriter and its default save (`bench/excelize`), the way a Go program without Facteur would.")
	g.Notes = append(g.Notes, fmt.Sprintf("facteur pdf @%d: a PDF at its default row limit, %d rows (PDFs are for people: past the limit the run fails).", pdf, pdfRows))
	for _, f := range []string{"csv", "ndjson", "json", "csv.gz", "parquet", "xml", "html"} {
		g.Flatness = append(g.Flatness, FlatPair{Format: f, Small: "facteur " + f + at, Full: "facteur " + f})
	}
	return cs
}

// redact hides the password of a database URL.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unreadable URL)"
	}
	return p.Redacted()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
