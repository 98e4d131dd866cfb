package formattest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// The readers of the formats made for people (HTML, plain text) and of
// XML, each a program Facteur did not write: Chromium and the Nu Html
// Checker, Python reading a text table by the positions of its columns,
// xmllint and Python's xml.etree.

// pyHTMLTable reads the DOM Chromium serialised (--dump-dom) with Python's
// html.parser: the text of each <th> of the <thead>, and of each <td> of
// each row of the <tbody>, as JSON {"header": [...], "rows": [[...], ...]}.
const pyHTMLTable = `
import json, sys
from html.parser import HTMLParser

class Table(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.header, self.rows, self.part, self.cell = [], [], None, None
    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody"): self.part = tag
        elif tag == "tr" and self.part == "tbody": self.rows.append([])
        elif tag in ("th", "td"): self.cell = []
    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            text = "".join(self.cell)
            (self.header if self.part == "thead" else self.rows[-1]).append(text)
            self.cell = None
    def handle_data(self, data):
        if self.cell is not None: self.cell.append(data)

t = Table()
t.feed(open(sys.argv[1], encoding="utf-8").read())
t.close()
print(json.dumps({"header": t.header, "rows": t.rows}))
`

// pyTextTable reads a text table by the positions of its columns: the
// rule under the header ("---+----") says where each column starts and
// ends, in display cells (East Asian wide characters count 2, combining
// marks and format characters 0, as unicodedata says); each cell is the
// text between them, without the spaces at its ends. The footer
// "(N rows)" says how many lines of rows follow the rule.
const pyTextTable = `
import json, re, sys, unicodedata

def width(c):
    if unicodedata.east_asian_width(c) in ("W", "F"): return 2
    if unicodedata.category(c) in ("Mn", "Me", "Cf"): return 0
    return 1

def cells(line, spans):
    out, pos, chars = [], 0, []
    for c in line:
        chars.append((pos, c))
        pos += width(c)
    for start, end in spans:
        out.append("".join(c for p, c in chars if start <= p < end).strip(" "))
    return out

lines = open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")
assert lines[-1] == "", "the file does not end with a new line"
count = [i for i, l in enumerate(lines) if re.fullmatch(r"\(([\d,]+) rows?.*\)", l)][-1]
n = int(re.match(r"\(([\d,]+)", lines[count]).group(1).replace(",", ""))
rule = lines[1]
assert set(rule) <= set("-+"), "the second line is not the rule: %r" % rule
spans, start = [], 0
for part in rule.split("+"):
    spans.append((start, start + len(part)))
    start += len(part) + 1
# "-+-" takes a dash each side from the columns it separates: a column's
# cells sit one cell inside the dashes around them.
spans = [(s + (1 if i > 0 else 0), e - (1 if i < len(spans) - 1 else 0)) for i, (s, e) in enumerate(spans)]
assert lines[2 + n] == "" and count == 3 + n, "the rows are not followed by a blank line and the count"
print(json.dumps({"header": cells(lines[0], spans), "rows": [cells(l, spans) for l in lines[2:2 + n]]}))
`

// runPython runs a script on file (named name) and decodes the header and
// rows it prints.
func runPython(t *testing.T, program, script, name string, file []byte) ([]*string, [][]*string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	return decodeTable(t, program, run(t, program, "/usr/bin/python3", "-c", script, path))
}

// run runs a reader and returns what it printed, failing the test with its
// error output.
func run(t *testing.T, program, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s (installed by scripts/test.sh) fails on the file: %v\n%.3000s", program, err, msg)
	}
	return out
}

