// Package http serves Facteur's REST API (/api/v1, JSON) and its health
// endpoint. Handlers are small: one per action, each decoding its input,
// calling the store or the queue, and encoding the result.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/deliver/kinds"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/http/apitypes"
	"github.com/facteur/facteur/internal/strictjson"
	"github.com/facteur/facteur/links"
	"github.com/facteur/facteur/mail"
)

// Runs is what the API asks of the job queue.
type Runs interface {
	// RunNow and Retry record requestedBy, the account that asked.
	RunNow(ctx context.Context, scheduleID, requestedBy int64) (*facteur.Run, error)
	Retry(ctx context.Context, runID, requestedBy int64) (*facteur.Run, error)
	// SendTest queues a test delivery of a schedule (a run with trigger
	// "test").
	SendTest(ctx context.Context, scheduleID, requestedBy int64) (*facteur.Run, error)
	// Export queues a one-off export prepared by the API.
	Export(ctx context.Context, run *facteur.Run) (*facteur.Run, error)
	Cancel(ctx context.Context, runID int64) error
	Progress(runID int64) (int64, bool)
}

// Server holds the dependencies of the API handlers.
type Server struct {
	Store facteur.Store
	Runs  Runs
	// Formats are the formats schedules and exports may choose (validation,
	// file names, the media type of downloads, GET /api/v1/formats); nil
	// means format.Builtin().
	Formats *format.Registry
	// OpenSource connects to a database by DSN (without running a query).
	OpenSource func(ctx context.Context, dsn string) (facteur.Querier, error)
	// Deliverer returns the deliverer of a destination; it validates the config.
	Deliverer func(d *facteur.Destination) (facteur.Deliverer, error)
	// Kinds are the destination kinds: which exist, their secret settings,
	// the roles that may create them and who sees their runs. Nil:
	// kinds.Builtin().
	Kinds *deliver.Registry
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

	// SessionTTL is how long a login lasts; default DefaultSessionTTL.
	SessionTTL time.Duration

	// Ready says whether this node can do its work (GET /readyz): nil,
	// or an error whose message says why not. Nil Ready: always ready.
	Ready func(ctx context.Context) error
	// LoginFailed is told of each refused login (the metrics); blocked
	// says it was refused for too many failures. Nil: nobody.
	LoginFailed func(blocked bool)

	device deviceStatus
	wg     sync.WaitGroup
}

// kinds returns the destination kinds the API knows (Handler fills the
// default).
func (s *Server) kinds() *deliver.Registry { return s.Kinds }

func (s *Server) context() context.Context {
	if s.Context != nil {
		return s.Context
	}
	return context.Background()
}

// Wait waits for the server's background work to end (after Context ends).
func (s *Server) Wait() { s.wg.Wait() }

// maxBody is the largest request body the API reads: 1 MB. A larger one
// is refused with 413 (ETOOLARGE).
const maxBody = 1 << 20

// limitBody makes reading more than maxBody bytes of a request body fail
// with *http.MaxBytesError (and close the connection after the answer).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

// bodyError turns the error of reading a body past maxBody into the
// answer a user can act on; other errors are returned as they are.
func bodyError(err error) error {
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return facteur.Errorf(facteur.ETOOLARGE, "The request body is larger than %d MB; send less", big.Limit>>20)
	}
	return err
}

// Route is an endpoint of the API and what it needs.
type Route struct {
	Method, Path string
	// Need is the least role the route requires; "" means the route needs
	// no account (health, login, signed download links, the OAuth
	// callback, which checks its own single-use state).
	Need facteur.Role
	// Audit names the action written to the audit log when the route
	// succeeds; "" records nothing.
	Audit string
}

type route struct {
	Route
	h http.HandlerFunc
}

// Routes lists every endpoint of the API with the role it needs.
func (s *Server) Routes() []Route {
	var out []Route
	for _, rt := range s.routes() {
		out = append(out, rt.Route)
	}
	return out
}

