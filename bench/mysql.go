package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// mariadb measures facteur against the mysql client (and the server's
// SELECT … INTO OUTFILE when it may write to /dev/null).
type mariadb struct {
	url    string
	rows   int64
	client string   // mysql or mariadb
	conn   []string // client arguments naming the server and database
	env    []string // MYSQL_PWD
	table  string
}

var _ database = (*mariadb)(nil)

// mysqlBaseline is the client run every MariaDB ratio compares with.
const mysqlBaseline = "mysql --batch --quick"

// Title names the database in the report.
func (*mariadb) Title() string { return "MariaDB" }

// Check needs the mysql (or mariadb) client and a server that answers.
func (m *mariadb) Check(ctx context.Context) error {
	if err := m.parseURL(); err != nil {
		return err
	}
	for _, c := range []string{"mysql", "mariadb"} {
		if _, err := exec.LookPath(c); err == nil {
			m.client = c
			break
		}
	}
	if m.client == "" {
		return fmt.Errorf("the mysql client is missing: %s", installHint("mariadb-client"))
	}
	if _, err := m.query(ctx, "select 1"); err != nil {
		return fmt.Errorf("MariaDB is not reachable at %s (set -mysql or FACTEUR_TEST_MYSQL): %w", redact(m.url), err)
	}
	return nil
}

// parseURL turns facteur's mysql://user:password@host:port/db into the
// client's arguments; the password goes in the environment.
func (m *mariadb) parseURL() error {
	u, err := url.Parse(m.url)
	if err != nil || (u.Scheme != "mysql" && u.Scheme != "mariadb") || u.User == nil {
		return fmt.Errorf("-mysql: want mysql://user[:password]@host[:port]/database, got %q", redact(m.url))
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		return fmt.Errorf("-mysql: name the database in the URL (mysql://user@host:3306/test)")
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	m.conn = []string{"--protocol=TCP", "--host=" + u.Hostname(), "--port=" + port, "--user=" + u.User.Username(), "--database=" + db}
	if pw, ok := u.User.Password(); ok {
		m.env = []string{"MYSQL_PWD=" + pw}
	}
	return nil
}

// Version is the server's version.
func (m *mariadb) Version(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := m.query(ctx, "select version()")
	if err != nil {
		return "MariaDB ?"
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		return "MariaDB " + v
	}
	return "MySQL " + v
}

// query runs SQL through the client and returns its output without the
// header.
func (m *mariadb) query(ctx context.Context, sql string) (string, error) {
	args := append([]string{m.client, "--batch", "--skip-column-names"}, m.conn...)
	return capture(ctx, m.env, "", append(args, "-e", sql)...)
}

// mysqlTableSQL creates the table: the PostgreSQL one in MariaDB's types,
// with deterministic values (CRC32 where PostgreSQL has hashtext).
const mysqlTableSQL = `CREATE TABLE %[1]s (
	id         BIGINT PRIMARY KEY,
	code       VARCHAR(16) NOT NULL,
	email      VARCHAR(64) NOT NULL,
	created_at DATETIME(3) NOT NULL,
	amount     DECIMAL(12,2) NOT NULL,
	active     BOOLEAN NOT NULL,
	note       TEXT
);
INSERT INTO %[1]s
SELECT seq,
	LEFT(MD5(seq), 16),
	CONCAT('user', seq, '@', ELT(1 + seq %% 3, 'example.com', 'mail.example.org', 'exemple.fr')),
	TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq * 17 SECOND + INTERVAL (seq %% 1000) * 1000 MICROSECOND,
	(CRC32(CONCAT('a', seq)) %% 10000000) / 100,
	seq %% 3 <> 0,
	CASE
		WHEN (CRC32(CONCAT('n', seq)) & 1023) < 307 THEN NULL
		WHEN seq %% 10 = 0 THEN CONCAT('Said "call back", ', MD5(seq), ' ', LEFT(MD5(seq * 7), 20))
		ELSE CONCAT('Note ', MD5(seq), ' ', MD5(seq * 7))
	END
FROM %[2]s;
ANALYZE TABLE %[1]s;
`

// sequence returns a derived table of the numbers 1…n in a column seq:
// MariaDB's SEQUENCE engine when it has it, else a cross join of digits
// (MySQL).
func (m *mariadb) sequence(ctx context.Context, n int64) string {
	if _, err := m.query(ctx, "select seq from seq_1_to_1"); err == nil {
		return fmt.Sprintf("seq_1_to_%d", n)
	}
	digits := "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " +
		"UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	k := int(math.Ceil(math.Log10(float64(n + 1))))
	var sum, from []string
	for i := range k {
		sum = append(sum, fmt.Sprintf("%d * d%d.d", int64(math.Pow10(i)), i))
		from = append(from, fmt.Sprintf("%s d%d", digits, i))
	}
	return fmt.Sprintf("(SELECT 1 + %s AS seq FROM %s) s WHERE seq <= %d",
		strings.Join(sum, " + "), strings.Join(from, ", "), n)
}

// Bench creates the table, measures every contender and drops the table.
func (m *mariadb) Bench(ctx context.Context, b *bench) (*Group, error) {
	m.table = "bench_export_" + b.id
	g := &Group{Title: m.Title(), Rows: m.rows,
		Baseline: mysqlBaseline, BaselineLabel: "× baseline", ChartLabel: "× " + mysqlBaseline}
	b.say("MariaDB: creating %s with %d rows", m.table, m.rows)
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if _, err := m.query(cctx, "DROP TABLE IF EXISTS "+m.table); err != nil {
			b.say("could not drop %s: %v", m.table, err)
		}
	}()
	start := time.Now()
	if _, err := m.query(ctx, fmt.Sprintf(mysqlTableSQL, m.table, m.sequence(ctx, m.rows))); err != nil {
		return nil, fmt.Errorf("create the table: %w", err)
	}
	mb, err := m.query(ctx, fmt.Sprintf("SELECT ROUND((data_length + index_length) / 1048576) FROM information_schema.tables "+
		"WHERE table_schema = DATABASE() AND table_name = '%s'", m.table))
	if err != nil {
		return nil, err
	}
	b.say("MariaDB: table ready in %.1f s, %s MB; warming the caches", time.Since(start).Seconds(), mb)
	if _, err := m.query(ctx, fmt.Sprintf("SELECT COUNT(*), SUM(LENGTH(note)) FROM %s", m.table)); err != nil {
		return nil, err
	}
	g.Notes = append(g.Notes, fmt.Sprintf("Table %s MB (InnoDB). Baseline: `mysql --batch --quick -e 'select * from t' > file` "+
		"(tab-separated with a header, row by row; it writes no CSV quoting).", mb))
	return g, b.runGroup(ctx, g, m.contenders(ctx, b, g))
}

