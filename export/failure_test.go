package export_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
)

// brokenSource yields rows, then fails: a connection lost mid-export.
type brokenSource struct{ rows int }

func (s brokenSource) Query(context.Context, facteur.Query) (facteur.Rows, error) {
	return &brokenRows{left: s.rows}, nil
}
func (brokenSource) Ping(context.Context) error { return nil }
func (brokenSource) Close() error               { return nil }

type brokenRows struct {
	left int
	row  [][]byte
}

var errLost = errors.New("connection lost")

func (r *brokenRows) Columns() []facteur.Column {
	return []facteur.Column{{Name: "id", Kind: facteur.KindInt}, {Name: "note", Kind: facteur.KindText}}
}
func (r *brokenRows) Next() bool {
	if r.left == 0 {
		return false
	}
	r.left--
	r.row = [][]byte{[]byte(strconv.Itoa(r.left)), []byte("a note long enough to fill the buffers " + strconv.Itoa(r.left))}
	return true
}
func (r *brokenRows) Row() [][]byte { return r.row }
func (r *brokenRows) Err() error    { return errLost }
func (r *brokenRows) Close() error  { return nil }

// TestFailedExportLeavesNothing: an export whose source fails after many
// rows, in every format and compression, returns the source's error and
// leaves no file and no goroutine behind (the spool, the compressor and
// zip entries each work on goroutines of their own).
func TestFailedExportLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	for _, f := range []facteur.FormatOptions{
		{Format: "csv"}, {Format: "csv", Compression: "gzip"}, {Format: "csv", Compression: "zstd"},
		{Format: "ndjson", Compression: "zstd"}, {Format: "json"}, {Format: "csv.zip"}, {Format: "xlsx"},
	} {
		path := filepath.Join(dir, "run."+f.Format+f.Compression)
		_, err := export.Run(context.Background(), export.Spec{Source: brokenSource{rows: 200_000}, Format: f, Path: path, InnerName: "run.csv"})
		if !errors.Is(err, errLost) {
			t.Errorf("%s %s: %v, want the source's error", f.Format, f.Compression, err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
