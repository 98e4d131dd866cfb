package format_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// salesCols and salesRows are a small report to draw: a day, a region
// and two numbers, one of them NULL on some days.
var salesCols = []facteur.Column{{Name: "day", Kind: facteur.KindDate}, {Name: "region", Kind: facteur.KindText},
	{Name: "total", Kind: facteur.KindDecimal}, {Name: "orders", Kind: facteur.KindInt}}

func salesRows(n int) [][][]byte {
	rows := make([][][]byte, n)
	for i := range rows {
		day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		rows[i] = [][]byte{[]byte(day.Format("2006-01-02")), []byte([]string{"Nord", "Sud — Юг", "Ouest Δ"}[i%3]),
			[]byte(strconv.Itoa(100+(i*37)%90) + ".50"), []byte(strconv.Itoa(i % 17))}
		if i%7 == 3 {
			rows[i][2] = nil
		}
	}
	return rows
}

// write encodes rows in t's format and returns the file, or the first error.
func write(t *testing.T, tg format.Target, rows [][][]byte) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc, err := format.Builtin().New(&buf, tg)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := enc.Write(r, nil); err != nil {
			enc.Close()
			return nil, err
		}
	}
	err = enc.Close()
	return buf.Bytes(), err
}

func poppler(t *testing.T, name string, file []byte, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file.pdf")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, path)
	if name == "pdftotext" {
		args = append(args, "-") // to standard output
	}
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s (poppler-utils, installed by scripts/test.sh): %v", name, err)
	}
	return string(out)
}

// TestPDFGolden: the title, the run's time and period, the column names
// and the rows of a small report, as pdftotext -layout lays them out.
func TestPDFGolden(t *testing.T) {
	t.Parallel()
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	file, err := write(t, format.Target{Cols: salesCols, Options: facteur.FormatOptions{Format: "pdf"}, Title: "Ventes — Продажи — Πωλήσεις",
		Time: time.Date(2024, 3, 31, 8, 0, 0, 0, time.UTC), Period: &facteur.Period{Column: "day", From: from, To: from.AddDate(0, 1, 0)}}, salesRows(12))
	if err != nil {
		t.Fatal(err)
	}
	text := poppler(t, "pdftotext", file, "-layout")
	golden(t, "sales.pdf.txt", []byte(text))
	for _, want := range []string{"Ventes — Продажи — Πωλήσεις", "Run of 2024-03-31 08:00 UTC", "Rows with day from 2024-03-01 00:00 UTC to 2024-04-01 00:00 UTC", "page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q", want)
		}
	}
	if info := poppler(t, "pdfinfo", file); !strings.Contains(info, "CreationDate:    Sun Mar 31 08:00:00 2024 UTC") {
		t.Errorf("pdfinfo:\n%s", info)
	}
}

