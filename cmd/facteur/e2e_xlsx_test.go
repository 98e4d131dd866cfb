package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestXLSXInLibreOffice: an XLSX written by facteur export opens in an
// independent reader, LibreOffice, which reads back every cell the CSV
// export of the same rows has: text (accents, quotes, neutralised formulas)
// as text, numbers as numbers, booleans as booleans, NULL as empty.
// FACTEUR_TEST_LIBREOFFICE names soffice (default /usr/bin/soffice); "skip"
// skips the test.
func TestXLSXInLibreOffice(t *testing.T) {
	soffice := os.Getenv("FACTEUR_TEST_LIBREOFFICE")
	if soffice == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_LIBREOFFICE=skip")
	}
	if soffice == "" {
		soffice = "/usr/bin/soffice"
	}
	if _, err := exec.LookPath(soffice); err != nil {
		t.Fatalf("LibreOffice is not installed (%s): run scripts/test.sh, which installs libreoffice-calc", soffice)
	}
	pg := postgresURL(t)
	table := "xlsx_lo_" + strconv.Itoa(os.Getpid())
	pgExec(t, pg, "DROP TABLE IF EXISTS "+table, `CREATE TABLE `+table+` AS SELECT g AS id, 'Élève "' || g || '", ok' AS name,
		(g * 1.25)::numeric(12,2) AS amount, (g / 7.0)::float8 AS ratio, g % 2 = 0 AS active,
		timestamptz '2026-03-29 00:30:00+00' + g * interval '1 hour' AS created,
		CASE WHEN g % 5 = 0 THEN NULL WHEN g % 7 = 0 THEN '=SUM(A1:A2)' WHEN g % 11 = 0 THEN '＋33 6 12' ELSE 'note ' || g END AS note
		FROM generate_series(1, 500) g`)
	t.Cleanup(func() { pgExec(t, pg, "DROP TABLE IF EXISTS "+table) })
	dir := t.TempDir()
	for _, f := range []string{"xlsx", "csv"} {
		if out, err := exec.Command(bin, "export", "--source", pg, "--table", table, "--format", f, "--output", filepath.Join(dir, "t."+f)).CombinedOutput(); err != nil {
			t.Fatalf("export %s: %v\n%s", f, err, out)
		}
	}
	conv := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false", "--outdir", filepath.Join(dir, "lo"), filepath.Join(dir, "t.xlsx"))
	if out, err := conv.CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice could not read the file: %v\n%s", err, out)
	}
	got, want := readCSV(t, filepath.Join(dir, "lo", "t.csv")), readCSV(t, filepath.Join(dir, "t.csv"))
	if len(got) != len(want) || len(want) != 501 {
		t.Fatalf("LibreOffice read %d lines, the CSV has %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !sameCell(got[i][j], want[i][j]) {
				t.Errorf("line %d, column %s: LibreOffice reads %q, the CSV has %q", i+1, want[0][j], got[i][j], want[i][j])
			}
		}
	}
}

// sameCell compares a cell as LibreOffice shows it with the CSV's: equal
// text, or the same number (12.50 is 12.5), or the same boolean (TRUE is
// true).
func sameCell(got, want string) bool {
	if got == want || strings.EqualFold(got, want) && (want == "true" || want == "false") {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && g == w
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
