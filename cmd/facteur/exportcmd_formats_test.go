package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/facteur/facteur"
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
	for _, want := range []string{"  csv: comma-separated values", "  xlsx: an Excel workbook", "  tsv-test: tab-separated values, registered by a test", "gzip or zstd (csv, json, ndjson, tsv-test)"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help does not say %q:\n%s", want, help)
		}
	}
	err := runExport(context.Background(), formats, []string{"--source", "sqlite:/nonexistent.db", "--table", "t", "--output", "-", "--format", "tsv-test", "--bom"}, &stdout, &stderr)
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "format.bom: only csv or csv.zip files use it; leave it empty for tsv-test") {
		t.Errorf("--format tsv-test --bom: %v", err)
	}
}