// TestPDFPages: the column names head every page, each page is numbered
// "page N of M", and the page turns when the columns need it; a report of
// more columns than fit across a landscape page prints blocks.
func TestPDFPages(t *testing.T) {
	t.Parallel()
	file, err := write(t, format.Target{Cols: salesCols, Options: facteur.FormatOptions{Format: "pdf"}, Title: "Sales"}, salesRows(400))
	if err != nil {
		t.Fatal(err)
	}
	info := poppler(t, "pdfinfo", file)
	pages, _ := strconv.Atoi(regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)[1])
	if pages < 5 || !strings.Contains(info, "595.28 x 841.89") {
		t.Fatalf("400 rows of 4 columns: want 5 portrait pages or more:\n%s", info)
	}
	for n := 1; n <= pages; n++ {
		page := poppler(t, "pdftotext", file, "-layout", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n))
		if !regexp.MustCompile(`day\s+region\s+total\s+orders`).MatchString(page) || !strings.Contains(page, fmt.Sprintf("page %d of %d", n, pages)) {
			t.Errorf("page %d lacks the column names or its number:\n%s", n, page)
		}
	}

	wide := func(n int) []facteur.Column {
		cols := make([]facteur.Column, n)
		for i := range cols {
			cols[i] = facteur.Column{Name: fmt.Sprintf("column_%d", i), Kind: facteur.KindTimestamp}
		}
		return cols
	}
	file, err = write(t, format.Target{Cols: wide(8), Options: facteur.FormatOptions{Format: "pdf"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info := poppler(t, "pdfinfo", file); !strings.Contains(info, "841.89 x 595.28") {
		t.Errorf("8 timestamp columns: want a landscape page:\n%s", info)
	}
	row := make([][]byte, 40)
	for i := range row {
		row[i] = []byte("2024-03-31T03:00:00+02:00")
	}
	file, err = write(t, format.Target{Cols: wide(40), Options: facteur.FormatOptions{Format: "pdf"}}, [][][]byte{row})
	if err != nil {
		t.Fatal(err)
	}
	if text := poppler(t, "pdftotext", file, "-layout"); !regexp.MustCompile(`Row 1`).MatchString(text) || !regexp.MustCompile(`column_39\s+2024-03-31T03:00:00\+02:00`).MatchString(text) {
		t.Errorf("40 columns: want a block of names and values:\n%.2000s", text)
	}
}

// TestPDFLayout: the columns are as wide as their first rows' values
// need, and the room left goes to the long text, so that a row of the
// benchmark's kind takes one line; a later, longer value wraps in its
// column and is printed whole.
func TestPDFLayout(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "code", Kind: facteur.KindText},
		{Name: "email", Kind: facteur.KindText}, {Name: "created_at", Kind: facteur.KindTimestamp},
		{Name: "amount", Kind: facteur.KindDecimal}, {Name: "active", Kind: facteur.KindBool}, {Name: "note", Kind: facteur.KindText}}
	var rows [][][]byte
	for i := range 300 {
		h := fmt.Sprintf("%064x", i*7919+1)
		note := "Note " + h[:32] + " " + h[32:]
		if i == 250 {
			note = strings.Repeat("a long remark ", 30) + "THE END"
		}
		rows = append(rows, [][]byte{[]byte(strconv.Itoa(i + 1)), []byte(h[:16]), []byte(fmt.Sprintf("user%d@mail.example.org", i+1)),
			[]byte("2020-01-01T00:00:17.001+00:00"), []byte("3723.35"), []byte("true"), []byte(note)})
	}
	file, err := write(t, format.Target{Cols: cols, Options: facteur.FormatOptions{Format: "pdf"}, Title: "Layout"}, rows)
	if err != nil {
		t.Fatal(err)
	}
	if info := poppler(t, "pdfinfo", file); !strings.Contains(info, "841.89 x 595.28") {
		t.Errorf("7 columns of a long note: want landscape pages:\n%s", info)
	}
	text := poppler(t, "pdftotext", file, "-layout")
	for i, r := range rows {
		if i == 250 {
			continue
		}
		line := regexp.MustCompile(`(?m)^\s*` + string(r[0]) + `\s+` + string(r[1]) + `\s+` + regexp.QuoteMeta(string(r[2])) +
			`\s+2020-01-01T00:00:17\.001\+00:00\s+3723\.35\s+true\s+` + regexp.QuoteMeta(string(r[6])) + `\s*$`)
		if !line.MatchString(text) {
			t.Fatalf("row %d is not on one line of its own:\n%.3000s", i+1, text)
		}
	}
	if words := strings.Fields(text); !slices.Contains(words, "THE") || !slices.Contains(words, "END") || strings.Count(text, "remark") != 30 {
		t.Errorf("the long note of row 251 is not printed whole")
	}
}

// TestPDFRowLimit: past row_limit the run fails saying csv or xlsx is the
// right choice; a row_limit above the most PDF accepts is refused.
func TestPDFRowLimit(t *testing.T) {
	t.Parallel()
	_, err := write(t, format.Target{Cols: salesCols, Options: facteur.FormatOptions{Format: "pdf", RowLimit: 5}}, salesRows(6))
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "more than 5 rows") || !strings.Contains(facteur.ErrorMessage(err), "choose csv or xlsx") {
		t.Errorf("6 rows for a row_limit of 5: %v", err)
	}
	if _, err := write(t, format.Target{Cols: salesCols, Options: facteur.FormatOptions{Format: "pdf", RowLimit: 5}}, salesRows(5)); err != nil {
		t.Errorf("5 rows for a row_limit of 5: %v", err)
	}
	err = format.Builtin().Validate(facteur.FormatOptions{Format: "pdf", RowLimit: format.PDFMaxRowLimit + 1})
	if want := fmt.Sprintf("format.row_limit: pdf files hold at most %d rows; choose csv or xlsx for more", format.PDFMaxRowLimit); facteur.ErrorMessage(err) != want {
		t.Errorf("row_limit past the bound: %v, want %q", err, want)
	}
	if err := format.Builtin().Validate(facteur.FormatOptions{Format: "pdf", RowLimit: format.PDFMaxRowLimit}); err != nil {
		t.Errorf("row_limit at the bound: %v", err)
	}
}

