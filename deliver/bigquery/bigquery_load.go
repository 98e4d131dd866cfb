package bigquery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/gcs"
)

// loadSpec is one load: where, how and under which job id.
type loadSpec struct {
	table       string
	format      bq.DataFormat
	schema      bq.Schema // nil: BigQuery's own (Parquet's types, or autodetected)
	disposition bq.TableWriteDisposition
	jobID       string
	rows        int64 // rows the export wrote; 0: not checked
}

// load checks the spooled file, inserts the load job with the file as its
// media (or finds the job an earlier attempt inserted), waits for it and
// checks what it reports.
func (b *BigQuery) load(ctx context.Context, p deliver.Payload, l loadSpec) (facteur.Delivery, error) {
	if err := checkSpool(ctx, p); err != nil {
		return facteur.Delivery{}, err
	}
	job, err := b.jobFromID(ctx, l.jobID)
	switch {
	case err == nil:
		// An earlier attempt inserted it: wait for it, load nothing.
	case status(err) == 404:
		job, err = b.insert(ctx, p, l)
		if isAlreadyExists(err) {
			job, err = b.jobFromID(ctx, l.jobID)
		}
		if err != nil {
			return facteur.Delivery{}, b.apiError(ctx, err, l.table)
		}
	default:
		return facteur.Delivery{}, b.apiError(ctx, err, l.table)
	}
	wctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	st, err := job.Wait(wctx)
	if err != nil {
		return facteur.Delivery{}, b.apiError(ctx, err, l.table)
	}
	if err := st.Err(); err != nil {
		return facteur.Delivery{}, b.jobError(l, st)
	}
	var loaded int64
	if ls, ok := st.Statistics.Details.(*bq.LoadStatistics); ok {
		loaded = ls.OutputRows
	}
	if l.rows > 0 && loaded != l.rows {
		return facteur.Delivery{}, facteur.Errorf(facteur.ECONFLICT, "BigQuery load job %s loaded %d rows into %s, not the %d rows of the export; check the table.", l.jobID, loaded, b.location(l.table), l.rows)
	}
	return facteur.Delivery{Location: b.location(l.table), Note: fmt.Sprintf("BigQuery load job %s loaded %d rows into %s.%s.", l.jobID, loaded, b.cfg.Dataset, l.table)}, nil
}

// jobFromID looks up a job, giving up after lookupTimeout: the client
// retries an unreachable server until its context ends.
func (b *BigQuery) jobFromID(ctx context.Context, id string) (*bq.Job, error) {
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	job, err := b.client.JobFromID(lctx, id)
	if err != nil && ctx.Err() == nil && lctx.Err() != nil {
		return nil, facteur.WrapError(facteur.EUNAVAILABLE, err, "BigQuery did not answer within %v; the delivery will be tried again.", lookupTimeout)
	}
	return job, err
}

// insert inserts the load job, uploading the file as its media in chunks
// of chunkSize. The file is read again and checked as it goes.
func (b *BigQuery) insert(ctx context.Context, p deliver.Payload, l loadSpec) (*bq.Job, error) {
	src, err := p.Open()
	if err != nil {
		return nil, facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()
	body := deliver.NewVerifyingReader(deliver.SpoolReader(src), p.Size, p.SHA256)
	rs := bq.NewReaderSource(body)
	rs.SourceFormat = l.format
	rs.Schema = l.schema
	if l.schema == nil && l.format == bq.JSON {
		rs.AutoDetect = true
	}
	loader := b.client.Dataset(b.cfg.Dataset).Table(l.table).LoaderFrom(rs)
	loader.JobID = l.jobID
	loader.CreateDisposition = bq.CreateIfNeeded
	loader.WriteDisposition = l.disposition
	loader.Labels = map[string]string{"facteur": "delivery"}
	loader.MediaOptions = []googleapi.MediaOption{googleapi.ChunkSize(chunkSize)}
	job, err := loader.Run(ctx)
	if err != nil && body.Mismatch() != nil {
		return nil, facteur.WrapError(facteur.EINTERNAL, body.Mismatch(), "The exported file %s does not match its size or SHA-256 in the spool; export it again.", p.Name)
	}
	return job, err
}

// checkSpool reads the spooled file once and fails with EINTERNAL when it
// does not match its size and SHA-256, before anything is sent.
func checkSpool(ctx context.Context, p deliver.Payload) error {
	src, err := p.Open()
	if err != nil {
		return facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	}
	defer src.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, deliver.ContextReader(ctx, src), make([]byte, deliver.CopyBufferSize))
	switch {
	case ctx.Err() != nil:
		return facteur.WrapError(facteur.ECANCELLED, ctx.Err(), "The delivery of %s was cancelled.", p.Name)
	case err != nil:
		return facteur.WrapError(facteur.EINTERNAL, err, "Cannot read the exported file %s from the spool; export it again.", p.Name)
	case n != p.Size || hex.EncodeToString(h.Sum(nil)) != p.SHA256:
		return facteur.Errorf(facteur.EINTERNAL, "The exported file %s does not match its size or SHA-256 in the spool; export it again.", p.Name)
	}
	return nil
}

// jobError is the error of a load job BigQuery ran and failed: its
// errors, as BigQuery gives them (a bad row, a schema that does not match
// the table). A retry finds the same job and cannot help: the next run
// loads under a job of its own.
func (b *BigQuery) jobError(l loadSpec, st *bq.JobStatus) error {
	var msgs []string
	for i, e := range st.Errors {
		if i == 5 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(st.Errors)-5))
			break
		}
		if e != nil {
			msgs = append(msgs, strings.TrimSpace(e.Reason+": "+e.Message))
		}
	}
	if len(msgs) == 0 && st.Err() != nil {
		msgs = append(msgs, st.Err().Error())
	}
	return facteur.WrapError(facteur.EINVALID, st.Err(), "BigQuery load job %s into %s failed: %s. Nothing was loaded; fix the table or the report and run the schedule again.",
		l.jobID, b.location(l.table), strings.Join(msgs, "; "))
}

// apiError explains an error of a BigQuery request.
func (b *BigQuery) apiError(ctx context.Context, err error, table string) error {
	if ctx.Err() == nil && status(err) == 404 {
		return facteur.WrapError(facteur.EINVALID, err, "Dataset %s of project %s does not exist, or the account cannot see it; check the project and dataset, or ask the administrator of the Google Cloud project to create it.", b.cfg.Dataset, b.cfg.Project)
	}
	return gcs.GoogleError(ctx, err, "table "+b.cfg.Dataset+"."+table+" of project "+b.cfg.Project, b.who(), roles)
}

// who names the account the destination acts as.
func (b *BigQuery) who() string {
	if k, err := gcs.ParseKey(b.cfg.CredentialsJSON); err == nil {
		return "service account " + k.ClientEmail
	}
	return "the account of Facteur's default credentials"
}

// status returns the HTTP status of a failed request, 0 if none came.
func status(err error) int {
	var ge *googleapi.Error
	if asGoogle(err, &ge) {
		return ge.Code
	}
	return 0
}

func asGoogle(err error, ge **googleapi.Error) bool { return errors.As(err, ge) }
