package format_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// htmlPage is the fixture as a page with a title, a time and a period.
func htmlPage(t *testing.T, o format.HTMLOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	encodeAll(t, format.NewHTMLEncoder(&buf, fixtureCols, o), fixtureBytes())
	return buf.Bytes()
}

var pageOptions = format.HTMLOptions{
	Title:  `Ventes <"Q1"> & co`,
	Time:   time.Date(2024, 3, 31, 8, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
	Period: &facteur.Period{Column: "created", From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)},
}

func TestHTMLGolden(t *testing.T) {
	t.Parallel()
	golden(t, "fixture.html", htmlPage(t, pageOptions))
}

// TestHTMLPageStandsAlone: the page names its language, carries its own
// style and nothing else: no script, no link to any resource, no event
// attribute; the title, time, period and count are written, escaped.
func TestHTMLPageStandsAlone(t *testing.T) {
	t.Parallel()
	page := string(htmlPage(t, pageOptions))
	for _, bad := range []*regexp.Regexp{regexp.MustCompile(`(?i)<script`), regexp.MustCompile(`(?i)\s(src|href|on[a-z]+)=`),
		regexp.MustCompile(`(?i)<(link|img|iframe|object|embed)`), regexp.MustCompile(`(?i)url\(|@import`)} {
		if bad.MatchString(page) {
			t.Errorf("the page holds %s", bad.FindString(page))
		}
	}
	for _, want := range []string{`<html lang="en">`, `<title>Ventes &lt;"Q1"&gt; &amp; co</title>`, `<h1 id="title">Ventes &lt;"Q1"&gt; &amp; co</h1>`,
		`<time datetime="2024-03-31T08:00:00+02:00">2024-03-31 08:00 CEST</time>`,
		"Rows with created from 2024-03-01 00:00:00 UTC to 2024-04-01 00:00:00 UTC", "<p>8 rows</p>", `<th scope="col" class="n">amount</th>`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Without a time or a period, neither is written, and the title is "Export".
	bare := string(htmlPage(t, format.HTMLOptions{}))
	if strings.Contains(bare, "<time") || strings.Contains(bare, "Rows with") || !strings.Contains(bare, "<title>Export</title>") {
		t.Errorf("a page without title, time or period:\n%.600s", bare)
	}
}

// TestHTMLFormulaCells: with neutralisation (a spreadsheet can open an
// HTML table), text that starts like a formula takes an apostrophe, as in
// CSV and XLSX; numbers do not.
func TestHTMLFormulaCells(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "t", Kind: facteur.KindText}, {Name: "n", Kind: facteur.KindInt}}
	var on, off bytes.Buffer
	rows := [][][]byte{{[]byte("=1+2"), []byte("-5")}, {[]byte("@SUM(A1)"), []byte("=x")}}
	encodeAll(t, format.NewHTMLEncoder(&on, cols, format.HTMLOptions{Neutralize: true}), rows)
	encodeAll(t, format.NewHTMLEncoder(&off, cols, format.HTMLOptions{}), rows)
	for _, want := range []string{"<td>'=1+2</td>", `<td class="n">-5</td>`, "<td>'@SUM(A1)</td>", `<td class="n">'=x</td>`} {
		if !strings.Contains(on.String(), want) {
			t.Errorf("neutralised page lacks %s", want)
		}
	}
	if strings.Contains(off.String(), "'=") {
		t.Error("a page without neutralisation has an apostrophe")
	}
}

// TestHTMLFragmentLeavesRowsOut: the fragment an e-mail body embeds is the
// table alone, with inline styles, at most MaxRows rows, and says how many
// were left out; Chromium reads the rows it shows.
func TestHTMLFragmentLeavesRowsOut(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "label", Kind: facteur.KindText}}
	var buf bytes.Buffer
	enc := format.NewHTMLEncoder(&buf, cols, format.HTMLOptions{Fragment: true, MaxRows: 3, Title: "not shown"})
	var rows [][][]byte
	for i := range 10 {
		rows = append(rows, [][]byte{[]byte{byte('0' + i)}, []byte("<b>")})
	}
	encodeAll(t, enc, rows)
	frag := buf.String()
	if enc.Rows() != 10 || enc.LeftOut() != 7 {
		t.Errorf("Rows %d, LeftOut %d; want 10 and 7", enc.Rows(), enc.LeftOut())
	}
	if strings.Contains(frag, "<html") || strings.Contains(frag, "<style") || strings.Contains(frag, "not shown") || !strings.HasPrefix(frag, "<table") {
		t.Errorf("the fragment is not the table alone:\n%s", frag)
	}
	if !strings.Contains(frag, "10 rows; the last 7 are left out</p>") {
		t.Errorf("the fragment does not say how many rows were left out:\n%s", frag)
	}
	page := "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mail</title></head><body>\n" + frag + "</body></html>\n"
	path := filepath.Join(t.TempDir(), "mail.html")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	formattest.CheckHTML(t, path)
	dom := string(formattest.DumpDOM(t, path))
	if n := strings.Count(dom, "<tr>"); n != 4 {
		t.Errorf("Chromium finds %d rows (header included), want 4:\n%s", n, dom)
	}
	if !strings.Contains(dom, "&lt;b&gt;") || strings.Contains(dom, "<b>") {
		t.Error("a cell's markup was not escaped")
	}
}

// TestRowCountText: the sentence that ends the HTML and text tables.
func TestRowCountText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rows, left int64
		want       string
	}{{0, 0, "0 rows"}, {1, 0, "1 row"}, {1200, 0, "1,200 rows"}, {1200, 200, "1,200 rows; the last 200 are left out"},
		{2, 1, "2 rows; the last one is left out"}, {1234567, 0, "1,234,567 rows"}} {
		if got := format.RowCountText(c.rows, c.left); got != c.want {
			t.Errorf("RowCountText(%d, %d) = %q, want %q", c.rows, c.left, got, c.want)
		}
	}
}
