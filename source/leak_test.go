package source

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// TestNoGoroutineLeft runs every way a query can end on each kind of
// database and checks that, once the querier is closed, no goroutine of it
// is left. It does not run in parallel: it counts the goroutines of the
// whole test binary.
func TestNoGoroutineLeft(t *testing.T) {
	pg := pgDSN(t)
	my, _ := myAdmin(t)
	sq := "sqlite:" + sqEveryType(t)
	for _, dsn := range []string{pg, my, sq} {
		before := runtime.NumGoroutine()
		src, err := Open(context.Background(), dsn, Options{Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		big := "SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3"
		_ = src.Ping(context.Background())
		readAll(t, src, facteur.Query{SQL: big})
		queryErr(src, facteur.Query{SQL: "SELECT * FROM facteur_no_such_table"})
		if rows, err := src.Query(context.Background(), facteur.Query{SQL: big}); err == nil {
			rows.Next()
			rows.Close() // before the end
		}
		ctx, cancel := context.WithCancel(context.Background())
		if rows, err := src.Query(ctx, facteur.Query{SQL: big}); err == nil {
			cancel()
			for rows.Next() {
			}
			rows.Close()
		}
		cancel()
		if _, err := Describe(context.Background(), src, facteur.Query{SQL: big}); err != nil {
			t.Errorf("Describe: %v", err)
		}
		if c, ok := src.(CSVCopier); ok {
			if _, err := c.CopyCSV(context.Background(), facteur.Query{SQL: big}, nil, ',', &bytes.Buffer{}); err != nil {
				t.Errorf("CopyCSV: %v", err)
			}
		}
		src.Close()
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%s: %d goroutines left after Close (%d before):\n%s", facteur.RedactDSN(dsn), n-before, before, buf[:runtime.Stack(buf, true)])
		}
	}
}
