package main

import (
	"bytes"
	"context"
	"database/sql"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// TestExportChart: facteur export draws a chart as png (--chart,
// --chart-x, --chart-y), puts it in a pdf, and refuses png without one.
func TestExportChart(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sales.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE sales (day TEXT, region TEXT, total REAL);
		INSERT INTO sales VALUES ('2024-01-01', 'Nord', 10.5), ('2024-01-02', 'Sud — Юг', 12), ('2024-01-03', 'Ouest Δ', NULL)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	export := func(args ...string) error {
		var stdout, stderr bytes.Buffer
		return runExport(context.Background(), format.Builtin(), append([]string{"--source", "sqlite:" + dbPath, "--table", "sales", "--title", "Sales"}, args...), &stdout, &stderr)
	}
	err = export("--format", "png", "--output", filepath.Join(dir, "none.png"))
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "png files draw the report's chart") {
		t.Errorf("png without a chart: %v", err)
	}
	err = export("--format", "png", "--chart", "bar", "--chart-x", "region", "--chart-y", "total,cost", "--output", filepath.Join(dir, "bad.png"))
	if !strings.Contains(facteur.ErrorMessage(err), `chart.y[1]: the export has no column "cost"`) {
		t.Errorf("png charting a missing column: %v", err)
	}

	pngPath := filepath.Join(dir, "sales.png")
	if err := export("--format", "png", "--chart", "bar", "--chart-x", "region", "--chart-y", "total", "--output", pngPath); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 750 {
		t.Errorf("the png: %v", err)
	}

	pdfPath := filepath.Join(dir, "sales.pdf")
	if err := export("--format", "pdf", "--chart", "line", "--chart-x", "day", "--chart-y", "total", "--output", pdfPath); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, installed by scripts/test.sh): %v", err)
	}
	for _, want := range []string{"Sales", "2024-01-02", "Sud — Юг", "Ouest Δ", "10.5", "page 2 of 2"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the pdf does not say %q:\n%s", want, out)
		}
	}
	if images, err := exec.Command("pdfimages", "-list", pdfPath).Output(); err != nil || strings.Count(string(images), "\n") < 3 {
		t.Errorf("pdfimages finds no chart in the pdf: %v\n%s", err, images)
	}
}