func (s *Server) routes() []route {
	const (
		public = ""
		viewer = facteur.RoleViewer
		editor = facteur.RoleEditor
		admin  = facteur.RoleAdmin
	)
	r := func(method, path string, need facteur.Role, audit string, h http.HandlerFunc) route {
		return route{Route{method, path, need, audit}, h}
	}
	a := s.api
	return []route{
		r("GET", "/healthz", public, "", s.health),
		r("GET", "/readyz", public, "", s.ready),
		r("GET", "/api/v1/version", public, "", s.version),
		r("GET", "/api/v1/formats", viewer, "", a(s.listFormats)),
		r("POST", "/api/v1/login", public, "", s.login),
		r("POST", "/api/v1/logout", viewer, "logout", s.logout),
		r("GET", "/api/v1/me", viewer, "", a(s.me)),
		r("PUT", "/api/v1/me/password", viewer, "user.password", a(s.changePassword)),
		r("GET", "/api/v1/tokens", viewer, "", a(s.listTokens)),
		r("POST", "/api/v1/tokens", viewer, "token.create", a(s.createToken)),
		r("DELETE", "/api/v1/tokens/{id}", viewer, "token.delete", a(s.deleteToken)),

		r("GET", "/api/v1/users", admin, "", a(s.listUsers)),
		r("POST", "/api/v1/users", admin, "user.create", a(s.createUser)),
		r("GET", "/api/v1/users/{id}", admin, "", a(s.getUser)),
		r("PUT", "/api/v1/users/{id}", admin, "user.update", a(s.updateUser)),
		r("GET", "/api/v1/audit", admin, "", s.listAudit),

		r("GET", "/api/v1/sources", viewer, "", a(s.listSources)),
		r("POST", "/api/v1/sources", admin, "source.create", a(s.createSource)),
		r("GET", "/api/v1/sources/{id}", viewer, "", a(s.getSource)),
		r("PUT", "/api/v1/sources/{id}", admin, "source.update", a(s.updateSource)),
		r("DELETE", "/api/v1/sources/{id}", admin, "source.delete", a(s.deleteSource)),
		r("POST", "/api/v1/sources/{id}/test", admin, "source.test", a(s.testSource)),

		r("GET", "/api/v1/reports", viewer, "", a(s.listReports)),
		r("POST", "/api/v1/reports", editor, "report.create", a(s.createReport)),
		r("GET", "/api/v1/reports/{id}", viewer, "", a(s.getReport)),
		r("PUT", "/api/v1/reports/{id}", editor, "report.update", a(s.updateReport)),
		r("DELETE", "/api/v1/reports/{id}", editor, "report.delete", a(s.deleteReport)),
		r("POST", "/api/v1/reports/{id}/duplicate", editor, "report.duplicate", a(s.duplicateReport)),
		r("GET", "/api/v1/reports/{id}/preview", editor, "report.preview", a(s.previewReport)),

		r("GET", "/api/v1/destinations", viewer, "", a(s.listDestinations)),
		r("POST", "/api/v1/destinations", editor, "destination.create", a(s.createDestination)),
		r("GET", "/api/v1/destinations/{id}", viewer, "", a(s.getDestination)),
		r("PUT", "/api/v1/destinations/{id}", editor, "destination.update", a(s.updateDestination)),
		r("DELETE", "/api/v1/destinations/{id}", editor, "destination.delete", a(s.deleteDestination)),
		r("POST", "/api/v1/destinations/{id}/test", editor, "destination.test", a(s.testDestination)),

		r("GET", "/api/v1/recipient-groups", viewer, "", a(s.listGroups)),
		r("POST", "/api/v1/recipient-groups", editor, "recipient_group.create", a(s.createGroup)),
		r("GET", "/api/v1/recipient-groups/{id}", viewer, "", a(s.getGroup)),
		r("PUT", "/api/v1/recipient-groups/{id}", editor, "recipient_group.update", a(s.updateGroup)),
		r("DELETE", "/api/v1/recipient-groups/{id}", editor, "recipient_group.delete", a(s.deleteGroup)),

		r("GET", "/api/v1/schedules", viewer, "", s.listSchedules),
		r("POST", "/api/v1/schedules", editor, "schedule.create", a(s.createSchedule)),
		r("GET", "/api/v1/schedules/{id}", viewer, "", a(s.getSchedule)),
		r("PUT", "/api/v1/schedules/{id}", editor, "schedule.update", a(s.updateSchedule)),
		r("DELETE", "/api/v1/schedules/{id}", editor, "schedule.delete", a(s.deleteSchedule)),
		r("POST", "/api/v1/schedules/{id}/run", editor, "schedule.run", a(s.runSchedule)),
		r("PUT", "/api/v1/schedules/{id}/owner", admin, "schedule.transfer", a(s.transferSchedule)),
		r("GET", "/api/v1/schedules/{id}/next", viewer, "", a(s.nextRuns)),
		r("POST", "/api/v1/schedules/{id}/pause", editor, "schedule.pause", a(s.pauseSchedule)),
		r("POST", "/api/v1/schedules/{id}/resume", editor, "schedule.resume", a(s.resumeSchedule)),
		r("POST", "/api/v1/schedules/{id}/test", editor, "schedule.test", a(s.testSchedule)),
		r("GET", "/api/v1/schedules/{id}/watermark", viewer, "", a(s.getWatermark)),
		r("PUT", "/api/v1/schedules/{id}/watermark", admin, "schedule.watermark", a(s.resetWatermark)),
		r("POST", "/api/v1/calendar/preview", viewer, "", a(s.previewCalendar)),
		r("GET", "/api/v1/regions", viewer, "", a(s.listRegions)),
		r("GET", "/api/v1/closures", viewer, "", a(s.listClosures)),
		r("POST", "/api/v1/closures", admin, "closures.create", a(s.createClosure)),
		r("GET", "/api/v1/closures/{id}", viewer, "", a(s.getClosure)),
		r("PUT", "/api/v1/closures/{id}", admin, "closures.update", a(s.updateClosure)),
		r("DELETE", "/api/v1/closures/{id}", admin, "closures.delete", a(s.deleteClosure)),
		r("POST", "/api/v1/file-name/preview", viewer, "", a(s.previewFileName)),

		r("GET", "/api/v1/exports", editor, "", a(s.listExports)),
		r("POST", "/api/v1/exports", editor, "export.create", a(s.createExport)),
		r("GET", "/api/v1/runs", viewer, "", a(s.listRuns)),
		r("GET", "/api/v1/runs/{id}", viewer, "", a(s.getRun)),
		r("POST", "/api/v1/runs/{id}/retry", editor, "run.retry", a(s.retryRun)),
		r("POST", "/api/v1/runs/{id}/ignore", editor, "run.ignore", a(s.ignoreRun)),
		r("POST", "/api/v1/runs/{id}/cancel", editor, "run.cancel", a(s.cancelRun)),
		r("GET", "/api/v1/runs/{id}/download", editor, "run.download", s.downloadRun),
		r("GET", links.Path+"{rest...}", public, "", s.downloadLink),

		r("GET", "/api/v1/settings/mail", admin, "", a(s.getMailSettings)),
		r("PUT", "/api/v1/settings/mail", admin, "settings.mail", a(s.putMailSettings)),
		r("POST", "/api/v1/settings/mail/test", admin, "settings.mail_test", a(s.testMail)),
		r("POST", "/api/v1/settings/mail/oauth/authorize", admin, "settings.oauth", a(s.startOAuth)),
		r("GET", callbackPath, public, "", s.oauthCallback),
		r("POST", "/api/v1/settings/mail/oauth/device", admin, "settings.oauth", a(s.startDevice)),
		r("GET", "/api/v1/settings/mail/oauth/device", admin, "", a(s.getDevice)),
		r("GET", "/api/v1/settings/policy", admin, "", a(s.getPolicy)),
		r("PUT", "/api/v1/settings/policy", admin, "settings.policy", a(s.putPolicy)),
	}
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Formats == nil {
		s.Formats = format.Builtin()
	}
	if s.Kinds == nil {
		s.Kinds = kinds.Builtin()
	}
	m := http.NewServeMux()
	for _, rt := range s.routes() {
		m.HandleFunc(rt.Method+" "+rt.Path, s.guard(rt.Route, rt.h))
	}
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, facteur.Errorf(facteur.ENOTFOUND, "no API endpoint %s %s; see the README for the list", r.Method, r.URL.Path))
	})
	return s.logRequests(limitBody(m))
}

