package store_test

import (
	"testing"

	"github.com/facteur/facteur/store/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.RunConformance(t, storetest.SQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.RunConformance(t, storetest.Postgres)
}

// The same suite with credentials encrypted at rest.
func TestSQLiteSealed(t *testing.T) {
	t.Parallel()
	storetest.RunConformance(t, storetest.Sealed(storetest.SQLite))
}

func TestPostgresSealed(t *testing.T) {
	t.Parallel()
	storetest.RunConformance(t, storetest.Sealed(storetest.Postgres))
}
