package http

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

// listRuns lists the run history, newest first. Query parameters (see
// runFilter): schedule_id, status, from, to, ignored=true, limit, and
// before or after (a run id: the older or the newer page).
func (s *Server) listRuns(r *http.Request) (int, any, error) {
	f, err := runFilter(r)
	if err != nil {
		return 0, nil, err
	}
	if u := user(r); u.Role != facteur.RoleAdmin {
		f.VisibleTo, f.SharedKinds = u.ID, s.kinds().Shared()
	}
	runs, err := s.Store.Runs(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	out := make([]apitypes.Run, len(runs))
	for i, run := range runs {
		out[i] = s.runJSON(run, nil)
	}
	return http.StatusOK, out, nil
}

// runJSON adds the log and the live progress to a run.
func (s *Server) runJSON(run *facteur.Run, log []facteur.LogEntry) apitypes.Run {
	out := apitypes.Run{Run: run, Log: log}
	if rows, ok := s.Runs.Progress(run.ID); ok {
		out.Progress = &rows
	}
	return out
}

func (s *Server) getRun(r *http.Request) (int, any, error) {
	run, err := visibleByID(r, s.visibleRun)
	if err != nil {
		return 0, nil, err
	}
	log, err := s.Store.RunLog(r.Context(), run.ID)
	if err != nil {
		return 0, nil, err
	}
	out := s.runJSON(run, log)
	if out.Recipients, err = s.Store.MailRecipients(r.Context(), run.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// retryRun delivers again the file a run produced (F4).
func (s *Server) retryRun(r *http.Request) (int, any, error) {
	orig, err := visibleByID(r, s.ownedRun)
	if err != nil {
		return 0, nil, err
	}
	if err := s.canExport(r); err != nil {
		return 0, nil, err
	}
	run, err := s.Runs.Retry(r.Context(), orig.ID, user(r).ID)
	if err == nil {
		info(r).detail = fmt.Sprintf("run %d", run.ID)
	}
	return http.StatusAccepted, run, err
}

// ignoreRun hides a run from the history (?undo=true shows it again).
func (s *Server) ignoreRun(r *http.Request) (int, any, error) {
	run, err := visibleByID(r, s.ownedRun)
	if err != nil {
		return 0, nil, err
	}
	run.Ignored = r.URL.Query().Get("undo") != "true"
	return http.StatusOK, run, s.Store.UpdateRun(r.Context(), run)
}

func (s *Server) cancelRun(r *http.Request) (int, any, error) {
	run, err := visibleByID(r, s.ownedRun)
	if err != nil {
		return 0, nil, err
	}
	if err := s.Runs.Cancel(r.Context(), run.ID); err != nil {
		return 0, nil, err
	}
	run, err = s.Store.Run(r.Context(), run.ID)
	return http.StatusOK, run, err
}

// downloadRun sends the file a run produced, byte for byte.
func (s *Server) downloadRun(w http.ResponseWriter, r *http.Request) {
	run, err := visibleByID(r, s.ownedRun)
	if err == nil {
		err = s.canExport(r)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	info(r).detail = run.FileName
	s.serveArtifact(w, r, run)
}

// downloadLink serves the file of a signed download link, until it expires.
func (s *Server) downloadLink(w http.ResponseWriter, r *http.Request) {
	if s.Links == nil {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "download links are not enabled"))
		return
	}
	id, err := s.Links.Verify(r.PathValue("rest"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.serveArtifact(w, r, run)
}

// serveArtifact sends a run's spooled file with its name and SHA-256.
func (s *Server) serveArtifact(w http.ResponseWriter, r *http.Request, run *facteur.Run) {
	if run.Separate() {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "run %d delivered %d files each on its own: it has no one file to download", run.ID, len(run.Files)))
		return
	}
	if run.ArtifactPath == "" || run.SHA256 == "" {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "run %d has no file to download", run.ID))
		return
	}
	f, err := os.Open(run.ArtifactPath)
	if os.IsNotExist(err) {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "the file of run %d is no longer kept", run.ID))
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
	w.Header().Set("Content-Type", s.Formats.MediaType(run.FileName))
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+strings.ReplaceAll(url.PathEscape(run.FileName), "'", "%27"))
	w.Header().Set("ETag", `"`+run.SHA256+`"`)
	w.Header().Set("X-Content-SHA256", run.SHA256)
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
