package http

import (
	"net/http"
	"net/url"
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
	OwnerID   int64     `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toSourceJSON(s *facteur.Source) sourceJSON {
	return sourceJSON{ID: s.ID, Name: s.Name, Kind: s.Kind, DSN: facteur.RedactDSN(s.DSN), OwnerID: s.OwnerID, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// sourceInput is the body of create and update. An empty DSN on update
// keeps the stored one, so that a client never needs to know the password.
type sourceInput struct {
	Name string `json:"name"`
	DSN  string `json:"dsn"`
}

func (s *Server) listSources(r *http.Request) (int, any, error) {
	list, err := s.Store.Sources(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := make([]sourceJSON, len(list))
	for i, src := range list {
		out[i] = toSourceJSON(src)
	}
	return http.StatusOK, out, nil
}

func (s *Server) getSource(r *http.Request) (int, any, error) {
	src, err := byID(r, s.Store.Source)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toSourceJSON(src), nil
}

func (s *Server) createSource(r *http.Request) (int, any, error) {
	var in sourceInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	src := &facteur.Source{Name: strings.TrimSpace(in.Name), DSN: strings.TrimSpace(in.DSN), OwnerID: user(r).ID}
	if err := s.checkSource(r, src); err != nil {
		return 0, nil, err
	}
	if err := s.Store.CreateSource(r.Context(), src); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, toSourceJSON(src), nil
}

func (s *Server) updateSource(r *http.Request) (int, any, error) {
	src, err := byID(r, s.Store.Source)
	if err != nil {
		return 0, nil, err
	}
	var in sourceInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	src.Name = strings.TrimSpace(in.Name)
	if dsn := strings.TrimSpace(in.DSN); dsn != "" {
		src.DSN = dsn
	}
	if err := s.checkSource(r, src); err != nil {
		return 0, nil, err
	}
	if err := s.Store.UpdateSource(r.Context(), src); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toSourceJSON(src), nil
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
	if u, err := url.Parse(src.DSN); err == nil && u.Host != "" && s.CheckURL != nil && kind != facteur.SourceSQLite {
		if err := s.CheckURL("https://" + u.Host); err != nil {
			return err
		}
	}
	q, err := s.OpenSource(r.Context(), src.DSN)
	if err != nil {
		return err
	}
	return q.Close()
}

func (s *Server) deleteSource(r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteSource(r.Context(), id)
}

// testSource connects with the stored credentials and reports what happened.
func (s *Server) testSource(r *http.Request) (int, any, error) {
	src, err := byID(r, s.Store.Source)
	if err != nil {
		return 0, nil, err
	}
	q, err := s.OpenSource(r.Context(), src.DSN)
	if err != nil {
		return 0, nil, err
	}
	defer q.Close()
	start := time.Now()
	if err := q.Ping(r.Context()); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"ok": true, "message": "Connected.", "duration_ms": time.Since(start).Milliseconds()}, nil
}
