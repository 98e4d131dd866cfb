package mail

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLText returns the plain-text version of an HTML message, for the
// text/plain alternative of a mail: the text of the elements, a line break
// for each block and <br>, list items as "- ", and each link's address
// after its text when they differ. Script and style contents are dropped.
func HTMLText(s string) string {
	var b strings.Builder
	var href []string // the open links' addresses
	skip := 0         // inside script or style
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.TextToken:
			if skip == 0 {
				b.WriteString(spaces.ReplaceAllString(tok.Data, " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			switch tok.DataAtom {
			case atom.Script, atom.Style:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Br:
				b.WriteString("\n")
			case atom.Li:
				b.WriteString("\n- ")
			case atom.A:
				h := ""
				for _, a := range tok.Attr {
					if a.Key == "href" {
						h = a.Val
					}
				}
				href = append(href, h)
				b.WriteString("\x00") // where the link's text starts
			default:
				if blocks[tok.DataAtom] {
					b.WriteString("\n")
				}
			}
		case html.EndTagToken:
			switch {
			case tok.DataAtom == atom.Script || tok.DataAtom == atom.Style:
				skip = max(skip-1, 0)
			case tok.DataAtom == atom.A && len(href) > 0:
				h := href[len(href)-1]
				href = href[:len(href)-1]
				text := b.String()
				start := strings.LastIndexByte(text, 0)
				label := strings.TrimSpace(text[start+1:])
				b.Reset()
				b.WriteString(text[:start])
				b.WriteString(text[start+1:])
				if h != "" && h != label && !strings.HasPrefix(h, "#") {
					b.WriteString(" (" + h + ")")
				}
			case blocks[tok.DataAtom]:
				b.WriteString("\n")
			}
		}
	}
	out := strings.ReplaceAll(b.String(), "\x00", "")
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	out = strings.Join(lines, "\n")
	out = blankLines.ReplaceAllString(out, "\n\n")
	return strings.TrimSpace(out) + "\n"
}

var (
	spaces     = regexp.MustCompile(`\s+`)
	blankLines = regexp.MustCompile(`\n{3,}`)
	// blocks are the elements that start and end a paragraph of text.
	blocks = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true,
		atom.H4: true, atom.H5: true, atom.H6: true, atom.Ul: true, atom.Ol: true, atom.Table: true,
		atom.Tr: true, atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Section: true}
)
