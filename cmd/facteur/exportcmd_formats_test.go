package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/format/formattest"
)

// TestExportHelpListsTheFormats: facteur export's help and validation
// read the registry they are given, so a format registered by this test
// only is offered, with its help line, and checked like the others.
func TestExportHelpListsTheFormats(t *testing.T) {
	formats := formattest.Registry()
	var stdout, stderr bytes.Buffer
	if err := runExport(context.Background(), formats, []string{"-h"}, &stdout, &stderr); err == nil {
		t.Fatal("-h: no usage error")
	}
	help := stderr.String()
	var compressible []string
	for _, f := range formats.Formats() {
		if f.Compressible {
			compressible = append(compressible, f.Name)
		}
	}
	for _, want := range []string{"  csv: comma-separated values", "  xlsx: an Excel workbook", "  tsv-test: tab-separated values, registered by a test",
		"gzip or zstd (" + strings.Join(compressible, ", ") + ")", "gzip or zstd (csv, json, ndjson, "} {
		if !strings.Contains(help, want) {
			t.Errorf("the help does not say %q:\n%s", want, help)
		}
	}
	err := runExport(context.Background(), formats, []string{"--source", "sqlite:/nonexistent.db", "--table", "t", "--output", "-", "--format", "tsv-test", "--bom"}, &stdout, &stderr)
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "format.bom: only csv or csv.zip files use it; leave it empty for tsv-test") {
		t.Errorf("--format tsv-test --bom: %v", err)
	}
}

// TestExportTextFormats: facteur export writes html, txt and xml from a
// real SQLite file to standard output, the title given with --title.
func TestExportTextFormats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "agents.db")
	out, err := exec.Command("/usr/bin/python3", "-c", `import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE agents (id INTEGER, name TEXT)")
c.execute("INSERT INTO agents VALUES (1, 'Zoé <z>'), (2, NULL)"); c.commit()`, db).CombinedOutput()
	if err != nil {
		t.Fatalf("Python's sqlite3: %v\n%s", err, out)
	}
	for name, want := range map[string][]string{
		"html": {"<title>Agents &amp; co</title>", "<td>Zoé &lt;z&gt;</td>", "<p>2 rows</p>"},
		"txt":  {"id | name\n---+--------\n 1 | Zoé <z>\n 2 |\n\n(2 rows)\n"},
		"xml":  {`<Agents___co xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="Agents &amp; co">`, "<row><id>1</id><name>Zoé &lt;z&gt;</name></row>", `<name xsi:nil="true"/>`},
	} {
		var stdout, stderr bytes.Buffer
		if err := runExport(context.Background(), format.Builtin(), []string{"--source", "sqlite:" + db, "--table", "agents", "--output", "-", "--format", name, "--title", "Agents & co"}, &stdout, &stderr); err != nil {
			t.Fatalf("--format %s: %v\n%s", name, err, stderr.String())
		}
		for _, w := range want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("--format %s writes\n%s\nwithout %q", name, stdout.String(), w)
			}
		}
	}
}
