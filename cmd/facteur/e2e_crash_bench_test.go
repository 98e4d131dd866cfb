package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
)

// crashKills is how many kills TestCrashRecoveryTimes measures per store.
const crashKills = 10

// TestCrashRecoveryTimes measures how long after a SIGKILL an export is
// taken up again, crashKills times per store: on SQLite from the restart,
// on PostgreSQL (default lease: 30 s, renewed every 10 s) from the kill of
// the node running it to the other node's attempt 2. It prints the median
// and the maximum. It runs only with FACTEUR_BENCH=1 (about 8 minutes):
//
//	FACTEUR_BENCH=1 go test ./cmd/facteur -run TestCrashRecoveryTimes -v -timeout 30m
func TestCrashRecoveryTimes(t *testing.T) {
	if os.Getenv("FACTEUR_BENCH") != "1" {
		t.Skip("set FACTEUR_BENCH=1 to measure the time to resume after a crash")
	}
	t.Run("SQLite", func(t *testing.T) {
		data, outbox := t.TempDir(), t.TempDir()
		n := startServe(t, data)
		sc := longSchedule(t, n, outbox, "long", 1, 3)
		var times []time.Duration
		for range crashKills {
			id := runNow(n, sc)
			kill9(n)
			restart := time.Now()
			n = startServe(t, data)
			times = append(times, waitTakenUp(n, id, restart))
			if r := n.waitRun(id); r.Status != facteur.RunSucceeded {
				t.Fatalf("run %d: %s", id, r.Status)
			}
		}
		report(t, "SQLite, from the restart", times)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dbURL := freshDatabase(t)
		t.Setenv("FACTEUR_SECRET_KEY", "dGhpcnR5LXR3by1ieXRlcy1vZi10ZXN0LWtleS0xMjM=")
		outbox := t.TempDir()
		nodes := map[string]*node{"a": pgNode(t, dbURL, "a"), "b": pgNode(t, dbURL, "b")}
		sc := longSchedule(t, nodes["a"], outbox, "long", 1, 5)
		var times []time.Duration
		for range crashKills {
			id := runNow(nodes["a"], sc)
			holder := leaseHolder(t, dbURL, id)
			other := "a"
			if holder == "a" {
				other = "b"
			}
			killed := time.Now()
			kill9(nodes[holder])
			times = append(times, waitTakenUp(nodes[other], id, killed))
			if r := nodes[other].waitRun(id); r.Status != facteur.RunSucceeded {
				t.Fatalf("run %d: %s", id, r.Status)
			}
			nodes[holder] = pgNode(t, dbURL, holder)
		}
		report(t, "PostgreSQL, default lease, from the kill", times)
	})
}

// leaseHolder returns the node whose attempt holds a run's lease.
func leaseHolder(t *testing.T, dbURL string, runID int64) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var name string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := c.QueryRow(ctx, "SELECT node FROM job_leases WHERE run_id = $1 AND NOT released", runID).Scan(&name); err == nil {
			return name
		}
	}
	t.Fatalf("run %d holds no lease", runID)
	return ""
}

func report(t *testing.T, what string, times []time.Duration) {
	t.Helper()
	slices.Sort(times)
	line := fmt.Sprintf("time to resume after kill -9 (%s), %d kills: median %s, min %s, max %s",
		what, len(times), times[len(times)/2].Round(10*time.Millisecond), times[0].Round(10*time.Millisecond), times[len(times)-1].Round(10*time.Millisecond))
	t.Log(line)
	fmt.Println(line)
}
