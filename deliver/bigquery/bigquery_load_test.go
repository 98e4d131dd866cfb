package bigquery_test

import (
	"strings"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/bigquery"
)

// A load sends BigQuery what it needs to create the table and load the
// export once: the job's id derived from the destination and the run, the
// write and create dispositions, the NDJSON source format, the schema from
// the report's columns, and the export's bytes; the run's note gives the
// job and the rows BigQuery reports loaded.
func TestLoadRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		disposition, table, wantTable, wantWrite string
	}{
		{bigquery.Append, "orders", "orders", "WRITE_APPEND"},
		{bigquery.Truncate, "orders", "orders", "WRITE_TRUNCATE"},
		{bigquery.NewTable, "orders_{run}_{file}", "orders_41_orders_2024_03", "WRITE_EMPTY"},
	} {
		t.Run(tc.disposition, func(t *testing.T) {
			t.Parallel()
			api := newStandIn(t, "exports")
			cfg := bigquery.Config{Project: "acme-analytics", Dataset: "exports", Table: tc.table, WriteDisposition: tc.disposition, Endpoint: api.srv.URL}
			d := newBigQuery(t, cfg, deliver.Env{DestinationID: 7})
			a := rowsArtifact(t, "orders 2024-03.ndjson", 3)
			got, err := d.Deliver(t.Context(), a)
			if err != nil {
				t.Fatal(err)
			}
			jobs := api.done()
			if len(jobs) != 1 {
				t.Fatalf("%d jobs, want 1", len(jobs))
			}
			for id, j := range jobs {
				if want := bigquery.JobID(7, 41, tc.wantTable, a.Name); id != want || !strings.HasPrefix(id, "facteur_d7_r41_") {
					t.Errorf("job id %q, want %q", id, want)
				}
				load := j.job.Configuration.Load
				if dt := load.DestinationTable; dt.ProjectId != "acme-analytics" || dt.DatasetId != "exports" || dt.TableId != tc.wantTable {
					t.Errorf("destination table %+v", dt)
				}
				if load.WriteDisposition != tc.wantWrite || load.CreateDisposition != "CREATE_IF_NEEDED" || load.SourceFormat != "NEWLINE_DELIMITED_JSON" {
					t.Errorf("write %q create %q format %q", load.WriteDisposition, load.CreateDisposition, load.SourceFormat)
				}
				var schema []string
				for _, f := range load.Schema.Fields {
					s := f.Name + " " + f.Type
					if f.Precision != 0 {
						s += "(" + itoa(f.Precision) + "," + itoa(f.Scale) + ")"
					}
					schema = append(schema, s)
				}
				if got, want := strings.Join(schema, ", "), "id INTEGER, amount NUMERIC(10,2), paid_at TIMESTAMP"; got != want {
					t.Errorf("schema %s, want %s", got, want)
				}
				if string(j.data) != readFile(t, a.Path) {
					t.Errorf("uploaded %d bytes that differ from the %d of the export", len(j.data), a.Size)
				}
				if want := "BigQuery load job " + id + " loaded 3 rows into exports." + tc.wantTable + "."; got.Note != want {
					t.Errorf("Note = %q, want %q", got.Note, want)
				}
			}
			if want := "bigquery://acme-analytics/exports/" + tc.wantTable; got.Location != want {
				t.Errorf("Location = %q, want %q", got.Location, want)
			}
		})
	}
}

// A retry of the run (another attempt, the same run) finds the job of the
// first attempt and inserts nothing: the rows are loaded once.
func TestRetryLoadsOnce(t *testing.T) {
	t.Parallel()
	api := newStandIn(t, "exports")
	d := newBigQuery(t, bigquery.Config{Project: "acme-analytics", Dataset: "exports", Table: "orders", Endpoint: api.srv.URL}, deliver.Env{DestinationID: 7})
	a := rowsArtifact(t, "orders.ndjson", 2)
	first, err := d.Deliver(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	retry := *a
	retry.DeliveringRun = 42 // a retry of run 41
	second, err := d.Deliver(t.Context(), &retry)
	if err != nil {
		t.Fatal(err)
	}
	if api.inserts != 1 {
		t.Errorf("%d load jobs inserted, want 1", api.inserts)
	}
	if first != second {
		t.Errorf("the retry reports %+v, the first attempt %+v", second, first)
	}
}

// A load job BigQuery ran and failed is a final error that gives the
// job's id and BigQuery's errors; a missing dataset says so.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	api := newStandIn(t, "exports")
	api.failWith = "Provided Schema does not match Table acme-analytics:exports.orders. Field amount has changed type from STRING to NUMERIC"
	d := newBigQuery(t, bigquery.Config{Project: "acme-analytics", Dataset: "exports", Table: "orders", Endpoint: api.srv.URL}, deliver.Env{})
	_, err := d.Deliver(t.Context(), rowsArtifact(t, "orders.ndjson", 2))
	msg := facteur.ErrorMessage(err)
	if facteur.ErrorCode(err) != facteur.EINVALID || facteur.Retryable(err) || !strings.Contains(msg, "Field amount has changed type") || !strings.Contains(msg, "facteur_d0_r41_") {
		t.Errorf("error %v (%s), want a final EINVALID with the job and BigQuery's error", msg, facteur.ErrorCode(err))
	}

	missing := newBigQuery(t, bigquery.Config{Project: "acme-analytics", Dataset: "nope", Table: "orders", Endpoint: newStandIn(t, "exports").srv.URL}, deliver.Env{})
	for _, call := range []func() error{
		func() error { _, err := missing.Deliver(t.Context(), rowsArtifact(t, "orders.ndjson", 2)); return err },
		func() error { _, err := missing.Test(t.Context()); return err },
	} {
		err := call()
		if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "Dataset nope of project acme-analytics does not exist") {
			t.Errorf("error %v, want EINVALID saying the dataset is missing", err)
		}
	}

	// A format BigQuery does not load is refused before anything is sent.
	csv := rowsArtifact(t, "orders.csv", 2)
	csv.ContentType = "text/csv; charset=utf-8"
	_, err = d.Deliver(t.Context(), csv)
	if facteur.ErrorCode(err) != facteur.EINVALID || !strings.Contains(facteur.ErrorMessage(err), "ndjson or parquet") {
		t.Errorf("error %v, want EINVALID naming the formats", err)
	}
}

// Send test loads one row saying it comes from Facteur into
// facteur_send_test, replacing its rows.
func TestSendTest(t *testing.T) {
	t.Parallel()
	api := newStandIn(t, "exports")
	d := newBigQuery(t, bigquery.Config{Project: "acme-analytics", Dataset: "exports", Table: "orders", Endpoint: api.srv.URL}, deliver.Env{})
	got, err := d.Test(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.Location != "bigquery://acme-analytics/exports/facteur_send_test" {
		t.Errorf("Location = %q", got.Location)
	}
	for _, j := range api.done() {
		if load := j.job.Configuration.Load; load.WriteDisposition != "WRITE_TRUNCATE" || load.DestinationTable.TableId != "facteur_send_test" || !strings.Contains(string(j.data), "Facteur") {
			t.Errorf("test load %+v of %q", load, j.data)
		}
	}
}
