package bigquery_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	bqv2 "google.golang.org/api/bigquery/v2"
)

// standIn is a local stand-in of the BigQuery REST API, for the calls a
// load makes: jobs.get, and jobs.insert with the file as media, in one
// multipart request or a resumable upload. No BigQuery emulator can be
// built here, so it records what a real BigQuery would receive (the job's
// configuration and the uploaded bytes) for the tests to check, answers
// as BigQuery does (404 for an unknown job or dataset, 409 for a job id
// already used, a job that runs, then is done), and loads nothing: it
// counts an NDJSON file's rows.
type standIn struct {
	srv *httptest.Server

	mu       sync.Mutex
	datasets map[string]bool
	jobs     map[string]*standInJob
	uploads  map[string]*standInUpload
	inserts  int    // jobs.insert calls that created a job
	failWith string // a job error every new job ends with ("": none)
}

// standInJob is a job the stand-in received.
type standInJob struct {
	job   bqv2.Job
	data  []byte
	polls int // jobs.get calls: the job is RUNNING for the first one
}

// standInUpload is a resumable upload under way.
type standInUpload struct {
	job  bqv2.Job
	data bytes.Buffer
}

func newStandIn(t *testing.T, datasets ...string) *standIn {
	t.Helper()
	s := &standIn{datasets: map[string]bool{}, jobs: map[string]*standInJob{}, uploads: map[string]*standInUpload{}}
	for _, d := range datasets {
		s.datasets[d] = true
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

var (
	getJobRE    = regexp.MustCompile(`^/bigquery/v2/projects/([^/]+)/jobs/([^/]+)$`)
	insertJobRE = regexp.MustCompile(`^/upload/bigquery/v2/projects/([^/]+)/jobs$`)
)

func (s *standIn) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && getJobRE.MatchString(r.URL.Path):
		id := getJobRE.FindStringSubmatch(r.URL.Path)[2]
		j, ok := s.jobs[id]
		if !ok {
			apiError(w, 404, "notFound", "Not found: Job "+id)
			return
		}
		j.polls++
		out := j.job
		if j.polls == 1 {
			out.Status = &bqv2.JobStatus{State: "RUNNING"}
			out.Statistics = nil
		}
		writeJSON(w, 200, out)
	case r.Method == http.MethodPost && insertJobRE.MatchString(r.URL.Path) && r.URL.Query().Get("uploadType") == "multipart":
		job, data, err := readMultipart(r)
		if err != nil {
			apiError(w, 400, "invalid", err.Error())
			return
		}
		s.create(w, job, data)
	case r.Method == http.MethodPost && insertJobRE.MatchString(r.URL.Path) && r.URL.Query().Get("uploadType") == "resumable":
		var job bqv2.Job
		if err := json.NewDecoder(r.Body).Decode(&job); err != nil {
			apiError(w, 400, "invalid", err.Error())
			return
		}
		id := strconv.Itoa(len(s.uploads) + 1)
		s.uploads[id] = &standInUpload{job: job}
		w.Header().Set("Location", s.srv.URL+r.URL.Path+"?uploadType=resumable&upload_id="+id)
		w.WriteHeader(200)
	case r.Method == http.MethodPut && r.URL.Query().Get("upload_id") != "":
		u, ok := s.uploads[r.URL.Query().Get("upload_id")]
		if !ok {
			apiError(w, 404, "notFound", "no such upload")
			return
		}
		io.Copy(&u.data, r.Body)
		// "bytes a-b/total", "bytes a-b/*" or "bytes */total".
		if cr := r.Header.Get("Content-Range"); strings.HasSuffix(cr, "/*") {
			w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", u.data.Len()-1))
			w.WriteHeader(308)
			return
		}
		s.create(w, u.job, u.data.Bytes())
	default:
		apiError(w, 400, "invalid", "the stand-in does not serve "+r.Method+" "+r.URL.Path)
	}
}

// create creates a load job, as jobs.insert does.
func (s *standIn) create(w http.ResponseWriter, job bqv2.Job, data []byte) {
	ref := job.JobReference
	load := job.Configuration.Load
	switch {
	case ref == nil || ref.JobId == "":
		apiError(w, 400, "invalid", "no job id")
		return
	case s.jobs[ref.JobId] != nil:
		apiError(w, 409, "duplicate", "Already Exists: Job "+ref.ProjectId+":"+ref.JobId)
		return
	case load == nil || load.DestinationTable == nil:
		apiError(w, 400, "invalid", "not a load job")
		return
	case !s.datasets[load.DestinationTable.DatasetId]:
		apiError(w, 404, "notFound", "Not found: Dataset "+load.DestinationTable.ProjectId+":"+load.DestinationTable.DatasetId)
		return
	}
	rows := int64(0)
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			rows++
		}
	}
	job.Status = &bqv2.JobStatus{State: "DONE"}
	if s.failWith != "" {
		job.Status.ErrorResult = &bqv2.ErrorProto{Reason: "invalid", Message: s.failWith}
		job.Status.Errors = []*bqv2.ErrorProto{{Reason: "invalid", Message: s.failWith}}
		rows = 0
	}
	job.Statistics = &bqv2.JobStatistics{Load: &bqv2.JobStatistics3{OutputRows: rows, InputFileBytes: int64(len(data))}}
	s.jobs[ref.JobId] = &standInJob{job: job, data: bytes.Clone(data)}
	s.inserts++
	out := job
	out.Status = &bqv2.JobStatus{State: "RUNNING"}
	writeJSON(w, 200, out)
}

// readMultipart reads a multipart/related jobs.insert: the job, then the
// media.
func readMultipart(r *http.Request) (bqv2.Job, []byte, error) {
	var job bqv2.Job
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return job, nil, err
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	meta, err := mr.NextPart()
	if err != nil {
		return job, nil, err
	}
	if err := json.NewDecoder(meta).Decode(&job); err != nil {
		return job, nil, err
	}
	media, err := mr.NextPart()
	if err != nil {
		return job, nil, err
	}
	data, err := io.ReadAll(media)
	return job, data, err
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": msg, "errors": []map[string]string{{"reason": reason, "message": msg}}}})
}

// done returns the jobs that are done, by id.
func (s *standIn) done() map[string]*standInJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]*standInJob{}
	for id, j := range s.jobs {
		if j.job.Status.ErrorResult == nil {
			c := *j
			out[id] = &c
		}
	}
	return out
}
