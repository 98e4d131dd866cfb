package http

import (
	"net/http"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

// sourceJSON is a source as the API shows it: the DSN without its password.
type sourceJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	DSN       string    `json:"dsn"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toSourceJSON(s *facteur.Source) sourceJSON {
	return sourceJSON{ID: s.ID, Name: s.Name, Kind: s.Kind, DSN: facteur.RedactDSN(s.DSN), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// sourceInput is the body of create and update. An empty DSN on update
// keeps the stored one, so that a client never needs to know the password.
type sourceInput struct {
	Name string `json:"name"`
	DSN  string `json:"dsn"`
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Sources(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]sourceJSON, len(list))
	for i, src := range list {
		out[i] = toSourceJSON(src)
	}
	s.json(w, http.StatusOK, out)
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	src, err := s.Store.Source(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, toSourceJSON(src))
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) {
	var in sourceInput
	if err := decode(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	src := &facteur.Source{Name: strings.TrimSpace(in.Name), DSN: strings.TrimSpace(in.DSN)}
	if err := s.checkSource(r, src); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Store.CreateSource(r.Context(), src); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusCreated, toSourceJSON(src))
}

func (s *Server) updateSource(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in sourceInput
	if err := decode(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	src, err := s.Store.Source(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	src.Name = strings.TrimSpace(in.Name)
	if dsn := strings.TrimSpace(in.DSN); dsn != "" {
		src.DSN = dsn
	}
	if err := s.checkSource(r, src); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Store.UpdateSource(r.Context(), src); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, toSourceJSON(src))
}

// checkSource validates a source's fields and that its DSN parses.
func (s *Server) checkSource(r *http.Request, src *facteur.Source) error {
	if src.Name == "" {
		return facteur.Errorf(facteur.EINVALID, "name: a source needs a name")
	}
	if src.DSN == "" {
		return facteur.Errorf(facteur.EINVALID, "dsn: give the database URL, e.g. postgres://user:password@host:5432/db")
	}
	kind, err := facteur.SourceKind(src.DSN)
	if err != nil {
		return err
	}
	src.Kind = kind
	q, err := s.OpenSource(r.Context(), src.DSN)
	if err != nil {
		return err
	}
	return q.Close()
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Store.DeleteSource(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testSource connects with the stored credentials and reports what happened.
func (s *Server) testSource(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	src, err := s.Store.Source(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, err := s.OpenSource(r.Context(), src.DSN)
	if err != nil {
		s.error(w, r, err)
		return
	}
	defer q.Close()
	start := time.Now()
	if err := q.Ping(r.Context()); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, map[string]any{"ok": true, "message": "Connected.", "duration_ms": time.Since(start).Milliseconds()})
}
