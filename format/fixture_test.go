package format_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/facteur/facteur"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixtureCols has a column of every kind; the last name needs quoting in CSV.
var fixtureCols = []facteur.Column{
	{Name: "id", Kind: facteur.KindInt},
	{Name: "name", Kind: facteur.KindText},
	{Name: "amount", Kind: facteur.KindDecimal},
	{Name: "ratio", Kind: facteur.KindFloat},
	{Name: "active", Kind: facteur.KindBool},
	{Name: "created", Kind: facteur.KindTimestamp},
	{Name: "local", Kind: facteur.KindDateTime},
	{Name: "day", Kind: facteur.KindDate},
	{Name: "at", Kind: facteur.KindTime},
	{Name: "blob", Kind: facteur.KindBytes},
	{Name: "doc", Kind: facteur.KindJSON},
	{Name: `note, "quoted"`, Kind: facteur.KindText},
}

// null stands for SQL NULL in the fixture.
const null = "\x00NULL\x00"

// fixtureRows are the values of the fixture as the canonical text of each
// kind; null is SQL NULL.
var fixtureRows = [][]string{
	{"1", "Alice", "12.50", "0.1", "true", "2024-03-31T03:00:00+02:00", "2024-03-31T02:30:00", "2024-03-31", "14:30:00", "aGVsbG8gd29ybGQ=", `{"a":[1,2]}`, "plain"},
	{"2", null, null, null, null, null, null, null, null, null, null, null},
	{"3", "", "12345678901234567890123456789012345678", "1e+100", "false", "2024-10-27T02:30:00+01:00", "2024-10-27T02:30:00", "2024-10-27", "02:30:00", "", "{\"a\": [1, 2],\n \"b\": \"x\"}", `He said "hi", then left`},
	{"4", "line1\r\nline2\nline3", "-0.000001", "NaN", "true", "1970-01-01T00:00:00Z", "1999-12-31T23:59:59", "1999-12-31", "23:59:59", "AA==", "{not json", "semi;colon\ttab"},
	{"5", "é 日本 🎉", "NaN", "-Infinity", "false", "2024-03-31T03:00:00.5+02:00", "2024-03-31T02:30:00.25", "0001-01-01", "00:00:00.125", "/w==", `"just a string"`, `\.`},
	{"-7", "  leading and trailing  ", "0", "Infinity", "true", null, null, null, null, null, `[1, 2.50, 1e400]`, "ctrl\x00\x01\x1f bell\x07 sep\u2028par\u2029 end"},
	{"8", "invalid \xff\xfe utf8", "+5", ".5", "false", null, null, null, null, null, "\"bad \xff\"", "_x000D_ excel & <tag> ]]>"},
	{"9007199254740993", "=1+2", "007", "1.", "true", null, null, null, null, null, "", "\"\""},
}

// fixtureBytes returns the fixture as rows of bytes, nil for NULL.
func fixtureBytes() [][][]byte {
	return toBytes(fixtureRows)
}

func toBytes(rows [][]string) [][][]byte {
	out := make([][][]byte, len(rows))
	for i, r := range rows {
		out[i] = make([][]byte, len(r))
		for j, v := range r {
			if v != null {
				out[i][j] = []byte(v)
			}
		}
	}
	return out
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// encodeAll writes rows with enc and closes it, failing the test on error.
func encodeAll(t testing.TB, enc interface {
	Write([][]byte, []facteur.Kind) error
	Close() error
}, rows [][][]byte) {
	t.Helper()
	for i, r := range rows {
		if err := enc.Write(r, nil); err != nil {
			t.Fatalf("write row %d: %v", i, err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}