// TestPNGGolden: the same rows draw the same picture, here as a line chart
// of two series by day with gaps, and as bars by region.
func TestPNGGolden(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]*facteur.Chart{
		"sales_line.png": {Type: facteur.ChartLine, X: "day", Y: []string{"total", "orders"}, Title: "Sales by day"},
		"sales_bar.png":  {Type: facteur.ChartBar, X: "region", Y: []string{"total", "orders"}},
	} {
		rows := salesRows(30)
		if c.Type == facteur.ChartBar {
			rows = rows[:6]
		}
		file, err := write(t, format.Target{Cols: salesCols, Options: facteur.FormatOptions{Format: "png"}, Title: "Sales", Chart: c}, rows)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		golden(t, name, file)
		formattest.PNGChart.Check(t, file, salesCols, salesRows(6))
	}
}

// TestPNGErrors: each way a chart cannot be drawn says what to do.
func TestPNGErrors(t *testing.T) {
	t.Parallel()
	line := &facteur.Chart{Type: facteur.ChartLine, X: "day", Y: []string{"total"}}
	rows := salesRows(3)
	rows[2][2] = []byte("n/a")
	for _, tt := range []struct {
		chart *facteur.Chart
		rows  [][][]byte
		msg   string
	}{
		{nil, nil, "chart: the report has no chart; define one in the report"},
		{&facteur.Chart{Type: "bar", X: "week", Y: []string{"total"}}, nil, `chart.x: the export has no column "week"`},
		{&facteur.Chart{Type: "bar", X: "day", Y: []string{"region", "cost"}}, nil, `chart.y[1]: the export has no column "cost"`},
		{line, rows, `chart.y[0]: column "total", row 3: "n/a" is not a number the chart can draw`},
		{line, salesRows(format.MaxChartPoints + 1), "chart: more than 10000 rows to draw; aggregate them in the report's SQL"},
		{&facteur.Chart{Type: "bar", X: "day", Y: []string{"region"}}, salesRows(1), `chart.y[0]: column "region", row 1: "Nord" is not a number`},
	} {
		_, err := write(t, format.Target{Cols: salesCols, Options: facteur.FormatOptions{Format: "png"}, Chart: tt.chart}, tt.rows)
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), tt.msg) {
			t.Errorf("%+v: %v, want %q", tt.chart, err, tt.msg)
		}
	}
}

// TestCheckChart: png needs a chart, pdf draws one if there is one, and
// the chart's columns must be exported.
func TestCheckChart(t *testing.T) {
	t.Parallel()
	r := format.Builtin()
	c := &facteur.Chart{Type: facteur.ChartBar, X: "region", Y: []string{"total"}}
	for _, tt := range []struct {
		format string
		chart  *facteur.Chart
		fields []string
		msg    string
	}{
		{"png", nil, nil, "format.format: png files draw the report's chart, and this report has none"},
		{"png", c, []string{"region", "day"}, `include_fields: the report's chart draws field "total", which this export leaves out`},
		{"pdf", c, []string{"day", "total"}, `include_fields: the report's chart draws field "region"`},
		{"png", c, nil, ""},
		{"png", c, []string{"total", "region"}, ""},
		{"pdf", nil, []string{"day"}, ""},
		{"csv", nil, []string{"day"}, ""},
		{"csv", c, []string{"day"}, ""},
	} {
		err := r.CheckChart(facteur.FormatOptions{Format: tt.format}, tt.chart, tt.fields)
		if got := facteur.ErrorMessage(err); tt.msg == "" && err != nil || !strings.HasPrefix(got, tt.msg) {
			t.Errorf("%s %+v %v: %v, want %q", tt.format, tt.chart, tt.fields, err, tt.msg)
		}
	}
}