// health answers that the process is alive, without touching the store:
// a database outage must not get every node restarted.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	s.json(w, http.StatusOK, map[string]string{"status": "ok"})
}

// ready answers 200 when the node can do its work (see Ready), and 503
// with the reason when not.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.json(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
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
	b, err := readBody(r)
	if err != nil {
		return err
	}
	return strictjson.Decode(b, v, strictjson.Options{})
}

// apiFunc is an API action: it returns the status and the value of a
// successful answer, or an error that becomes the JSON error answer.
type apiFunc func(r *http.Request) (status int, v any, err error)

// api adapts an apiFunc to net/http.
func (s *Server) api(fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, v, err := fn(r)
		if req := info(r); err == nil {
			id, name := describe(v)
			if req.objectID == 0 && r.PathValue("id") == "" {
				req.objectID = id
			}
			if req.detail == "" {
				req.detail = name
			}
		}
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

// describe returns the id and name of an object an action answered with,
// for the audit log.
func describe(v any) (int64, string) {
	switch o := v.(type) {
	case apitypes.Source:
		return o.ID, o.Name
	case *facteur.Report:
		return o.ID, o.Name
	case apitypes.Destination:
		return o.ID, o.Name
	case apitypes.Schedule:
		return o.ID, o.Name
	case apitypes.RecipientGroup:
		return o.ID, o.Name
	case *facteur.Run:
		return o.ID, ""
	}
	return 0, ""
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

// pathID reads the {id} of the URL. Only a canonical id names an object
// ("+1", "01" or "0" name none): anything else is ENOTFOUND.
func pathID(r *http.Request) (int64, error) {
	id, ok := facteur.ParseID(r.PathValue("id"))
	if !ok {
		return 0, facteur.Errorf(facteur.ENOTFOUND, "id: there is no such object; an id is a whole number from 1, without sign, spaces or leading zeros")
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
	facteur.EINVALID:         http.StatusBadRequest,
	facteur.ENOTFOUND:        http.StatusNotFound,
	facteur.ECONFLICT:        http.StatusConflict,
	facteur.EUNAVAILABLE:     http.StatusBadGateway,
	facteur.EUNAUTHORIZED:    http.StatusUnprocessableEntity,
	facteur.EUNAUTHENTICATED: http.StatusUnauthorized,
	facteur.EFORBIDDEN:       http.StatusForbidden,
	facteur.ETOOMANY:         http.StatusTooManyRequests,
	facteur.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	facteur.ECANCELLED:       http.StatusConflict,
	facteur.EINTERNAL:        http.StatusInternalServerError,
}

// maxMessage bounds an error message: a message that quotes a refused
// value (a 300 KB name) must not send it all back. The field at fault
// comes first, so it is always kept.
const maxMessage = 2000

// cutMessage cuts msg to at most maxMessage bytes, at a character, saying
// how long it was.
func cutMessage(msg string) string {
	if len(msg) <= maxMessage {
		return msg
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (cut: the message had %d bytes)", msg[:cut], len(msg))
}

// error writes err as a JSON error. Internal errors are logged in full and
// shown only as a generic message.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := facteur.ErrorCode(err)
	var body apitypes.Error
	body.Error.Code = code
	body.Error.Message = facteur.ErrorMessage(err)
	if code == facteur.EINTERNAL {
		s.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if fe := (*facteur.Error)(nil); errors.As(err, &fe) && fe.Err != nil && code != facteur.EUNAUTHORIZED {
		// Database and destination errors carry their own words; show them.
		body.Error.Message = fmt.Sprintf("%s (%v)", body.Error.Message, fe.Err)
	}
	body.Error.Message = cutMessage(body.Error.Message)
	status, ok := errorStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if req := info(r); code == facteur.EFORBIDDEN && req != nil {
		req.denied = body.Error.Message
	}
	s.json(w, status, body)
}
