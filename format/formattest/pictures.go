package formattest

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// Poppler checks a PDF with poppler-utils (Debian's poppler-utils,
// installed by scripts/test.sh): pdfinfo's page count must be the M of
// every "page N of M" printed, each N from 1 to M found once; and the
// text pdftotext -raw extracts (in the order it was drawn, so that a
// wrapped cell reads as one) must hold every column name and every cell,
// compared on the characters the embedded font covers (Latin, Greek,
// Cyrillic letters, digits and punctuation), whitespace aside, the cell
// cut to format.PDFMaxCellRunes characters as the format documents.
var Poppler = Reader{Program: "poppler's pdftotext and pdfinfo", Check: CheckPDF,
	RowLimit: format.PDFDefaultRowLimit, MaxHeap: 64 << 20}

// PopplerChart is Poppler for a report with a chart (see PNGChart), whose
// picture is the PDF's last page; a chart draws at most
// format.MaxChartPoints rows.
var PopplerChart = Reader{Program: "poppler's pdftotext and pdfinfo, with a chart", Check: CheckPDF,
	Chart: suiteChart, RowLimit: format.MaxChartPoints, MaxHeap: 64 << 20}

// CheckPDF checks a PDF as Poppler does: its page numbers, the names of
// cols and the text of every cell of rows (nil for NULL, printed as
// nothing). It is exported for the tests of whole exports.
func CheckPDF(t *testing.T, file []byte, cols []facteur.Column, rows [][][]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file.pdf")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	info := string(run(t, "pdfinfo (Debian's poppler-utils)", "pdfinfo", path))
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(m[1])
	text := string(run(t, "pdftotext (Debian's poppler-utils)", "pdftotext", "-raw", "-enc", "UTF-8", path, "-"))
	for n := 1; n <= pages; n++ {
		if c := strings.Count(text, fmt.Sprintf("page %d of %d\n", n, pages)); c != 1 {
			t.Errorf("\"page %d of %d\" is found %d times in the text", n, pages, c)
		}
	}
	flat := covered(text)
	for _, c := range cols {
		if !strings.Contains(flat, covered(c.Name)) {
			t.Errorf("pdftotext does not find the column name %q", c.Name)
		}
	}
	for i, row := range rows {
		for j, v := range row {
			want := []rune(string(v))
			if len(want) > format.PDFMaxCellRunes {
				want = want[:format.PDFMaxCellRunes]
			}
			if w := covered(string(want)); !strings.Contains(flat, w) {
				t.Errorf("row %d, column %d: pdftotext does not find %q", i+1, j+1, short(w))
			}
		}
	}
}

// covered keeps the characters of s the PDF's font shows that are not
// spaces: those of Latin, Greek and Cyrillic scripts, digits and ASCII
// punctuation.
func covered(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0x20 && r < 0x7f, r >= 0xa1 && r <= 0x24f && r != 0xad, r >= 0x370 && r <= 0x4ff:
			if unicode.IsPrint(r) {
				return r
			}
		}
		return -1
	}, s)
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// suiteChart is the chart the suite draws of its columns: the numbers
// against the timestamp (lines) when the first column is a number, else
// against the first text column (bars); nil when there is no number.
func suiteChart(cols []facteur.Column) *facteur.Chart {
	if len(cols) == 0 {
		return nil
	}
	var x, at string
	var ys []string
	for _, c := range cols {
		switch c.Kind {
		case facteur.KindInt, facteur.KindDecimal, facteur.KindFloat:
			if len(ys) < facteur.MaxChartSeries {
				ys = append(ys, c.Name)
			}
		case facteur.KindTimestamp:
			at = c.Name
		case facteur.KindText:
			if x == "" {
				x = c.Name
			}
		}
	}
	switch {
	case len(ys) == 0:
		return nil
	case at != "" && cols[0].Kind == facteur.KindInt:
		return &facteur.Chart{Type: facteur.ChartLine, X: at, Y: ys, Title: "Suite ✓"}
	}
	return &facteur.Chart{Type: facteur.ChartBar, X: x, Y: ys, Title: "Suite ✓"}
}

// PNGChart checks a chart with Go's image/png and with Pillow (Debian's
// python3-pil, installed by scripts/test.sh): both decode it at 1200 × 750
// pixels, and when a row has a number to draw, the plot area (below the
// legend) holds coloured pixels: series are drawn in colours, the axes,
// grid and text in greys.
var PNGChart = Reader{Program: "Go's image/png and Pillow", Check: checkPNG, Chart: suiteChart,
	RowLimit: format.MaxChartPoints, MaxHeap: 16 << 20}

// pillowScript prints the format and size of a picture, the number of
// colours of its plot area, and how many of its pixels are coloured
// (saturation above a third).
const pillowScript = `
import sys
from PIL import Image
im = Image.open(sys.argv[1])
im.load()
rgb = im.convert("RGB")
w, h = rgb.size
area = rgb.crop((int(w*0.1), int(h*0.15), int(w*0.95), int(h*0.85)))
colours = area.getcolors(maxcolors=area.size[0]*area.size[1])
saturation = area.convert("HSV").split()[1].histogram()
print(im.format, w, h, len(colours), sum(saturation[85:]))
`

func checkPNG(t *testing.T, file []byte, cols []facteur.Column, rows [][][]byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("image/png: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 750 {
		t.Errorf("image/png reads %d × %d pixels, want 1200 × 750", b.Dx(), b.Dy())
	}
	path := filepath.Join(t.TempDir(), "chart.png")
	if d := os.Getenv("FACTEUR_TEST_KEEP"); d != "" {
		_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")+".png"), file, 0o600)
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", pillowScript, path).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("Pillow (Debian's python3-pil, installed by scripts/test.sh) cannot read the picture: %v\n%s", err, msg)
	}
	var kind string
	var w, h, colours, near int
	if _, err := fmt.Sscan(string(out), &kind, &w, &h, &colours, &near); err != nil {
		t.Fatalf("Pillow's output %q: %v", out, err)
	}
	if kind != "PNG" || w != 1200 || h != 750 {
		t.Errorf("Pillow reads a %s of %d × %d pixels, want a PNG of 1200 × 750", kind, w, h)
	}
	if !hasNumber(cols, rows) {
		return
	}
	if colours < 2 || near == 0 {
		t.Errorf("the plot area is blank: %d colours, %d coloured pixels", colours, near)
	}
}

// hasNumber reports whether a row has a value in the chart's first y column.
func hasNumber(cols []facteur.Column, rows [][][]byte) bool {
	c := suiteChart(cols)
	if c == nil {
		return false
	}
	for i, col := range cols {
		if col.Name == c.Y[0] {
			for _, r := range rows {
				if r[i] != nil {
					return true
				}
			}
		}
	}
	return false
}
