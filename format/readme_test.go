package format_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/facteur/facteur/format"
)

// formatTable is the README's table of formats as the registry says it.
func formatTable(r *format.Registry) string {
	var b strings.Builder
	b.WriteString("| format | file | media type | compression | for | options | what for |\n|---|---|---|---|---|---|---|\n")
	for _, f := range r.Formats() {
		compress, forWhom, opts := "no", "programs", "—"
		if f.Compressible {
			compress = "gzip, zstd"
		}
		if f.ForPeople {
			forWhom = "people"
		}
		if len(f.Options) > 0 {
			opts = "`" + strings.Join(f.Options, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `.%s` | `%s` | %s | %s | %s | %s |\n", f.Name, f.Ext, f.MediaType, compress, forWhom, opts, f.Help)
	}
	return b.String()
}

// TestREADMEFormatTable: the README's table of formats is the registry's,
// row for row; with -update the table is rewritten from the registry.
func TestREADMEFormatTable(t *testing.T) {
	t.Parallel()
	const path = "../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- formats: generated from format.Builtin() by TestREADMEFormatTable -->\n", "<!-- end of formats -->"
	s := string(readme)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no table of formats between %q and %q", start, end)
	}
	want := formatTable(format.Builtin())
	if got := s[i+len(start) : j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(s[:i+len(start)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's table of formats differs from the registry (go test ./format -run README -update rewrites it); want:\n%s", want)
	}
}
