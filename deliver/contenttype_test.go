package deliver_test

import (
	"testing"

	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/format"
)

// TestContentType: every format Facteur writes is delivered with its own
// media type, whatever the machine's /etc/mime.types says.
func TestContentType(t *testing.T) {
	for f, want := range map[string]string{
		"csv":     "text/csv; charset=utf-8",
		"csv.zip": "application/zip",
		"json":    "application/json",
		"ndjson":  "application/x-ndjson",
		"xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	} {
		if got := deliver.ContentType("export." + format.Extension(f)); got != want {
			t.Errorf("ContentType of a %s file = %q, want %q", f, got, want)
		}
	}
	if got := deliver.ContentType("blob.unknownext"); got != "application/octet-stream" {
		t.Errorf("unknown extension: %q", got)
	}
}
