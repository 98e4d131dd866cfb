package http

import (
	"bytes"
	"context"
	"errors"
	"net/http"
)

// An audited action commits with its audit entry: the route's handler runs
// with a context bound to one store transaction (its store calls join it,
// and a job it queues too), the entry is appended in that transaction, and
// the answer leaves only after the commit. A node killed at any point
// leaves both the change and its entry, or neither.

// events are audited actions that change nothing but run for long, on the
// network or a database (tests, previews, downloads, an OAuth start):
// their entry is written once they are done, and no write transaction
// waits on a remote server for them.
var events = map[string]bool{
	"source.test":        true,
	"destination.test":   true,
	"report.preview":     true,
	"settings.mail_test": true,
	"settings.oauth":     true,
	"run.download":       true,
}

// txBinder is a store that can bind a transaction to a context; store.DB
// is one.
type txBinder interface {
	WithTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// errRefused rolls back the transaction of an action that answered with
// an error status.
var errRefused = errors.New("the action was refused")

// recorded runs the audited action h and writes its audit entry in the
// same transaction. It reports false when the store cannot bind a
// transaction, leaving the action to the caller.
func (s *Server) recorded(w http.ResponseWriter, r *http.Request, req *request, rt Route, h http.HandlerFunc) (status int, ok bool) {
	b, ok := s.Store.(txBinder)
	if !ok || events[rt.Audit] {
		return 0, false
	}
	held := &heldWriter{header: http.Header{}, status: http.StatusOK}
	err := b.WithTx(r.Context(), func(ctx context.Context) error {
		r := r.WithContext(ctx)
		h(held, r)
		if held.status >= 400 {
			return errRefused
		}
		crashPoint(rt.Audit)
		return s.appendAudit(r, req, rt.Audit, req.detail)
	})
	if err != nil && !errors.Is(err, errRefused) {
		s.error(w, r, err)
		return http.StatusInternalServerError, true
	}
	held.send(w)
	return held.status, true
}

// inTx runs fn with r bound to one store transaction, when the store can
// bind one, and commits when fn returns nil.
func (s *Server) inTx(r *http.Request, fn func(r *http.Request) error) error {
	b, ok := s.Store.(txBinder)
	if !ok {
		return fn(r)
	}
	return b.WithTx(r.Context(), func(ctx context.Context) error { return fn(r.WithContext(ctx)) })
}

// heldWriter keeps an answer until the transaction it reports on has
// committed.
type heldWriter struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *heldWriter) Header() http.Header { return w.header }

func (w *heldWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
}

func (w *heldWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.body.Write(b)
}

// send writes the kept answer to w.
func (w *heldWriter) send(rw http.ResponseWriter) {
	for k, v := range w.header {
		rw.Header()[k] = v
	}
	rw.WriteHeader(w.status)
	_, _ = rw.Write(w.body.Bytes())
}
