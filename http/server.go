// Package http serves Facteur's REST API (/api/v1, JSON) and its health
// endpoint. Handlers are small: one per action, each decoding its input,
// calling the store or the queue, and encoding the result.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/links"
	"github.com/facteur/facteur/mail"
)

// Runs is what the API asks of the job queue.
type Runs interface {
	RunNow(ctx context.Context, scheduleID int64) (*facteur.Run, error)
	Retry(ctx context.Context, runID int64) (*facteur.Run, error)
	Cancel(ctx context.Context, runID int64) error
	Progress(runID int64) (int64, bool)
}

// Server holds the dependencies of the API handlers.
type Server struct {
	Store facteur.Store
	Runs  Runs
	// OpenSource connects to a database by DSN (without running a query).
	OpenSource func(ctx context.Context, dsn string) (facteur.Querier, error)
	// Deliverer returns the deliverer of a destination; it validates the config.
	Deliverer func(d *facteur.Destination) (facteur.Deliverer, error)
	// CheckURL refuses addresses the outbound policy forbids, when a
	// destination is saved; nil allows everything.
	CheckURL func(raw string) error
	// Mail sends with the central mail settings and keeps them.
	Mail *mail.Service
	// MailHost is the host part of Message-IDs.
	MailHost string
	// PublicURL is Facteur's address, for the OAuth redirect.
	PublicURL string
	// Context ends background work (the device authorisation) when the
	// server stops; Wait waits for it. Default context.Background.
	Context context.Context
	// Links checks signed download links; nil disables them.
	Links   *links.Signer
	Logger  *slog.Logger
	Version string
	// Now returns the current time; tests replace it.
	Now func() time.Time

	device deviceStatus
	wg     sync.WaitGroup
}

func (s *Server) context() context.Context {
	if s.Context != nil {
		return s.Context
	}
	return context.Background()
}

// Wait waits for the server's background work to end (after Context ends).
func (s *Server) Wait() { s.wg.Wait() }

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", s.health)
	m.HandleFunc("GET /api/v1/version", s.version)

	m.HandleFunc("GET /api/v1/sources", s.api(s.listSources))
	m.HandleFunc("POST /api/v1/sources", s.api(s.createSource))
	m.HandleFunc("GET /api/v1/sources/{id}", s.api(s.getSource))
	m.HandleFunc("PUT /api/v1/sources/{id}", s.api(s.updateSource))
	m.HandleFunc("DELETE /api/v1/sources/{id}", s.api(s.deleteSource))
	m.HandleFunc("POST /api/v1/sources/{id}/test", s.api(s.testSource))

	m.HandleFunc("GET /api/v1/reports", s.api(s.listReports))
	m.HandleFunc("POST /api/v1/reports", s.api(s.createReport))
	m.HandleFunc("GET /api/v1/reports/{id}", s.api(s.getReport))
	m.HandleFunc("PUT /api/v1/reports/{id}", s.api(s.updateReport))
	m.HandleFunc("DELETE /api/v1/reports/{id}", s.api(s.deleteReport))
	m.HandleFunc("POST /api/v1/reports/{id}/duplicate", s.api(s.duplicateReport))
	m.HandleFunc("GET /api/v1/reports/{id}/preview", s.api(s.previewReport))

	m.HandleFunc("GET /api/v1/destinations", s.api(s.listDestinations))
	m.HandleFunc("POST /api/v1/destinations", s.api(s.createDestination))
	m.HandleFunc("GET /api/v1/destinations/{id}", s.api(s.getDestination))
	m.HandleFunc("PUT /api/v1/destinations/{id}", s.api(s.updateDestination))
	m.HandleFunc("DELETE /api/v1/destinations/{id}", s.api(s.deleteDestination))
	m.HandleFunc("POST /api/v1/destinations/{id}/test", s.api(s.testDestination))

	m.HandleFunc("GET /api/v1/schedules", s.api(s.listSchedules))
	m.HandleFunc("POST /api/v1/schedules", s.api(s.createSchedule))
	m.HandleFunc("GET /api/v1/schedules/{id}", s.api(s.getSchedule))
	m.HandleFunc("PUT /api/v1/schedules/{id}", s.api(s.updateSchedule))
	m.HandleFunc("DELETE /api/v1/schedules/{id}", s.api(s.deleteSchedule))
	m.HandleFunc("POST /api/v1/schedules/{id}/run", s.api(s.runSchedule))
	m.HandleFunc("GET /api/v1/schedules/{id}/next", s.api(s.nextRuns))
	m.HandleFunc("POST /api/v1/calendar/preview", s.api(s.previewCalendar))

	m.HandleFunc("GET /api/v1/runs", s.api(s.listRuns))
	m.HandleFunc("GET /api/v1/runs/{id}", s.api(s.getRun))
	m.HandleFunc("POST /api/v1/runs/{id}/retry", s.api(s.retryRun))
	m.HandleFunc("POST /api/v1/runs/{id}/ignore", s.api(s.ignoreRun))
	m.HandleFunc("POST /api/v1/runs/{id}/cancel", s.api(s.cancelRun))
	m.HandleFunc("GET /api/v1/runs/{id}/download", s.downloadRun)
	m.HandleFunc("GET "+links.Path+"{rest...}", s.downloadLink)

	m.HandleFunc("GET /api/v1/settings/mail", s.api(s.getMailSettings))
	m.HandleFunc("PUT /api/v1/settings/mail", s.api(s.putMailSettings))
	m.HandleFunc("POST /api/v1/settings/mail/test", s.api(s.testMail))
	m.HandleFunc("POST /api/v1/settings/mail/oauth/authorize", s.api(s.startOAuth))
	m.HandleFunc("GET "+callbackPath, s.oauthCallback)
	m.HandleFunc("POST /api/v1/settings/mail/oauth/device", s.api(s.startDevice))
	m.HandleFunc("GET /api/v1/settings/mail/oauth/device", s.api(s.getDevice))
	m.HandleFunc("GET /api/v1/settings/policy", s.api(s.getPolicy))
	m.HandleFunc("PUT /api/v1/settings/policy", s.api(s.putPolicy))

	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "no API endpoint %s %s; see the README for the list", r.Method, r.URL.Path))
	})
	return s.logRequests(m)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Store.Sources(r.Context()); err != nil {
		s.json(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "store: " + err.Error()})
		return
	}
	s.json(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	s.json(w, http.StatusOK, map[string]string{"version": s.Version})
}

