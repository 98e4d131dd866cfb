// Package storetest is the conformance suite of Facteur's store: the same
// tests run against SQLite and PostgreSQL (RunConformance), like River's
// riverdrivertest. It also gives other packages' tests a fresh database of
// either dialect (SQLite, Postgres) and an open store on it (Open).
//
// PostgreSQL tests use the server in FACTEUR_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to create a
// database of their own. When the server cannot be reached they fail; only
// FACTEUR_TEST_POSTGRES=skip skips them.
package storetest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/internal/testdb"
	"github.com/facteur/facteur/store"
)

// NewDatabase returns the Config of a fresh, empty database for one test;
// the database is removed when the test ends.
type NewDatabase func(t *testing.T) store.Config

// SQLite returns the Config of a new database file in the test's temporary
// directory.
func SQLite(t *testing.T) store.Config {
	t.Helper()
	return store.Config{SQLitePath: filepath.Join(t.TempDir(), "facteur.db"), Formats: format.Builtin()}
}

// Postgres creates a database named facteur_test_<random> on the server in
// FACTEUR_TEST_POSTGRES and returns its Config; the database is dropped
// (WITH (FORCE)) when the test ends. The test fails when the server cannot
// be reached, and is skipped only when the variable is "skip".
func Postgres(t *testing.T) store.Config {
	t.Helper()
	return store.Config{PostgresURL: testdb.PostgresDatabase(t, "facteur_test_"), Formats: format.Builtin()}
}

// Open opens the store cfg names and closes it when the test ends.
func Open(t *testing.T, cfg store.Config) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return db
}

// RunConformance runs every test of the suite, each in parallel on a fresh
// database from newDB.
func RunConformance(t *testing.T, newDB NewDatabase) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newDB NewDatabase)
	}{
		{"Sources", testSources},
		{"Reports", testReports},
		{"Destinations", testDestinations},
		{"Schedules", testSchedules},
		{"ClosureLists", testClosureLists},
		{"FindSchedules", testFindSchedules},
		{"DeleteInUse", testDeleteInUse},
		{"Runs", testRuns},
		{"Bundles", testBundles},
		{"RunsFilter", testRunsFilter},
		{"RunsDatesAndPages", testRunsDatesAndPages},
		{"PauseSchedule", testPauseSchedule},
		{"RunsOfSendTest", testRunsOfSendTest},
		{"RunsLimit", testRunsLimit},
		{"LatestRuns", testLatestRuns},
		{"RunLog", testRunLog},
		{"DueSchedules", testDueSchedules},
		{"AdvanceSchedule", testAdvanceSchedule},
		{"AdvanceScheduleRace", testAdvanceScheduleRace},
		{"DuplicateSlot", testDuplicateSlot},
		{"InTx", testInTx},
		{"InTxRiverJob", testInTxRiverJob},
		{"Concurrency", testConcurrency},
		{"MigrateTwice", testMigrateTwice},
		{"MigrateOutOfOrder", testMigrateOutOfOrder},
		{"MigrateConcurrently", testMigrateConcurrently},
		{"Settings", testSettings},
		{"CancelledStays", testCancelledStays},
		{"FinishedStays", testFinishedStays},
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"Owners", testOwners},
		{"RunsVisibleTo", testRunsVisibleTo},
		{"StaleUpdate", testStaleUpdate},
		{"TouchLogin", testTouchLogin},
		{"WithTx", testWithTx},
		{"Nodes", testNodes},
		{"Leases", testLeases},
		{"MailRecipients", testMailRecipients},
		{"Params", testParams},
		{"SkippedStays", testSkippedStays},
		{"OverdueAlerts", testOverdueAlerts},
		{"OverdueAlertRace", testOverdueAlertRace},
		{"Backlog", testBacklog},
		{"Ready", testReady},
		{"RecipientGroups", testRecipientGroups},
		{"RecipientGroupUses", testRecipientGroupUses},
		{"Watermarks", testWatermarks},
		{"WindowClaimRace", testWindowClaimRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newDB)
		})
	}
}

// testContext returns a context that ends with the test, with a deadline so
// that a deadlock fails instead of hanging.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails the test unless err carries the facteur error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := facteur.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// js renders v as indented JSON, for failure messages.
func js(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// ts parses an RFC 3339 time. Tests give times with nanoseconds and in
// other zones, to check that the store returns them in UTC, truncated to
// the microsecond.
func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
