package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// sqlite measures facteur against the sqlite3 shell on a file in the
// temporary directory.
type sqlite struct {
	rows int64
	path string
}

var _ database = (*sqlite)(nil)

// sqliteBaseline is the run every SQLite ratio compares with.
const sqliteBaseline = "sqlite3 -csv -header"

// Title names the database in the report.
func (*sqlite) Title() string { return "SQLite" }

// Check needs the sqlite3 shell.
func (*sqlite) Check(context.Context) error {
	_, err := needTool("sqlite3", "sqlite3")
	return err
}

// Version is the sqlite3 shell's SQLite.
func (*sqlite) Version(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := capture(ctx, nil, "", "sqlite3", ":memory:", "select sqlite_version()")
	if err != nil {
		return "SQLite ?"
	}
	return "SQLite " + v + " (sqlite3)"
}

// sqliteTableSQL creates the table. SQLite has no md5: the hex strings
// come from multiplicative hashes of the id (Knuth's and others'
// constants), deterministic like the PostgreSQL ones.
const sqliteTableSQL = `PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE t (
	id         INTEGER PRIMARY KEY,
	code       TEXT NOT NULL,
	email      TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	amount     DECIMAL(12,2) NOT NULL,
	active     BOOLEAN NOT NULL,
	note       TEXT
);
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < %d),
h AS (
	SELECT g,
		printf('%%08x%%08x%%08x%%08x', (g * 2654435761) %% 4294967296, ((g + 7) * 2246822519) %% 4294967296,
			((g + 13) * 3266489917) %% 4294967296, ((g + 29) * 668265263) %% 4294967296) AS h1,
		printf('%%08x%%08x%%08x%%08x', ((g * 7) * 2654435761) %% 4294967296, ((g * 7 + 7) * 2246822519) %% 4294967296,
			((g * 7 + 13) * 3266489917) %% 4294967296, ((g * 7 + 29) * 668265263) %% 4294967296) AS h2,
		((g + 101) * 2246822519) %% 4294967296 AS a,
		((g + 211) * 3266489917) %% 4294967296 AS n
	FROM s
)
INSERT INTO t
SELECT g,
	substr(h1, 1, 16),
	'user' || g || '@' || CASE g %% 3 WHEN 0 THEN 'example.com' WHEN 1 THEN 'mail.example.org' ELSE 'exemple.fr' END,
	strftime('%%Y-%%m-%%d %%H:%%M:%%f', 1577836800 + g * 17 + (g %% 1000) / 1000.0, 'unixepoch'),
	(a %% 10000000) / 100.0,
	g %% 3 <> 0,
	CASE
		WHEN (n >> 7) %% 1024 < 307 THEN NULL
		WHEN g %% 10 = 0 THEN 'Said "call back", ' || h1 || ' ' || substr(h2, 1, 20)
		ELSE 'Note ' || h1 || ' ' || h2
	END
FROM h;
ANALYZE;
`

// Bench creates the database file, measures every contender and removes
// the file.
func (s *sqlite) Bench(ctx context.Context, b *bench) (*Group, error) {
	s.path = filepath.Join(b.dir, "bench.db")
	g := &Group{Title: s.Title(), Rows: s.rows,
		Baseline: sqliteBaseline, BaselineLabel: "× baseline", ChartLabel: "× " + sqliteBaseline}
	b.say("SQLite: creating %s with %d rows", s.path, s.rows)
	defer os.Remove(s.path)
	start := time.Now()
	if _, err := capture(ctx, nil, fmt.Sprintf(sqliteTableSQL, s.rows), "sqlite3", "-bail", s.path); err != nil {
		return nil, fmt.Errorf("create the table: %w", err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return nil, err
	}
	b.say("SQLite: table ready in %.1f s, %.0f MB; warming the caches", time.Since(start).Seconds(), float64(fi.Size())/(1<<20))
	if _, err := capture(ctx, nil, "", "sqlite3", s.path, "select count(*), sum(length(note)) from t"); err != nil {
		return nil, err
	}
	g.Notes = append(g.Notes, fmt.Sprintf("Database file %.0f MB. Baseline: `sqlite3 -csv -header db 'select * from t' > file`; "+
		"facteur reads it through modernc.org/sqlite (pure Go), opened read-only.", float64(fi.Size())/(1<<20)))
	out := filepath.Join(b.dir, "sqlite.csv")
	cs := []Contender{{Name: sqliteBaseline, Rows: s.rows, Run: command{
		args:   []string{"sqlite3", "-csv", "-header", s.path, "select * from t"},
		stdout: out, output: out, countLines: true,
	}.run}}
	cs = append(cs, facteurContenders(b, "sqlite:"+s.path, "t", s.rows)...)
	return g, b.runGroup(ctx, g, cs)
}
