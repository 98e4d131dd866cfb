package bigquery_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver/bigquery"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Each kind of column has its BigQuery type; decimals take NUMERIC while
// they fit (29 digits before the point, 9 after), BIGNUMERIC beyond, and
// STRING when no BigQuery number holds them.
func TestSchema(t *testing.T) {
	for _, tc := range []struct {
		col  facteur.Column
		want string
	}{
		{facteur.Column{Name: "t", Kind: facteur.KindText}, "STRING"},
		{facteur.Column{Name: "i", Kind: facteur.KindInt}, "INTEGER"},
		{facteur.Column{Name: "f", Kind: facteur.KindFloat}, "FLOAT"},
		{facteur.Column{Name: "b", Kind: facteur.KindBool}, "BOOLEAN"},
		{facteur.Column{Name: "ts", Kind: facteur.KindTimestamp}, "TIMESTAMP"},
		{facteur.Column{Name: "dt", Kind: facteur.KindDateTime}, "DATETIME"},
		{facteur.Column{Name: "d", Kind: facteur.KindDate}, "DATE"},
		{facteur.Column{Name: "tm", Kind: facteur.KindTime}, "TIME"},
		{facteur.Column{Name: "by", Kind: facteur.KindBytes}, "BYTES"},
		{facteur.Column{Name: "j", Kind: facteur.KindJSON}, "JSON"},
		{facteur.Column{Name: "price", Kind: facteur.KindDecimal, Precision: 10, Scale: 2}, "NUMERIC(10,2)"},
		{facteur.Column{Name: "n38", Kind: facteur.KindDecimal, Precision: 38, Scale: 9}, "NUMERIC(38,9)"},
		{facteur.Column{Name: "wide", Kind: facteur.KindDecimal, Precision: 38, Scale: 0}, "BIGNUMERIC(38,0)"},
		{facteur.Column{Name: "fine", Kind: facteur.KindDecimal, Precision: 20, Scale: 12}, "BIGNUMERIC(20,12)"},
		{facteur.Column{Name: "any", Kind: facteur.KindDecimal}, "BIGNUMERIC"},
		{facteur.Column{Name: "huge", Kind: facteur.KindDecimal, Precision: 100, Scale: 10}, "STRING"},
	} {
		s, err := bigquery.Schema([]facteur.Column{tc.col})
		if err != nil {
			t.Fatal(err)
		}
		got := string(s[0].Type)
		if s[0].Precision != 0 {
			got += "(" + itoa(s[0].Precision) + "," + itoa(s[0].Scale) + ")"
		}
		if got != tc.want || s[0].Name != tc.col.Name {
			t.Errorf("%s %v(%d,%d): %s %s, want %s", tc.col.Name, tc.col.Kind, tc.col.Precision, tc.col.Scale, s[0].Name, got, tc.want)
		}
	}
	_, err := bigquery.Schema([]facteur.Column{{Name: "Order ID"}})
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), `"Order ID"`) {
		t.Errorf("a column name BigQuery refuses: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct{ config, field string }{
		{`{}`, "project:"},
		{`{"project":"Acme","dataset":"d","table":"t"}`, "project:"},
		{`{"project":"acme-analytics","table":"t"}`, "dataset:"},
		{`{"project":"acme-analytics","dataset":"d-x","table":"t"}`, "dataset:"},
		{`{"project":"acme-analytics","dataset":"d"}`, "table:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t","write_disposition":"merge"}`, "write_disposition:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t","write_disposition":"new_table"}`, "table:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t_{run}"}`, "table:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t_{date}","write_disposition":"new_table"}`, "table:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t","endpoint":"ftp://x"}`, "endpoint:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t","credentials_json":"{}"}`, "credentials_json:"},
		{`{"project":"acme-analytics","dataset":"d","table":"t","bucket":"b"}`, "bucket"},
	} {
		_, err := bigquery.ParseConfig([]byte(tc.config))
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), tc.field) {
			t.Errorf("%s: %v, want EINVALID naming %s", tc.config, err, tc.field)
		}
	}
	cfg, err := bigquery.ParseConfig([]byte(`{"project":"acme-analytics","dataset":"exports","table":"orders_{run}","write_disposition":"new_table","location":"EU"}`))
	if err != nil || cfg.WriteDisposition != bigquery.NewTable {
		t.Errorf("a valid config: %+v, %v", cfg, err)
	}
}

// A schedule to a BigQuery destination exports NDJSON or Parquet, without
// compression or encryption.
func TestCheckFormat(t *testing.T) {
	k := bigquery.Kind()
	for _, tc := range []struct {
		format, compression string
		encrypted           bool
		field               string
	}{
		{"ndjson", "", false, ""},
		{"parquet", "", false, ""},
		{"csv", "", false, "format.format:"},
		{"ndjson", "gzip", false, "format.compression:"},
		{"parquet", "", true, "destination_id:"},
	} {
		err := k.CheckFormat(tc.format, tc.compression, tc.encrypted)
		if tc.field == "" && err != nil || tc.field != "" && (facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), tc.field)) {
			t.Errorf("%s %s %v: %v, want %q", tc.format, tc.compression, tc.encrypted, err, tc.field)
		}
	}
}
