package bigquery

import (
	"encoding/json"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

// Endpoints of Google's public APIs a destination connects to, for the
// outbound policy.
const (
	publicEndpoint = "https://bigquery.googleapis.com"
	tokenEndpoint  = "https://oauth2.googleapis.com"
)

// Kind is the registration of BigQuery destinations (D7). Its rows land
// in a warehouse outside Facteur, so only file schedulers and
// administrators create one.
func Kind() deliver.Kind {
	return deliver.Kind{
		Name: facteur.DestinationBigQuery,
		Help: "a table of Google BigQuery, loaded from an NDJSON or Parquet export",
		Fields: []deliver.Field{
			{Name: "project", Type: "text", Help: "Project ID", Required: true},
			{Name: "dataset", Type: "text", Help: "Dataset", Required: true},
			{Name: "table", Type: "text", Help: "Table (with new_table: a template with {run} and {file})", Required: true},
			{Name: "write_disposition", Type: "select", Options: []string{Append, Truncate, NewTable}, Help: "Append the rows, replace the table's rows, or a new table per run"},
			{Name: "location", Type: "text", Help: "Location of the dataset (EU, europe-west1; empty: BigQuery finds it)"},
			{Name: "credentials_json", Type: "textarea", Help: "Service account JSON key (empty: the server's default credentials)", Secret: true},
			{Name: "endpoint", Type: "text", Help: "Endpoint (a private endpoint)"},
		},
		Role:    facteur.RoleFileScheduler,
		Formats: Formats,
		Open: func(config json.RawMessage, env deliver.Env) (facteur.Deliverer, error) {
			cfg, err := ParseConfig(config)
			if err != nil {
				return nil, err
			}
			return New(cfg, env)
		},
		Where: func(config json.RawMessage) string {
			if cfg, err := ParseConfig(config); err == nil {
				return "bigquery://" + cfg.Project + "/" + cfg.Dataset + "/" + cfg.Table
			}
			return ""
		},
		Endpoints: func(config json.RawMessage) []string {
			cfg, err := ParseConfig(config)
			switch {
			case err != nil:
				return nil
			case cfg.Endpoint != "":
				return []string{cfg.Endpoint}
			}
			return []string{publicEndpoint, tokenEndpoint}
		},
	}
}
