package export_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/export"
	"github.com/facteur/facteur/source"
)

// wantStage checks what a failed export says: its stage, its code, whether
// the queue retries it, and the start of its message.
func wantStage(t *testing.T, err error, stage, code string, retry bool, msg string) {
	t.Helper()
	if err == nil {
		t.Fatal("the export succeeded")
	}
	if facteur.ErrorStage(err) != stage || facteur.ErrorCode(err) != code || facteur.Retryable(err) != retry ||
		!strings.HasPrefix(facteur.ErrorMessage(err), msg) {
		t.Errorf("error %q: stage %q, code %q, retryable %v; want %q, %q, %v and a message starting %q",
			err, facteur.ErrorStage(err), facteur.ErrorCode(err), facteur.Retryable(err), stage, code, retry, msg)
	}
}

// wantEmpty checks that a failed export left nothing in dir.
func wantEmpty(t *testing.T, dir string) {
	t.Helper()
	if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
		t.Errorf("left in the spool: %v %v", left, err)
	}
}

// A query the database refuses fails for good at the source stage, with
// the database's message.
func TestSourceStageSQLError(t *testing.T) {
	t.Parallel()
	dsn, schema, _ := pgSchema(t)
	src := openSource(t, dsn, source.Options{})
	dir := t.TempDir()
	_, err := export.Run(context.Background(), export.Spec{Source: src, Query: facteur.Query{SQL: "SELECT * FROM " + schema + ".missing"},
		Format: facteur.FormatOptions{Format: "csv"}, Path: filepath.Join(dir, "run-1.csv")})
	wantStage(t, err, facteur.StageSource, facteur.EINVALID, false, `sql: relation "`+schema+`.missing" does not exist`)
	wantEmpty(t, dir)
}

// A connection to PostgreSQL lost in the middle of the rows (its backend
// terminated by an administrator) is a source error a retry can fix.
func TestSourceStageConnectionLost(t *testing.T) {
	t.Parallel()
	dsn, _, admin := pgSchema(t)
	src := openSource(t, dsn, source.Options{})
	marker := "facteur_lost_" + suffix(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	progress := new(atomic.Int64)
	killed := make(chan error, 1)
	go func() {
		for progress.Load() < 5000 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		var n int
		killed <- admin.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%"+marker+"%' AND pid <> pg_backend_pid()").Scan(&n)
		if n != 1 {
			t.Errorf("terminated %d backends, want 1", n)
		}
	}()
	_, err := export.Run(ctx, export.Spec{Source: rowsOnly{src}, Progress: progress,
		Query:  facteur.Query{SQL: "SELECT generate_series(1, 500000000) AS id, '" + marker + "' AS marker"},
		Format: facteur.FormatOptions{Format: "csv"}, Path: filepath.Join(dir, "run-1.csv")})
	if kerr := <-killed; kerr != nil {
		t.Fatalf("pg_terminate_backend: %v", kerr)
	}
	// The client reads either the server's FATAL message or, when the
	// socket's end comes first (an EOF, a reset: whichever the kernel
	// gives), the end of the connection: both say the connection was lost
	// and that trying again may help.
	msg := "The database could not run the query right now (terminating connection due to administrator command)"
	if lost := "The connection to the database failed while running the query; trying again may help."; strings.HasPrefix(facteur.ErrorMessage(err), lost) {
		msg = lost
	}
	wantStage(t, err, facteur.StageSource, facteur.EUNAVAILABLE, true, msg)
	wantEmpty(t, dir)
}

// A full spool directory is retried, says how much room there was, and
// leaves no partial file, in every format.
func TestSpoolStageFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: mounting a small tmpfs for a full spool needs root; run as root to test a full spool directory")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a 2 MB tmpfs (%v: %s); a full spool directory is not tested", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	db := filepath.Join(t.TempDir(), "src.db")
	if sdb, err := sql.Open("sqlite", db); err != nil {
		t.Fatal(err)
	} else if _, err := sdb.Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	} else {
		sdb.Close()
	}
	src := openSource(t, "sqlite:"+db, source.Options{})
	// About 8 MB of text that does not compress much.
	q := facteur.Query{SQL: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 60000) SELECT x AS id, hex(randomblob(60)) AS noise FROM c"}
	for _, f := range []facteur.FormatOptions{{Format: "csv"}, {Format: "csv", Compression: "gzip"}, {Format: "xlsx"}, {Format: "csv.zip"}} {
		_, err := export.Run(context.Background(), export.Spec{Source: src, Query: q, Format: f, InnerName: "run.csv", Path: filepath.Join(dir, "spool", "run-1.csv")})
		wantStage(t, err, facteur.StageSpool, facteur.EUNAVAILABLE, true, "The spool directory "+filepath.Join(dir, "spool")+" has 2.0 MB free; the export needed more.")
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%s %s: the cause is not kept: %v", f.Format, f.Compression, err)
		}
		wantEmpty(t, filepath.Join(dir, "spool"))
	}
}

// skewedSource returns rows with one value more than its columns: a bug
// of a source, which its encoder refuses.
type skewedSource struct{ brokenSource }

func (skewedSource) Query(context.Context, facteur.Query) (facteur.Rows, error) {
	return &skewedRows{brokenRows{left: 10}}, nil
}

type skewedRows struct{ brokenRows }

func (r *skewedRows) Row() [][]byte { return append(r.brokenRows.Row(), []byte("extra")) }
func (r *skewedRows) Err() error    { return nil }

// An unexpected error of an encoder is a bug: internal, never retried.
func TestEncodeStageBug(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"csv", "json", "xlsx"} {
		_, err := export.Run(context.Background(), export.Spec{Source: skewedSource{}, Format: facteur.FormatOptions{Format: f}, Path: filepath.Join(dir, "run-1."+f)})
		wantStage(t, err, facteur.StageEncode, facteur.EINTERNAL, false, "Writing the file failed because of an error in Facteur itself")
		if !strings.Contains(err.Error(), "encode row 1: format: row has 3 values for 2 columns") {
			t.Errorf("%s: the cause is not kept: %v", f, err)
		}
	}
	wantEmpty(t, dir)
}
