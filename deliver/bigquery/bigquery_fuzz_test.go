package bigquery_test

import (
	"testing"

	"github.com/facteur/facteur/deliver/bigquery"
	"github.com/facteur/facteur/deliver/delivertest"
)

func FuzzBigQueryConfig(f *testing.F) {
	delivertest.FuzzConfig(f, bigquery.ParseConfig, bigquery.Config.Validate,
		`{"project":"acme-analytics","dataset":"exports","table":"orders"}`,
		`{"project":"acme-analytics","dataset":"exports","table":"orders_{run}_{file}","write_disposition":"new_table","location":"EU"}`,
		`{"project":"Acme","dataset":"d","table":"t"}`, `{"project":"acme-analytics","dataset":"d","table":"t","endpoint":"http://u:p@x"}`, `{}`)
}
