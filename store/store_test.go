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
