package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur/internal/testdb"
)

// TestBenchEndToEnd runs the whole command at a tiny size against the
// test servers (scripts/test.sh starts them): every contender of every
// database must run, check its rows and reach the report and the chart,
// and the tables it made must be gone afterwards.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds facteur and talks to the databases")
	}
	pg := testdb.Postgres(t)
	my, _ := testdb.MySQL(t)
	only := []string{"postgres", "mysql"}
	if _, err := exec.LookPath("sqlite3"); err == nil {
		only = append(only, "sqlite")
	}
	out := t.TempDir()
	cfg, err := parseFlags([]string{"-rows", "400", "-small", "100", "-mysql-rows", "300", "-sqlite-rows", "300",
		"-reps", "1", "-only", strings.Join(only, ","), "-postgres", pg, "-mysql", my, "-out", out}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, cfg, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(out, "export.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, stdout.Bytes()) {
		t.Error("the report printed differs from the one written")
	}
	for _, want := range []string{
		"| limit | 400 |", `| psql \copy | 400 |`, "| facteur csv | 400 |", "| facteur csv.gz | 400 |",
		"| facteur xlsx @100 | 100 |", "| excelize xlsx @100 | 100 |", "| facteur serve → folder csv | 400 |",
		"| mysql --batch --quick | 300 |", "### MariaDB: 300 rows", "![",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if len(only) == 3 && !strings.Contains(string(md), "| sqlite3 -csv -header | 300 |") {
		t.Error("the report lacks the SQLite baseline")
	}
	if fi, err := os.Stat(filepath.Join(out, "export.png")); err != nil || fi.Size() < 10_000 {
		t.Errorf("chart: %v", err)
	}
	m := regexp.MustCompile(`creating (public\.bench_export_\w+) with`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no table named in the progress lines:\n%s", stderr.String())
	}
	left, err := capture(ctx, nil, "", "psql", pg, "-XAtqc", "select to_regclass('"+m[1]+"') is null")
	if err != nil {
		t.Fatal(err)
	}
	if left != "t" {
		t.Errorf("%s is left behind", m[1])
	}
}
