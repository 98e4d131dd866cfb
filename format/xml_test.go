package format_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

func TestXMLGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	encodeAll(t, format.NewXMLEncoder(&buf, fixtureCols, "Agents' calls, 2024"), fixtureBytes())
	golden(t, "fixture.xml", buf.Bytes())
}

// TestXMLNames: the renaming rule of README's Formats section, name by name.
func TestXMLNames(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want []string }{
		{[]string{"id", "name", "prénom", "日本", "Ωmega"}, []string{"id", "name", "prénom", "日本", "Ωmega"}},
		{[]string{"order id", "1st", "a:b", "xml_id", "XMLish", "", "-x", ".y", "a😀", "a/b<c>"},
			[]string{"order_id", "_1st", "a_b", "_xml_id", "_XMLish", "_", "_-x", "_.y", "a_", "a_b_c_"}},
		{[]string{"id", "id", "id"}, []string{"id", "id_2", "id_3"}},
		// A valid name keeps itself even after a column renamed to it.
		{[]string{"a b", "a_b", "a_b_2"}, []string{"a_b_3", "a_b", "a_b_2"}},
		{[]string{"count(*)", "count(*)", "count__"}, []string{"count___", "count____2", "count__"}},
	} {
		if got := format.XMLNames(c.in); !slices.Equal(got, c.want) {
			t.Errorf("XMLNames(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestXMLRoot: the root is named after the report's title, "export" when
// it has none; a renamed title is kept in the root's name attribute.
func TestXMLRoot(t *testing.T) {
	t.Parallel()
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}}
	for title, want := range map[string]string{"": "<export ", "!!": "<export ", "agents": "<agents ",
		"Ventes 2024": `<Ventes_2024 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="Ventes 2024">`, "2024 sales": "<_2024_sales "} {
		var buf bytes.Buffer
		encodeAll(t, format.NewXMLEncoder(&buf, cols, title), nil)
		if !strings.Contains(buf.String(), want) {
			t.Errorf("title %q gives\n%s\nwant %s", title, buf.String(), want)
		}
	}
}

// FuzzXMLDocument: whatever the column names, the title and the value,
// the document is well-formed for Go's strict decoder, its element names
// are distinct, and the value reads back as XMLShows says.
func FuzzXMLDocument(f *testing.F) {
	f.Add("id", "id", "Report", []byte("a\x00b\r\n<&>]]>\xff\uFFFE"))
	f.Add("xml:a", "1 b", "", []byte(""))
	f.Fuzz(func(t *testing.T, a, b, title string, v []byte) {
		cols := []facteur.Column{{Name: a, Kind: facteur.KindText}, {Name: b, Kind: facteur.KindText}}
		var buf bytes.Buffer
		enc := format.NewXMLEncoder(&buf, cols, title)
		if err := enc.Write([][]byte{v, nil}, nil); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(&buf)
		var tags []string
		var text []byte
		depth := 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v\n%q", err, buf.String())
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				depth++
				if depth == 3 {
					tags = append(tags, tok.Name.Local)
				}
			case xml.EndElement:
				depth--
			case xml.CharData:
				if depth == 3 && len(tags) == 1 {
					text = append(text, tok...)
				}
			}
		}
		if len(tags) != 2 || tags[0] == tags[1] {
			t.Errorf("columns %q and %q give elements %q", a, b, tags)
		}
		// XMLShows maps each byte that is not UTF-8 to U+FFFD, as the encoder does.
		if want := formattest.XMLShows(facteur.KindText, v); !bytes.Equal(text, want) {
			t.Errorf("the value reads %q, want %q", text, want)
		}
	})
}
