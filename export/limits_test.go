package export_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/source"
)

// endless is a query whose result never ends.
const endless = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r) SELECT x FROM r"

// TestLimitsStopEndlessQuery: an endless query on a real SQLite file and
// PostgreSQL server is stopped by the row limit and by the size limit,
// with a LimitError that says which limit and its value, is not retried,
// and leaves no file, whole or partial.
func TestLimitsStopEndlessQuery(t *testing.T) {
	sqlitePath := filepath.Join(t.TempDir(), "src.db")
	if err := os.WriteFile(sqlitePath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct{ name, dsn string }{
		{"sqlite", "sqlite:" + sqlitePath},
		{"postgres", testdb.Postgres(t)},
	} {
		q := openSource(t, src.dsn, source.Options{})
		for _, c := range []struct {
			name   string
			format facteur.FormatOptions
			limits facteur.RunLimits
			own    facteur.RunLimits
			want   string
		}{
			{"rows", facteur.FormatOptions{Format: "csv"}, facteur.RunLimits{MaxRows: 25_000}, facteur.RunLimits{},
				"stopped after 25,000 rows: the run's row limit; an administrator can raise it in Settings → Policy"},
			{"rows set by the schedule", facteur.FormatOptions{Format: "xlsx"}, facteur.RunLimits{MaxRows: 1000}, facteur.RunLimits{MaxRows: 1000},
				"stopped after 1,000 rows: the run's row limit set by its schedule; raise it in the schedule's limits"},
			{"bytes", facteur.FormatOptions{Format: "json", Compression: "gzip"}, facteur.RunLimits{MaxBytes: 1_000_000}, facteur.RunLimits{},
				"stopped at 1.0 MB (1,000,000 bytes): the run's file size limit"},
			{"bytes uncompressed", facteur.FormatOptions{Format: "csv"}, facteur.RunLimits{MaxBytes: 3 << 20}, facteur.RunLimits{},
				"stopped at 3 MiB (3,145,728 bytes): the run's file size limit"},
		} {
			dir := t.TempDir()
			path := filepath.Join(dir, "run-1."+c.format.Format)
			_, err := export.Run(context.Background(), export.Spec{Source: q, Query: facteur.Query{SQL: endless}, Format: c.format,
				Path: path, InnerName: "run.csv", Limits: c.limits, ScheduleLimits: c.own})
			var le *facteur.LimitError
			switch {
			case !errors.As(err, &le):
				t.Errorf("%s, %s: %v, want a limit error", src.name, c.name, err)
			case !strings.HasPrefix(facteur.ErrorMessage(err), c.want):
				t.Errorf("%s, %s: %q, want it to start with %q", src.name, c.name, facteur.ErrorMessage(err), c.want)
			case facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err):
				t.Errorf("%s, %s: code %s, retryable %v; want a permanent EINVALID", src.name, c.name, facteur.ErrorCode(err), facteur.Retryable(err))
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%s, %s: files left behind: %v", src.name, c.name, left)
			}
		}
	}
}
