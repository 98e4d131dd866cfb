package bigquery_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/bigquery"
	"github.com/facteur/facteur/deliver/delivertest"
)

// ndjson delivers through a BigQuery deliverer the suite's files as NDJSON
// (the suite names them .csv; BigQuery takes only NDJSON and Parquet), and
// remembers which job loaded which file, for Files to name them.
type ndjson struct {
	d     *bigquery.BigQuery
	cfg   bigquery.Config
	mu    sync.Mutex
	names map[string]string // job id -> file name
}

func (n *ndjson) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	c := *a
	c.ContentType = bigquery.MediaNDJSON
	n.mu.Lock()
	n.names[bigquery.JobID(0, a.RunID, n.cfg.Table, a.Name)] = a.Name
	n.mu.Unlock()
	return n.d.Deliver(ctx, &c)
}

func (n *ndjson) Test(ctx context.Context) (facteur.Delivery, error) { return n.d.Test(ctx) }

// TestConformance runs the suite against the stand-in of BigQuery's API:
// a file "arrives" when a load job that carried its bytes is done.
func TestConformance(t *testing.T) {
	t.Parallel()
	kind := bigquery.Kind()
	delivertest.Run(t, &kind, func(t *testing.T, overwrite bool) delivertest.Destination {
		api := newStandIn(t, "exports")
		cfg := bigquery.Config{Project: "acme-analytics", Dataset: "exports", Table: "orders", Endpoint: api.srv.URL}
		if overwrite {
			cfg.WriteDisposition = bigquery.Truncate
		}
		env, logs := delivertest.LogEnv()
		d := &ndjson{d: newBigQuery(t, cfg, env), cfg: cfg, names: map[string]string{}}
		down := cfg
		down.Endpoint = "http://" + delivertest.ClosedAddr(t)
		return delivertest.Destination{
			Deliverer: d,
			Files: func(t *testing.T) map[string][]byte {
				out := map[string][]byte{}
				d.mu.Lock()
				defer d.mu.Unlock()
				for id, j := range api.done() {
					name, ok := d.names[id]
					if !ok {
						name = id // Send test's job
					}
					out[name] = j.data
				}
				return out
			},
			Logs:        logs,
			Unreachable: &ndjson{d: newBigQuery(t, down, env), cfg: down, names: map[string]string{}},
		}
	})
}

func newBigQuery(t *testing.T, cfg bigquery.Config, env deliver.Env) *bigquery.BigQuery {
	t.Helper()
	d, err := bigquery.New(cfg, env)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// rowsArtifact is an NDJSON export of n rows with the report's columns.
func rowsArtifact(t *testing.T, name string, n int) *facteur.Artifact {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString(`{"id":` + string(rune('0'+i%10)) + `,"amount":"12.50","paid_at":"2024-03-31T03:00:00+02:00"}` + "\n")
	}
	a := delivertest.NewArtifact(t, name, []byte(b.String()))
	a.ContentType = bigquery.MediaNDJSON
	a.Rows = int64(n)
	a.RunID = 41
	a.Columns = []facteur.Column{
		{Name: "id", Kind: facteur.KindInt},
		{Name: "amount", Kind: facteur.KindDecimal, Precision: 10, Scale: 2},
		{Name: "paid_at", Kind: facteur.KindTimestamp},
	}
	return a
}
