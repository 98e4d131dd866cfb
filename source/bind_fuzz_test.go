package source

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
)

// FuzzBindParams rewrites arbitrary SQL in each dialect: it never panics,
// the SQL it returns holds no :name reference any more, the text between
// references is kept byte for byte, and MySQL and SQLite get one argument
// per placeholder written.
func FuzzBindParams(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM t WHERE a = :a AND b IN (:l) AND c::text = ':a' -- :a",
		"SELECT * FROM t WHERE a = :a AND b = any(:l) AND c::text = ':a' -- :a",
		"SELECT $x$ :a $x$, /* :a /* :a */ */ :n, E'\\' :a'",
		"SELECT `:a`, \":a\", [:a], @v := :a # :a\n",
		"SELECT :a:a::a, :ab, :", "'unclosed :a", "/* :a", "SELECT :a -- :l",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	params := []facteur.BoundParam{
		{Name: "a", Type: facteur.ParamText, Text: "x' OR 1=1 --"},
		{Name: "n", Type: facteur.ParamInteger, Int: 7, Text: "7"},
		{Name: "l", Type: facteur.ParamList, List: []string{"p", "q", "r"}},
		{Name: "e", Type: facteur.ParamList, List: []string{}},
	}
	f.Fuzz(func(t *testing.T, sql string, which uint8) {
		d := dialect(which % 3)
		refs, rerr := paramRefs(sql, d)
		out, args, err := bindParams(sql, d, params)
		if rerr != nil {
			if err == nil {
				t.Fatalf("the scanner failed (%v) but the rewrite did not", rerr)
			}
			return
		}
		if err != nil {
			if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(err.Error(), "not a declared parameter") && !strings.Contains(err.Error(), "is a list") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if len(refs) == 0 {
			if out != sql || args != nil {
				t.Fatalf("SQL without references changed: %q -> %q", sql, out)
			}
			return
		}
		again, err := paramRefs(out, d)
		if err != nil || len(again) != 0 {
			t.Fatalf("the rewritten %q still has references %v (%v)", out, again, err)
		}
		// The text around the references is kept; only placeholders (and
		// spaces that keep them apart) come between.
		rest := out
		last := 0
		for i, r := range refs {
			chunk := sql[last:r.start]
			if i == len(refs)-1 {
				chunk = sql[last:r.start]
			}
			j := strings.Index(rest, chunk)
			if j < 0 || strings.Trim(rest[:j], "$0123456789?, NUL") != "" {
				t.Fatalf("text %q of %q is not kept in %q", chunk, sql, out)
			}
			rest = rest[j+len(chunk):]
			last = r.end
		}
		if tail := sql[last:]; !strings.HasSuffix(rest, tail) || strings.Trim(rest[:len(rest)-len(tail)], "$0123456789?, NUL") != "" {
			t.Fatalf("the end %q of %q is not kept in %q", tail, sql, out)
		}
		if d != postgresDialect {
			want := 0
			for _, r := range refs {
				switch r.name {
				case "l":
					want += 3
				case "e":
				default:
					want++
				}
			}
			if len(args) != want {
				t.Fatalf("%d arguments for %q, want %d", len(args), out, want)
			}
		}
	})
}
