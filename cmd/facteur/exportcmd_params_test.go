package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/internal/testdb"
)

// TestExportParams: facteur export binds --param values to the :name
// parameters of --query on PostgreSQL; with --pg-copy it reads rows, COPY
// being unable to bind them; a bad value is refused naming the flag.
func TestExportParams(t *testing.T) {
	dsn, schema, admin := testdb.PostgresSchema(t, "facteur_cli_")
	testdb.Exec(t, admin, "CREATE TABLE "+schema+".contacts (id int, country text, team text, since date)",
		"INSERT INTO "+schema+".contacts VALUES (1, 'FR', 'a', '2024-01-01'), (2, 'FR', 'b', '2024-03-01'), (3, 'DE', 'b', '2024-03-01'), (4, 'FR', 'c', '2024-03-01')")
	query := "SELECT id, country::text FROM " + schema + ".contacts WHERE country = :country AND team = any(:teams) AND since >= :since AND id > :min ORDER BY id"
	run := func(extra ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--source", dsn, "--query", query, "--output", "-", "--raw-cells", "--pg-copy"}, extra...)
		err := runExport(context.Background(), format.Builtin(), args, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	out, info, err := run("--param", "country=FR", "--param", "teams:list=a,b,c", "--param", "since:date=2024-02-01", "--param", "min:integer=1")
	if err != nil || out != "id,country\n2,FR\n4,FR\n" {
		t.Fatalf("%q, %v\n%s", out, err, info)
	}
	if strings.Contains(info, "COPY") {
		t.Errorf("a query with parameters took the COPY path: %s", info)
	}
	out, _, err = run("--param", "country=FR' OR '1'='1", "--param", "teams:list=a,b,c", "--param", "since:date=2000-01-01", "--param", "min:integer=0")
	if err != nil || out != "id,country\n" {
		t.Errorf("injection: %q, %v", out, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--param", "country=FR", "--param", "teams:list=a", "--param", "since:date=1 Feb", "--param", "min:integer=1"}, `--param: params.since: "1 Feb" is not a date`},
		{[]string{"--param", "country=FR", "--param", "teams:list=a", "--param", "since:date=2024-01-01", "--param", "min:integer=1; drop table x"}, "is not a whole number"},
		{[]string{"--param", "country:float=1"}, "--param: parameters[0].type"},
		{[]string{"--param", "country"}, "write NAME=VALUE or NAME:TYPE=VALUE"},
		{[]string{"--param", "country=FR"}, "sql: :teams on line 1 is not a declared parameter"},
	} {
		if _, _, err := run(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
