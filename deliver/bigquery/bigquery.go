// Package bigquery loads each run's file into a table of Google BigQuery
// (PRODUCT D7) with a load job whose id is derived from the run, so that a
// retry never loads the same run twice.
package bigquery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/gcs"
)

// Media types of the formats BigQuery loads, as the registry of formats
// gives them.
const (
	MediaNDJSON  = "application/x-ndjson"
	MediaParquet = "application/vnd.apache.parquet"
)

// Formats are the export formats a BigQuery destination takes.
var Formats = []string{"ndjson", "parquet"}

const (
	// chunkSize is the part of a file the upload holds in memory and
	// sends at once: a larger file goes in a resumable upload.
	chunkSize = 8 << 20
	// lookupTimeout bounds the lookup of a job, retries included.
	lookupTimeout = 10 * time.Second
	// jobTimeout bounds the wait for a load job to finish.
	jobTimeout = 2 * time.Hour
	// testTable is the table Send test loads its one row into.
	testTable = "facteur_send_test"
)

// roles is what the destination's service account needs.
const roles = "roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser on the project"

// BigQuery delivers artifacts by loading them into a table.
type BigQuery struct {
	cfg    Config
	client *bq.Client
	destID int64
	now    func() time.Time
}

var _ facteur.Deliverer = (*BigQuery)(nil)

// New returns the deliverer of a BigQuery destination. It fails with
// EINVALID when cfg is not valid; it does not connect.
func New(cfg Config, env deliver.Env) (*BigQuery, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	hc, err := gcs.HTTPClient(ctx, gcs.Auth{
		CredentialsJSON: cfg.CredentialsJSON,
		Anonymous:       cfg.Endpoint != "" && cfg.CredentialsJSON == "",
		Scopes:          []string{bq.Scope},
	}, env)
	if err != nil {
		return nil, err
	}
	opts := []option.ClientOption{option.WithHTTPClient(hc)}
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(cfg.Endpoint+"/bigquery/v2/"))
	}
	client, err := bq.NewClient(ctx, cfg.Project, opts...)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "Cannot set up the BigQuery client; check the project and the endpoint.")
	}
	client.Location = cfg.Location
	return &BigQuery{cfg: cfg, client: client, destID: env.DestinationID, now: time.Now}, nil
}

// Close releases the client's connections.
func (b *BigQuery) Close() error { return b.client.Close() }

// Deliver loads the artifact (NDJSON or Parquet) into the table with a
// load job, waits for it, and returns the table as the location and the
// job's id and rows loaded as the note. The job's id is derived from the
// destination, the run and the file's name: a retry of the run finds the
// job of an earlier attempt and waits for it instead of loading again. It
// fails with EINVALID for a file BigQuery cannot load or a job BigQuery
// refused (with BigQuery's errors), EUNAUTHORIZED for refused credentials,
// EUNAVAILABLE when BigQuery cannot be reached, ECONFLICT when BigQuery
// loaded another number of rows than the export wrote.
func (b *BigQuery) Deliver(ctx context.Context, a *facteur.Artifact) (facteur.Delivery, error) {
	p, err := deliver.ArtifactPayload(a)
	if err != nil {
		return facteur.Delivery{}, err
	}
	format, err := sourceFormat(p.ContentType)
	if err != nil {
		return facteur.Delivery{}, err
	}
	schema, err := Schema(a.Columns)
	if err != nil {
		return facteur.Delivery{}, err
	}
	run := a.RunID
	table := b.tableName(run, p.Name)
	load := loadSpec{table: table, format: format, schema: schema, disposition: b.disposition(), jobID: JobID(b.destID, run, table, p.Name), rows: a.Rows}
	return b.load(ctx, p, load)
}

// Test loads one row, a message saying that Facteur wrote it, into the
// table facteur_send_test of the dataset (replacing its rows), which
// checks the credentials, the dataset and the roles a delivery needs.
func (b *BigQuery) Test(ctx context.Context) (facteur.Delivery, error) {
	now := b.now().UTC()
	row := fmt.Appendf(nil, `{"message":%q,"sent_at":%q}`+"\n",
		"This is a test row written by Facteur to check that it can load rows into dataset "+b.cfg.Dataset+". You may delete this table.",
		now.Format(time.RFC3339))
	sum := sha256.Sum256(row)
	p := deliver.Payload{Name: "facteur-test-" + now.Format("20060102T150405Z") + ".ndjson", Size: int64(len(row)), SHA256: hex.EncodeToString(sum[:]),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(row)), nil }, ContentType: MediaNDJSON}
	schema := bq.Schema{{Name: "message", Type: bq.StringFieldType}, {Name: "sent_at", Type: bq.TimestampFieldType}}
	return b.load(ctx, p, loadSpec{table: testTable, format: bq.JSON, schema: schema, disposition: bq.WriteTruncate,
		jobID: "facteur_test_" + now.Format("20060102T150405") + "_" + strconv.FormatInt(now.UnixNano()%1e9, 10), rows: 1})
}

// sourceFormat returns BigQuery's source format for a file's media type.
func sourceFormat(mediaType string) (bq.DataFormat, error) {
	switch strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]) {
	case MediaNDJSON:
		return bq.JSON, nil
	case MediaParquet:
		return bq.Parquet, nil
	}
	return "", facteur.Errorf(facteur.EINVALID, "BigQuery loads NDJSON or Parquet files, not %s: set the schedule's format to ndjson or parquet, without compression or encryption.", mediaType)
}

// disposition is BigQuery's write disposition for the config's.
func (b *BigQuery) disposition() bq.TableWriteDisposition {
	switch b.cfg.WriteDisposition {
	case Truncate:
		return bq.WriteTruncate
	case NewTable:
		return bq.WriteEmpty
	}
	return bq.WriteAppend
}

var notWord = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// tableName is the table a run loads into: the configured one, or the
// template with {run} and {file} replaced.
func (b *BigQuery) tableName(run int64, name string) string {
	if b.cfg.WriteDisposition != NewTable {
		return b.cfg.Table
	}
	file := name
	if i := strings.LastIndexByte(file, '.'); i > 0 {
		file = file[:i]
	}
	file = strings.Trim(notWord.ReplaceAllString(file, "_"), "_")
	t := strings.NewReplacer("{run}", strconv.FormatInt(run, 10), "{file}", file).Replace(b.cfg.Table)
	if len(t) > 1024 {
		t = t[:1024]
	}
	return t
}

// JobID is the id of the load job of a run's file: the same for every
// attempt of the run, and different for another destination, run, table
// or file. BigQuery keeps a job's id for good, so a second insert of it
// finds the first.
func JobID(dest, run int64, table, file string) string {
	h := sha256.Sum256([]byte(table + "\x00" + file))
	return fmt.Sprintf("facteur_d%d_r%d_%s", dest, run, hex.EncodeToString(h[:8]))
}

// location names a table as a user would.
func (b *BigQuery) location(table string) string {
	return "bigquery://" + b.cfg.Project + "/" + b.cfg.Dataset + "/" + table
}

// isAlreadyExists reports whether BigQuery refused a job id it has seen.
func isAlreadyExists(err error) bool {
	var ge *googleapi.Error
	return asGoogle(err, &ge) && ge.Code == 409
}
