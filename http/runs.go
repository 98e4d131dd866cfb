package http

import (
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/format"
)

// runJSON is a run with its step log and, while it exports, its rows so far.
type runJSON struct {
	*facteur.Run
	Log      []facteur.LogEntry `json:"log,omitempty"`
	Progress *int64             `json:"progress_rows,omitempty"`
}

// listRuns lists the run history, newest first. Query parameters:
// schedule_id, status, ignored=true, limit (default 50, at most 1000) and
// before (a run id, for the next page).
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := facteur.RunFilter{Status: q.Get("status"), IncludeIgnored: q.Get("ignored") == "true"}
	var err error
	for name, dst := range map[string]*int64{"schedule_id": &f.ScheduleID, "before": &f.BeforeID} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil || *dst < 0 {
				s.error(w, r, facteur.Errorf(facteur.EINVALID, "%s: %q is not an id", name, v))
				return
			}
		}
	}
	if f.Limit, err = countParam(r, "limit", 50, 1000); err != nil {
		s.error(w, r, err)
		return
	}
	switch f.Status {
	case "", facteur.RunQueued, facteur.RunRunning, facteur.RunRetrying, facteur.RunSucceeded, facteur.RunFailed, facteur.RunCancelled:
	default:
		s.error(w, r, facteur.Errorf(facteur.EINVALID, "status: use queued, running, retrying, succeeded, failed or cancelled"))
		return
	}
	runs, err := s.Store.Runs(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]runJSON, len(runs))
	for i, run := range runs {
		out[i] = runJSON{Run: run}
		if rows, ok := s.Runs.Progress(run.ID); ok {
			out[i].Progress = &rows
		}
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	log, err := s.Store.RunLog(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := runJSON{Run: run, Log: log}
	if rows, ok := s.Runs.Progress(run.ID); ok {
		out.Progress = &rows
	}
	s.json(w, http.StatusOK, out)
}

// retryRun delivers again the file a run produced (F4).
func (s *Server) retryRun(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	run, err := s.Runs.Retry(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusAccepted, run)
}

// ignoreRun hides a run from the history (?undo=true shows it again).
func (s *Server) ignoreRun(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	run.Ignored = r.URL.Query().Get("undo") != "true"
	if err := s.Store.UpdateRun(r.Context(), run); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, run)
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Runs.Cancel(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, run)
}

// downloadRun sends the file a run produced, byte for byte.
func (s *Server) downloadRun(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if run.ArtifactPath == "" || run.SHA256 == "" {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "run %d has no file to download", id))
		return
	}
	f, err := os.Open(run.ArtifactPath)
	if os.IsNotExist(err) {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "the file of run %d is no longer kept", id))
		return
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType(run.FileName))
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+strings.ReplaceAll(urlPathEscape(run.FileName), "'", "%27"))
	w.Header().Set("ETag", `"`+run.SHA256+`"`)
	w.Header().Set("X-Content-SHA256", run.SHA256)
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// contentType is the MIME type of a delivered file, from its extension.
func contentType(name string) string {
	ext := name[strings.LastIndexByte(name, '.')+1:]
	formats := map[string]string{"csv": facteur.FormatCSV, "zip": facteur.FormatCSVZip, "json": facteur.FormatJSON, "ndjson": facteur.FormatNDJSON, "xlsx": facteur.FormatXLSX}
	if f, ok := formats[ext]; ok {
		if ct := format.ContentType(f); ct != "" {
			return ct
		}
	}
	return "application/octet-stream"
}
