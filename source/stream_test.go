package source

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// The streaming tests do not run in parallel: they measure the heap of the
// whole test binary.

// maxHeapInUse is the most heap a 1,000,000-row query may use while it is
// read.
const maxHeapInUse = 32 << 20

// streamRows reads q to its end, checking the heap every 10,000 rows, and
// returns the number of rows and bytes read.
func streamRows(t *testing.T, src facteur.Querier, q facteur.Query) (rows, size int64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	start := time.Now()
	r, err := src.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		rows++
		for _, v := range r.Row() {
			size += int64(len(v))
		}
		if rows%10000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	t.Logf("%d rows, %.1f MB of text in %v (%.0f rows/s); heap in use %.1f MB before, %.1f MB at most",
		rows, float64(size)/1e6, d.Round(time.Millisecond), float64(rows)/d.Seconds(), float64(base)/1e6, float64(peak)/1e6)
	if peak > maxHeapInUse {
		t.Errorf("heap in use reached %.1f MB while streaming, want under %d MB", float64(peak)/1e6, maxHeapInUse>>20)
	}
	return rows, size
}

func TestStreamPostgres(t *testing.T) {
	dsn := pgDSN(t)
	src := open(t, dsn, Options{})
	n, _ := streamRows(t, src, facteur.Query{SQL: `SELECT g AS id, 'customer ' || g AS name, g * 0.01 AS amount,
		timestamptz '2024-01-01' + g * interval '1 second' AS at, g % 2 = 0 AS even, decode(md5(g::text), 'hex') AS digest
		FROM generate_series(1, 1000000) g`})
	if n != 1000000 {
		t.Errorf("%d rows, want 1000000", n)
	}
}

func TestStreamMySQL(t *testing.T) {
	dsn, _ := myAdmin(t)
	src := open(t, dsn, Options{})
	n, _ := streamRows(t, src, facteur.Query{SQL: `SELECT seq AS id, CONCAT('customer ', seq) AS name, seq * 0.01 AS amount,
		TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND AS at, seq / 3 AS ratio, UNHEX(MD5(seq)) AS digest
		FROM seq_1_to_1000000`})
	if n != 1000000 {
		t.Errorf("%d rows, want 1000000", n)
	}
}

func TestStreamSQLite(t *testing.T) {
	src := open(t, "sqlite:"+sqliteFile(t, "CREATE TABLE t (a)"), Options{})
	n, _ := streamRows(t, src, facteur.Query{SQL: `WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 1000000)
		SELECT x AS id, 'customer ' || x AS name, x * 0.01 AS amount, datetime(1704067200 + x, 'unixepoch') AS at,
		randomblob(16) AS digest FROM g`})
	if n != 1000000 {
		t.Errorf("%d rows, want 1000000", n)
	}
}
