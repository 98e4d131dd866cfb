package bigquery

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/gcs"
)

// Write dispositions: what a load does to the table.
const (
	// Append adds the rows to the table (WRITE_APPEND). The default.
	Append = "append"
	// Truncate replaces the table's rows with the file's (WRITE_TRUNCATE).
	Truncate = "truncate"
	// NewTable loads each run into a table of its own, named from the
	// table template (WRITE_EMPTY: a table that has rows is refused).
	NewTable = "new_table"
)

// Config is the JSON config of a "bigquery" destination (PRODUCT D7): a
// table of Google BigQuery that each run's file is loaded into.
type Config struct {
	// Project is the Google Cloud project that holds the dataset and runs
	// the load jobs. Required.
	Project string `json:"project"`
	// Dataset is the dataset of the table. Required; it must exist.
	Dataset string `json:"dataset"`
	// Table is the table the rows are loaded into; created when missing,
	// with a schema from the report's columns. With write_disposition
	// "new_table" it is a template: {run} is replaced by the run's id and
	// {file} by the file's name less its extension (letters, digits and
	// underscores). Required.
	Table string `json:"table"`
	// WriteDisposition is "append" (default), "truncate" or "new_table".
	WriteDisposition string `json:"write_disposition,omitempty"`
	// Location is where the dataset lives ("EU", "europe-west1"), for the
	// load jobs. Optional: BigQuery finds it from the dataset.
	Location string `json:"location,omitempty"`
	// CredentialsJSON is a service account's JSON key; empty uses the
	// environment's default credentials. Write-only.
	CredentialsJSON string `json:"credentials_json,omitempty" secret:"true"`
	// Endpoint is the http(s) URL of a BigQuery API other than Google's (a
	// private endpoint). Optional. With an endpoint and no key, requests
	// are sent without credentials.
	Endpoint string `json:"endpoint,omitempty"`
}

// ParseConfig decodes the config of a BigQuery destination, fills its
// defaults and validates it. It fails with EINVALID naming the field.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, facteur.Errorf(facteur.EINVALID, "project: give the Google Cloud project of the dataset")
	}
	if err := deliver.DecodeConfig(raw, &cfg, `a BigQuery destination has "project", "dataset", "table", "write_disposition", "location", "credentials_json" and "endpoint"`, nil); err != nil {
		return Config{}, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// withDefaults trims the config's texts and fills the write disposition:
// the one place where defaults are set.
func (c Config) withDefaults() Config {
	c.Project = strings.TrimSpace(c.Project)
	c.Dataset = strings.TrimSpace(c.Dataset)
	c.Table = strings.TrimSpace(c.Table)
	c.Location = strings.TrimSpace(c.Location)
	c.CredentialsJSON = strings.TrimSpace(c.CredentialsJSON)
	c.Endpoint = strings.TrimRight(strings.TrimSpace(c.Endpoint), "/")
	if c.WriteDisposition == "" {
		c.WriteDisposition = Append
	}
	return c
}

var (
	projectRE  = regexp.MustCompile(`^([a-z][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	datasetRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	tableRE    = regexp.MustCompile(`^[A-Za-z0-9_{}-]+$`)
	locationRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// Validate checks the fields of the config without any network access.
// It fails with EINVALID naming the field.
func (c Config) Validate() error {
	switch {
	case c.Project == "":
		return facteur.Errorf(facteur.EINVALID, "project: give the Google Cloud project of the dataset")
	case !projectRE.MatchString(c.Project):
		return facteur.Errorf(facteur.EINVALID, "project: %q is not a project ID; give 6 to 30 lower-case letters, digits or hyphens, such as \"acme-analytics\"", truncate(c.Project))
	case len(c.Dataset) > 1024 || len(c.Table) > 1024:
		return facteur.Errorf(facteur.EINVALID, "dataset: the names of the dataset and table have at most 1024 characters")
	case c.Dataset == "":
		return facteur.Errorf(facteur.EINVALID, "dataset: give the dataset of the table")
	case !datasetRE.MatchString(c.Dataset):
		return facteur.Errorf(facteur.EINVALID, "dataset: %q is not a dataset name; give letters, digits and underscores, such as \"exports\"", truncate(c.Dataset))
	case c.Table == "":
		return facteur.Errorf(facteur.EINVALID, "table: give the table to load the rows into")
	case !tableRE.MatchString(c.Table):
		return facteur.Errorf(facteur.EINVALID, "table: %q is not a table name; give letters, digits and underscores, such as \"orders\"", truncate(c.Table))
	case c.WriteDisposition != Append && c.WriteDisposition != Truncate && c.WriteDisposition != NewTable:
		return facteur.Errorf(facteur.EINVALID, "write_disposition: %q is not one of \"append\", \"truncate\" or \"new_table\"", truncate(c.WriteDisposition))
	case c.Location != "" && !locationRE.MatchString(c.Location):
		return facteur.Errorf(facteur.EINVALID, "location: %q is not a location; give one such as \"EU\" or \"europe-west1\", or leave it empty", truncate(c.Location))
	}
	placeholders := strings.NewReplacer("{run}", "", "{file}", "").Replace(c.Table)
	switch {
	case strings.ContainsAny(placeholders, "{}"):
		return facteur.Errorf(facteur.EINVALID, "table: %q has a placeholder other than {run} and {file}", c.Table)
	case c.WriteDisposition == NewTable && !strings.Contains(c.Table, "{run}"):
		return facteur.Errorf(facteur.EINVALID, "table: with write_disposition \"new_table\", the table's name must contain {run}, such as \"orders_{run}\", so that each run gets a table of its own")
	case c.WriteDisposition != NewTable && placeholders != c.Table:
		return facteur.Errorf(facteur.EINVALID, "table: placeholders ({run}, {file}) are only for write_disposition \"new_table\"")
	case strings.Contains(placeholders, "-"):
		return facteur.Errorf(facteur.EINVALID, "table: %q contains a hyphen; use underscores", c.Table)
	}
	if c.CredentialsJSON != "" {
		if _, err := gcs.ParseKey(c.CredentialsJSON); err != nil {
			return err
		}
	}
	if c.Endpoint != "" {
		return gcs.ValidateEndpoint(c.Endpoint, "the BigQuery API")
	}
	return nil
}

// truncate shortens a value quoted in a message.
func truncate(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:80] + "…"
}