func decodeTable(t *testing.T, program string, out []byte) ([]*string, [][]*string) {
	t.Helper()
	var got struct {
		Header []*string   `json:"header"`
		Rows   [][]*string `json:"rows"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s's output: %v\n%.500s", program, err, out)
	}
	return got.Header, got.Rows
}

// Chromium renders an HTML page in headless Chromium and reads the table
// of the DOM it built (--dump-dom) with Python's html.parser; before that,
// the Nu Html Checker (vnu.jar, run with the machine's Java) must find no
// error in the file. NULL is an empty cell; what HTML cannot hold is shown
// as the package documentation says (see HTMLShows).
var Chromium = Reader{Program: "Chromium and the Nu Html Checker", NullIsEmpty: true, Shows: HTMLShows,
	Read: func(t *testing.T, file []byte) ([]*string, [][]*string) {
		path := filepath.Join(t.TempDir(), "page.html")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		CheckHTML(t, path)
		dom := filepath.Join(t.TempDir(), "dom.html")
		if err := os.WriteFile(dom, DumpDOM(t, path), 0o600); err != nil {
			t.Fatal(err)
		}
		return decodeTable(t, "Python's html.parser", run(t, "Python's html.parser", "/usr/bin/python3", "-c", pyHTMLTable, dom))
	}}

// chromiumPath is Debian's Chromium, or FACTEUR_TEST_CHROMIUM.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("FACTEUR_TEST_CHROMIUM")
	switch p {
	case "skip":
		t.Skip("SKIPPED: FACTEUR_TEST_CHROMIUM=skip")
	case "":
		p = "/usr/bin/chromium"
	}
	return p
}

// DumpDOM returns the DOM headless Chromium builds from the HTML file at
// path, serialised.
func DumpDOM(t *testing.T, path string) []byte {
	t.Helper()
	return run(t, "Chromium", chromiumPath(t), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+path)
}

// CheckHTML runs the Nu Html Checker on the HTML file at path and fails
// the test on any error it reports. The checker is vnu.jar from the npm
// package vnu-jar, which scripts/test.sh installs next to axe-core
// (FACTEUR_TEST_VNU names the jar; "skip" skips the check).
func CheckHTML(t *testing.T, path string) {
	t.Helper()
	jar := os.Getenv("FACTEUR_TEST_VNU")
	switch jar {
	case "skip":
		t.Log("SKIPPED: the Nu Html Checker (FACTEUR_TEST_VNU=skip)")
		return
	case "":
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		jar = filepath.Join(cache, "facteur-referees", "node_modules", "vnu-jar", "build", "dist", "vnu.jar")
	}
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("the Nu Html Checker is needed (scripts/test.sh installs the npm package vnu-jar, or set FACTEUR_TEST_VNU): %v", err)
	}
	run(t, "the Nu Html Checker", "java", "-jar", jar, "--errors-only", path)
}

// HTMLShows is what a browser reads of a value in an HTML table: line
// breaks as LF, the C0 controls but tab and LF, and DEL, as their control
// pictures (U+2400 …), C1 controls and noncharacters as U+FFFD.
func HTMLShows(_ facteur.Kind, text []byte) []byte {
	s := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(text))
	return []byte(strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r < 0x20:
			return 0x2400 + r
		case r == 0x7F:
			return 0x2421
		case r >= 0x80 && r <= 0x9F, r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
			return utf8.RuneError
		}
		return r
	}, s))
}

// PythonTextTable reads a text table with Python, by the positions of its
// columns (see pyTextTable). NULL is an empty cell; values are shown as
// TextShows says. The suite's options raise the row limit to its most, so
// that 200,000 rows go through.
var PythonTextTable = Reader{Program: "Python, by the columns' positions", NullIsEmpty: true, Shows: TextShows,
	Options: facteur.FormatOptions{RowLimit: facteur.MaxRowLimit},
	Read: func(t *testing.T, file []byte) ([]*string, [][]*string) {
		return runPython(t, "Python, by the columns' positions", pyTextTable, "table.txt", file)
	}}

// TextShows is what a program reading a text table by the positions of
// its columns finds of a value shown in the first format.TextSampleRows
// rows: control characters as their control pictures (␉ ␍ ␊ ␀ ␡), the
// line and paragraph separators as ␤, the value cut with an ellipsis past format.TextCellWidth display
// cells (format.TextDataWidth for numbers, booleans, dates and times), and
// without the spaces at its ends, which cannot be told from the padding.
func TextShows(k facteur.Kind, text []byte) []byte {
	limit := format.TextDataWidth
	if k == facteur.KindText || k == facteur.KindJSON || k == facteur.KindBytes {
		limit = format.TextCellWidth
	}
	var out []rune
	w := 0
	for _, r := range string(text) {
		switch {
		case r < 0x20:
			r = 0x2400 + r
		case r == 0x7F:
			r = 0x2421
		case r == 0x2028 || r == 0x2029:
			r = 0x2424
		case r >= 0x80 && r <= 0x9F:
			r = utf8.RuneError
		}
		out = append(out, r)
		w += cells(r)
	}
	if w > limit {
		w = 0
		for i, r := range out {
			if w+cells(r) > limit-1 {
				out = append(out[:i], '…')
				break
			}
			w += cells(r)
		}
	}
	return []byte(strings.Trim(string(out), " "))
}

// cells is the display width of r, as Python's unicodedata says it.
func cells(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	return 1
}

// pyXMLTable reads an XML document with Python's xml.etree: the root's
// children are the rows, each row's children its cells in order; a cell's
// column name is its "name" attribute, or else its tag; xsi:nil="true" is
// a NULL. Every row must hold the same elements in the same order.
const pyXMLTable = `
import json, sys
import xml.etree.ElementTree as ET
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
root = ET.parse(sys.argv[1]).getroot()
header, rows, tags = None, [], None
for row in root:
    assert row.tag == "row", "a child of the root is <%s>, not <row>" % row.tag
    if tags is None:
        tags = [c.tag for c in row]
        header = [c.get("name", c.tag) for c in row]
    assert [c.tag for c in row] == tags, "the rows do not hold the same elements"
    assert len(set(tags)) == len(tags), "two columns share an element name"
    cells = []
    for c in row:
        assert len(c) == 0, "a cell holds elements"
        if c.get(NIL) == "true":
            assert not c.text, "a nil cell holds text"
            cells.append(None)
        else:
            cells.append(c.text or "")
    rows.append(cells)
print(json.dumps({"header": header, "rows": rows}))
`

// XMLLint checks an XML document with xmllint --noout (Debian's
// libxml2-utils), then reads it with Python's xml.etree (see pyXMLTable).
// Text is read as the package documentation says (see XMLShows).
var XMLLint = Reader{Program: "xmllint and Python's xml.etree", Shows: XMLShows,
	Read: func(t *testing.T, file []byte) ([]*string, [][]*string) {
		path := filepath.Join(t.TempDir(), "export.xml")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, "xmllint (Debian's libxml2-utils)", "xmllint", "--noout", path)
		return decodeTable(t, "Python's xml.etree", run(t, "Python's xml.etree", "/usr/bin/python3", "-c", pyXMLTable, path))
	}}

// XMLShows is what an XML parser reads of a value: the characters XML 1.0
// forbids (C0 controls other than tab, LF and CR, U+FFFE, U+FFFF) as
// U+FFFD.
func XMLShows(_ facteur.Kind, text []byte) []byte {
	return []byte(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, string(text)))
}
