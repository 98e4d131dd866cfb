package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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

	// People compute with the cells: formulas added beside the data (with
	// openpyxl, which keeps every cell's type and style) and computed by
	// LibreOffice sum the float column and filter on the date column.
	formulas := map[string]string{
		"I1": "=SUM(D2:D501)",                                  // ratio, a float
		"I2": `=COUNTIF(F2:F501,">="&DATE(2026,3,30))`,         // created on or after 30 March (UTC)
		"I3": "=YEAR(F2)*10000+MONTH(F2)*100+DAY(F2)",          // 2026-03-29
		"I4": "=HOUR(F2)*100+MINUTE(F2)",                       // 01:30
		"I5": `=SUMPRODUCT((F2:F501<DATE(2026,3,31))*C2:C501)`, // amount before 31 March
	}
	var cells []string
	for ref, f := range formulas {
		cells = append(cells, fmt.Sprintf("ws[%q] = %q", ref, f))
	}
	script := "import openpyxl, sys\nwb = openpyxl.load_workbook(sys.argv[1])\nws = wb.worksheets[0]\n" + strings.Join(cells, "\n") + "\nwb.save(sys.argv[2])\n"
	if out, err := exec.Command("/usr/bin/python3", "-c", script, filepath.Join(dir, "t.xlsx"), filepath.Join(dir, "calc.xlsx")).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl (python3-openpyxl, installed by scripts/test.sh) could not add the formulas: %v\n%s", err, out)
	}
	conv = exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false", "--outdir", filepath.Join(dir, "lo"), filepath.Join(dir, "calc.xlsx"))
	if out, err := conv.CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice could not compute the formulas: %v\n%s", err, out)
	}
	calc := readCSV(t, filepath.Join(dir, "lo", "calc.csv"))
	var sum, amountBefore float64
	after := 0
	for g := 1; g <= 500; g++ {
		sum += float64(g) / 7.0
		created := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC).Add(time.Duration(g) * time.Hour)
		if !created.Before(time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)) {
			after++
		}
		if created.Before(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)) {
			amountBefore += float64(g) * 1.25
		}
	}
	for i, want := range []float64{sum, float64(after), 20260329, 130, amountBefore} {
		got, err := strconv.ParseFloat(calc[i][8], 64)
		if err != nil || math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("I%d %s: LibreOffice computes %q, want %v", i+1, formulas["I"+strconv.Itoa(i+1)], calc[i][8], want)
		}
	}
}

// sameCell compares a cell as LibreOffice shows it with the CSV's: equal
// text, or the same number (12.50 is 12.5), or the same boolean (TRUE is
// true), or the same instant (a date cell, shown in UTC, the export's
// zone). LibreOffice writes a float cell with 15 significant digits, as it
// shows it: the cell holds the double, as the SUM above checks.
func sameCell(got, want string) bool {
	if got == want || strings.EqualFold(got, want) && (want == "true" || want == "false") {
		return true
	}
	if w, err := time.Parse(time.RFC3339, want); err == nil {
		g, err := time.Parse("2006-01-02 15:04:05", got)
		return err == nil && g.Equal(w)
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && (g == w || strconv.FormatFloat(w, 'g', 15, 64) == strconv.FormatFloat(g, 'g', 15, 64))
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