// contenders lists the MariaDB contenders.
func (m *mariadb) contenders(ctx context.Context, b *bench, g *Group) []Contender {
	out := func(name string) string { return filepath.Join(b.dir, name) }
	client := func(extra ...string) []string {
		return append(append([]string{m.client, "--batch"}, m.conn...), extra...)
	}
	var cs []Contender
	// The server's own limit, when it may write to /dev/null (it refuses
	// an existing file, and /dev/null exists, on MariaDB as on MySQL).
	if _, err := m.query(ctx, "SELECT 1 INTO OUTFILE '/dev/null'"); err != nil {
		g.Notes = append(g.Notes, fmt.Sprintf("No server limit: `SELECT … INTO OUTFILE '/dev/null'` is refused here (%s).", oneLine(err)))
	} else {
		sql := fmt.Sprintf("SELECT * FROM %s INTO OUTFILE '/dev/null'; SELECT ROW_COUNT()", m.table)
		cs = append(cs, Contender{Name: "server limit", Rows: m.rows,
			Run: command{args: client("--skip-column-names", "-e", sql), env: m.env}.run})
	}
	cs = append(cs, Contender{Name: mysqlBaseline, Rows: m.rows, Run: command{
		args: client("--quick", "-e", "select * from "+m.table), env: m.env,
		stdout: out("mysql.tsv"), output: out("mysql.tsv"), countLines: true,
	}.run})
	cs = append(cs, facteurContenders(b, m.url, m.table, m.rows)...)
	return cs
}

// facteurContenders are the facteur exports measured on MariaDB and
// SQLite: the whole table as csv, ndjson, json and csv.gz.
func facteurContenders(b *bench, source, table string, rows int64) []Contender {
	var cs []Contender
	for _, f := range []struct{ name, file string }{
		{"csv", "f.csv"}, {"ndjson", "f.ndjson"}, {"json", "f.json"}, {"csv.gz", "f.csv.gz"},
	} {
		out := filepath.Join(b.dir, f.file)
		args := []string{b.facteur, "export", "--source", source, "--table", table, "--output", out}
		if format, ok := strings.CutSuffix(f.name, ".gz"); ok {
			args = append(args, "--format", format, "--compression", "gzip")
		} else {
			args = append(args, "--format", f.name)
		}
		cs = append(cs, Contender{Name: "facteur " + f.name, Rows: rows, Run: command{args: args, output: out}.run})
	}
	return cs
}
