package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur/format/formattest"
)

// TestExportCommandParquet: facteur export --format parquet --codec snappy
// writes a file DuckDB reads: the columns typed (numeric(40,2) is wider
// than a DECIMAL readers hold, so text), every value PostgreSQL's.
func TestExportCommandParquet(t *testing.T) {
	pg := postgresURL(t)
	table := peopleTable(t, pg)
	out := filepath.Join(t.TempDir(), "people.parquet")
	cmd := exec.Command(bin, "export", "--source", pg, "--query", "select id, name, amount, created, active, photo, note from "+table+" order by id",
		"--format", "parquet", "--codec", "snappy", "--output", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("export: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "rows: 2") {
		t.Errorf("summary: %s", stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f := formattest.ReadParquet(t, data)
	if got := f.Types(); got != "id BIGINT, name VARCHAR, amount VARCHAR, created TIMESTAMP WITH TIME ZONE, active BOOLEAN, photo BLOB, note VARCHAR" {
		t.Errorf("DuckDB reads the columns %s", got)
	}
	if f.Meta.Codecs != "SNAPPY" {
		t.Errorf("codecs %q, want SNAPPY", f.Meta.Codecs)
	}
	want := [][]string{
		{"1", `Zoé "Z", Dupont`, "123456789012345678901234567890123456.78", "2024-03-31 01:00:00+00", "true", "AQID", "\x00null"},
		{"2", "multi\nline", "-0.50", "2024-10-27 00:30:00.5+00", "false", "\x00null", ""},
	}
	if len(f.Rows) != len(want) {
		t.Fatalf("DuckDB reads %d rows, want %d", len(f.Rows), len(want))
	}
	for i, r := range want {
		for j, w := range r {
			got := f.Rows[i][j]
			if w == "\x00null" && got != nil || w != "\x00null" && (got == nil || *got != w) {
				t.Errorf("row %d, %s: DuckDB reads %v, want %q", i+1, f.Columns[j].Name, got, w)
			}
		}
	}
}
