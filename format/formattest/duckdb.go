package formattest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facteur/facteur"
)

// duckdbScript reads a Parquet file with DuckDB (the npm package
// @duckdb/node-api) and prints, as JSON: the columns as DuckDB types them,
// the file's schema as parquet_schema() reports it (the root first), the
// row groups and codecs of parquet_metadata(), and every row, each value
// as DuckDB's own text of it (CAST … AS VARCHAR, in UTC), BLOBs in base64.
const duckdbScript = `
const { DuckDBInstance } = require('@duckdb/node-api');
const big = (k, v) => typeof v === 'bigint' ? v.toString() : v;
(async () => {
  const path = process.argv[1].replaceAll("'", "''");
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run("SET TimeZone = 'UTC'");
  const from = "read_parquet('" + path + "')";
  const columns = (await con.runAndReadAll('DESCRIBE SELECT * FROM ' + from)).getRowObjectsJS()
    .map(c => ({ name: c.column_name, type: c.column_type }));
  const schema = (await con.runAndReadAll("SELECT name, type, type_length, repetition_type, converted_type, logical_type, precision, scale FROM parquet_schema('" + path + "')")).getRowObjectsJS();
  const meta = (await con.runAndReadAll("SELECT count(DISTINCT row_group_id) AS row_groups, string_agg(DISTINCT compression, ',') AS codecs FROM parquet_metadata('" + path + "')")).getRowObjectsJS()[0];
  const quote = n => '"' + n.replaceAll('"', '""') + '"';
  const exprs = columns.map(c => c.type === 'BLOB' ? 'to_base64(' + quote(c.name) + ')' : 'CAST(' + quote(c.name) + ' AS VARCHAR)');
  const rows = exprs.length ? (await con.runAndReadAll('SELECT ' + exprs.join(', ') + ' FROM ' + from)).getRowsJS() : [];
  process.stdout.write(JSON.stringify({ columns, schema, meta, rows }, big));
})().catch(e => { console.error(e); process.exit(1); });
`

// duckdbQueryScript runs a query with DuckDB, each {file} in it replaced
// by the quoted path of a Parquet file, and prints its rows as JSON objects.
const duckdbQueryScript = `
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run("SET TimeZone = 'UTC'");
  const file = "'" + process.argv[1].replaceAll("'", "''") + "'";
  const rows = (await con.runAndReadAll(process.argv[2].replaceAll('{file}', file))).getRowObjectsJS();
  process.stdout.write(JSON.stringify(rows, (k, v) => typeof v === 'bigint' ? v.toString() : v));
})().catch(e => { console.error(e); process.exit(1); });
`

// QueryParquet runs query with DuckDB, each {file} in it standing for the
// Parquet file ("SELECT count(*) AS n FROM read_parquet({file})"), and
// returns its rows; see ReadParquet for where DuckDB comes from.
func QueryParquet(t *testing.T, file []byte, query string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal(runDuckDB(t, file, duckdbQueryScript, query), &rows); err != nil {
		t.Fatalf("reader output: %v", err)
	}
	return rows
}

// ParquetFile is what DuckDB reads of a Parquet file.
type ParquetFile struct {
	// Columns are the columns as DuckDB types them ("DECIMAL(38,9)",
	// "TIMESTAMP WITH TIME ZONE"); duplicate names get a suffix.
	Columns []struct{ Name, Type string }
	// Schema is the file's schema as parquet_schema() lists it: the root,
	// then one element per column, with the file's own names.
	Schema []ParquetElement
	// Meta holds parquet_metadata()'s number of row groups and codecs.
	Meta struct {
		RowGroups string `json:"row_groups"`
		Codecs    string
	}
	// Rows are DuckDB's text of each value, nil for NULL.
	Rows [][]*string
}

// ParquetElement is one element of a Parquet file's schema.
type ParquetElement struct {
	Name           string
	Type           *string
	TypeLength     *string `json:"type_length"`
	RepetitionType *string `json:"repetition_type"`
	ConvertedType  *string `json:"converted_type"`
	LogicalType    *string `json:"logical_type"`
	Precision      *string
	Scale          *string
}

// Types returns the columns as "name TYPE", separated by ", ", as a test
// compares them with the types it expects.
func (f ParquetFile) Types() string {
	types := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		types[i] = c.Name + " " + c.Type
	}
	return strings.Join(types, ", ")
}

// ReadParquet reads file with DuckDB, run by node from the folder of
// node_modules that FACTEUR_TEST_DUCKDB names (by default the one
// scripts/test.sh installs @duckdb/node-api into). FACTEUR_TEST_DUCKDB=skip
// skips the test.
func ReadParquet(t *testing.T, file []byte) ParquetFile {
	t.Helper()
	var f ParquetFile
	out := runDuckDB(t, file, duckdbScript)
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("reader output: %v\n%.500s", err, out)
	}
	return f
}

// runDuckDB runs script with node, given the path of file and args.
func runDuckDB(t *testing.T, file []byte, script string, args ...string) []byte {
	t.Helper()
	modules := os.Getenv("FACTEUR_TEST_DUCKDB")
	if modules == "skip" {
		t.Skip("SKIPPED: FACTEUR_TEST_DUCKDB=skip")
	}
	if modules == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		modules = filepath.Join(cache, "facteur-referees", "node_modules")
	}
	path := filepath.Join(t.TempDir(), "file.parquet")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{"-e", script, path}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("DuckDB (@duckdb/node-api in %s, installed by scripts/test.sh) cannot read the Parquet file: %v\n%s", modules, err, msg)
	}
	return out
}

// Canonical returns the canonical text (see facteur.Kind) of DuckDB's text
// v of a value of DuckDB type typ: timestamps with a time zone as RFC 3339
// in UTC, timestamps without one with a "T"; other types read alike.
func Canonical(typ string, v *string) *string {
	if v == nil {
		return nil
	}
	var s string
	switch typ {
	case "TIMESTAMP WITH TIME ZONE":
		at, err := time.Parse("2006-01-02 15:04:05.999999-07", *v)
		if err != nil {
			return v
		}
		s = at.UTC().Format(time.RFC3339Nano)
	case "TIMESTAMP":
		s = strings.Replace(*v, " ", "T", 1)
	default:
		return v
	}
	return &s
}

// ParquetInstant is what a Parquet TIMESTAMP(isAdjustedToUTC=true) keeps of
// a timestamp: its instant, in UTC, not its offset. Other values are kept.
func ParquetInstant(k facteur.Kind, want []byte) []byte {
	if k != facteur.KindTimestamp {
		return want
	}
	at, err := time.Parse(time.RFC3339Nano, string(want))
	if err != nil {
		return want
	}
	return []byte(at.UTC().Format(time.RFC3339Nano))
}

// DuckDB reads a Parquet file with DuckDB; timestamps come back as their
// instant in UTC.
var DuckDB = Reader{Program: "DuckDB", Expect: ParquetInstant,
	Read: func(t *testing.T, b []byte) ([]*string, [][]*string) {
		f := ReadParquet(t, b)
		header := make([]*string, 0, len(f.Columns))
		for _, e := range f.Schema[1:] {
			header = append(header, &e.Name)
		}
		for _, row := range f.Rows {
			for i, v := range row {
				row[i] = Canonical(f.Columns[i].Type, v)
			}
		}
		return header, f.Rows
	}}