// logRequests logs every request with its status and duration.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.Logger.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// decode reads a JSON body into v, refusing unknown fields and trailing data.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return facteur.Errorf(facteur.EINVALID, "the request needs a JSON body")
		case errors.As(err, &syn):
			return facteur.Errorf(facteur.EINVALID, "the body is not valid JSON (at byte %d)", syn.Offset)
		case errors.As(err, &typ):
			return facteur.Errorf(facteur.EINVALID, "%s: expected a %s", typ.Field, typ.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return facteur.Errorf(facteur.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return facteur.Errorf(facteur.EINVALID, "the body is not valid JSON: %v", err)
	}
	if dec.More() {
		return facteur.Errorf(facteur.EINVALID, "the body has data after its JSON object")
	}
	return nil
}

// apiFunc is an API action: it returns the status and the value of a
// successful answer, or an error that becomes the JSON error answer.
type apiFunc func(r *http.Request) (status int, v any, err error)

// api adapts an apiFunc to net/http.
func (s *Server) api(fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, v, err := fn(r)
		switch {
		case err != nil:
			s.error(w, r, err)
		case v == nil:
			w.WriteHeader(status)
		default:
			s.json(w, status, v)
		}
	}
}

// byID loads the object that the URL's {id} names, with get.
func byID[T any](r *http.Request, get func(context.Context, int64) (T, error)) (T, error) {
	id, err := pathID(r)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(r.Context(), id)
}

// pathID reads the {id} of the URL.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, facteur.Errorf(facteur.EINVALID, "id: %q is not an id", r.PathValue("id"))
	}
	return id, nil
}

// json writes v as the JSON response.
func (s *Server) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		s.Logger.Warn("write response", "err", err)
	}
}

// errorStatus maps error codes to HTTP statuses.
var errorStatus = map[string]int{
	facteur.EINVALID:      http.StatusBadRequest,
	facteur.ENOTFOUND:     http.StatusNotFound,
	facteur.ECONFLICT:     http.StatusConflict,
	facteur.EUNAVAILABLE:  http.StatusBadGateway,
	facteur.EUNAUTHORIZED: http.StatusUnprocessableEntity,
	facteur.ECANCELLED:    http.StatusConflict,
	facteur.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorResponse is the body of every failed API call.
type ErrorResponse struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// error writes err as a JSON error. Internal errors are logged in full and
// shown only as a generic message.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := facteur.ErrorCode(err)
	var body ErrorResponse
	body.Error.Code = code
	body.Error.Message = facteur.ErrorMessage(err)
	if code == facteur.EINTERNAL {
		s.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if fe := (*facteur.Error)(nil); errors.As(err, &fe) && fe.Err != nil && code != facteur.EUNAUTHORIZED {
		// Database and destination errors carry their own words; show them.
		body.Error.Message = fmt.Sprintf("%s (%v)", body.Error.Message, fe.Err)
	}
	status, ok := errorStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	s.json(w, status, body)
}
