package format

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
)

// PDFMaxCellRunes is the most characters a PDF prints of a value: a longer
// one is cut and ends in "…", and a cell prints at most pdfMaxLines lines,
// so that every row fits on a page.
const PDFMaxCellRunes = 500

// pdfSans is the family of the embedded font, Liberation Sans: it covers
// Latin, Greek, Cyrillic and Hebrew, not Arabic, CJK or emoji.
const pdfSans = "sans"

// pdfMissing replaces a character the font cannot show: a white square,
// which Liberation Sans has.
const pdfMissing = '□'

// pdfText turns values into the text a PDF prints, knowing which
// characters the embedded font can show.
type pdfText struct {
	font  *sfnt.Font
	buf   sfnt.Buffer
	known map[rune]bool
	sb    strings.Builder
}

func newPDFText() (*pdfText, error) {
	f, err := sfnt.Parse(liberationsansregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	return &pdfText{font: f, known: make(map[rune]bool)}, nil
}

// addFonts embeds the regular and bold fonts in p.
func (x *pdfText) addFonts(p *fpdf.Fpdf) {
	p.AddUTF8FontFromBytes(pdfSans, "", liberationsansregular.TTF)
	p.AddUTF8FontFromBytes(pdfSans, "B", liberationsansbold.TTF)
}

// shows reports whether the font has a glyph for r.
func (x *pdfText) shows(r rune) bool {
	if r < 0x80 {
		return r >= 0x20 && r < 0x7f
	}
	ok, seen := x.known[r]
	if !seen {
		i, err := x.font.GlyphIndex(&x.buf, r)
		ok = err == nil && i != 0
		x.known[r] = ok
	}
	return ok
}

// cell returns the text printed for a value: "" for NULL, else clean's.
func (x *pdfText) cell(v []byte) string {
	if v == nil {
		return ""
	}
	return x.clean(string(v), PDFMaxCellRunes)
}

// clean returns s as printed: at most n characters (the last one "…"
// when cut), line breaks kept, tabs as spaces, and every character the
// font cannot show, controls included, as pdfMissing (□).
func (x *pdfText) clean(s string, n int) string {
	x.sb.Reset()
	count := 0
	for i, r := range s {
		if count == n {
			x.sb.WriteRune('…')
			break
		}
		count++
		switch {
		case r == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				count--
				continue
			}
			x.sb.WriteByte('\n')
		case r == '\n':
			x.sb.WriteByte('\n')
		case r == '\t':
			x.sb.WriteByte(' ')
		case r == utf8.RuneError, unicode.IsControl(r), !x.shows(r):
			x.sb.WriteRune(pdfMissing)
		default:
			x.sb.WriteRune(r)
		}
	}
	return x.sb.String()
}
