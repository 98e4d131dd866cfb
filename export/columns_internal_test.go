package export

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// The report's columns, kept beside the spooled file, come back with the
// artifact of the run, also when a retry delivers it after a restart: a
// destination that loads a typed table (BigQuery) creates it from them.
func TestArtifactColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run-7.ndjson")
	if err := os.WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cols := []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "amount", Kind: facteur.KindDecimal, Precision: 10, Scale: 2}}
	if err := writeColumns(path, cols); err != nil {
		t.Fatal(err)
	}
	run := &facteur.Run{ID: 9, RetryOf: 7, ArtifactPath: path, FileName: "orders.ndjson"}
	a := artifactOf(run, format.Builtin())
	if !reflect.DeepEqual(a.Columns, cols) || a.RunID != 7 || a.ContentType != "application/x-ndjson" {
		t.Errorf("artifact %+v, want the columns %+v of run 7", a, cols)
	}
	if _, err := os.Stat(ColumnsPath(path) + ".partial"); !os.IsNotExist(err) {
		t.Errorf("the temporary file of the columns is left: %v", err)
	}
	// A file without columns beside it (exported before they were kept).
	os.Remove(ColumnsPath(path))
	if a := artifactOf(run, format.Builtin()); a.Columns != nil {
		t.Errorf("columns %+v without a file of columns", a.Columns)
	}
}
