package source

import (
	"testing"

	"github.com/facteur/facteur"
)

// TestPostgresWriteFunctions checks that writes hidden in functions are
// refused by the read-only transaction, and that turning the session's
// default read-write cannot outlive the query that did it.
func TestPostgresWriteFunctions(t *testing.T) {
	t.Parallel()
	dsn, schema, admin := pgAdmin(t)
	table := schema + ".kept"
	pgExec(t, admin, "CREATE TABLE "+table+" (a int)", "INSERT INTO "+table+" VALUES (1), (2)",
		"CREATE SEQUENCE "+schema+".seq",
		"CREATE FUNCTION "+schema+".wipe() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "+table+"; RETURN 0; END $$")
	src := open(t, dsn, Options{})
	for _, sql := range []string{
		"SELECT nextval('" + schema + ".seq')",
		"SELECT setval('" + schema + ".seq', 10)",
		"SELECT " + schema + ".wipe()",
		"SELECT set_config('transaction_read_only', 'off', false)",
	} {
		wantCode(t, queryErr(src, facteur.Query{SQL: sql}), facteur.EINVALID, "sql:")
	}
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT * INTO " + schema + ".copy FROM " + table}), facteur.EINVALID, "sql: SELECT … INTO")
	// The session default changes, but only for a connection that ends
	// with the query: the next one is read-only again.
	readAll(t, src, facteur.Query{SQL: "SELECT set_config('default_transaction_read_only', 'off', false)"})
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT " + schema + ".wipe()"}), facteur.EINVALID, "read-only transaction")
	if r := readAll(t, src, facteur.Query{Table: table}); len(r.rows) != 2 {
		t.Errorf("the table has %d rows after the attempts, want 2", len(r.rows))
	}
}

// TestMySQLWriteFunctions checks that MariaDB refuses NEXTVAL on a
// sequence inside the read-only transaction.
func TestMySQLWriteFunctions(t *testing.T) {
	t.Parallel()
	seq := "facteur_src_seq_" + suffix(t)
	dsn, admin := myAdmin(t)
	t.Cleanup(func() { admin.Exec("DROP SEQUENCE IF EXISTS " + seq) })
	if _, err := admin.Exec("CREATE SEQUENCE " + seq); err != nil {
		t.Skipf("no sequences on this server (MySQL): %v", err)
	}
	src := open(t, dsn, Options{})
	wantCode(t, queryErr(src, facteur.Query{SQL: "SELECT NEXTVAL(" + seq + ")"}), facteur.EINVALID, "sql:", "READ ONLY")
}
