package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/deliver"
)

type destinationInput struct {
	Name   string          `json:"name"`
	Kind   string          `json:"kind"`
	Config json.RawMessage `json:"config"`
}

func (s *Server) listDestinations(w http.ResponseWriter, r *http.Request) {
	list, err := s.Store.Destinations(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, list)
}

func (s *Server) getDestination(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	d, err := s.Store.Destination(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, d)
}

func (s *Server) createDestination(w http.ResponseWriter, r *http.Request) {
	var in destinationInput
	if err := decode(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	d := &facteur.Destination{Name: strings.TrimSpace(in.Name), Kind: in.Kind, Config: in.Config}
	if err := s.checkDestination(r.Context(), d); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Store.CreateDestination(r.Context(), d); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusCreated, d)
}

func (s *Server) updateDestination(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var in destinationInput
	if err := decode(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	d, err := s.Store.Destination(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	d.Name, d.Kind, d.Config = strings.TrimSpace(in.Name), in.Kind, in.Config
	if err := s.checkDestination(r.Context(), d); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Store.UpdateDestination(r.Context(), d); err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, d)
}

// checkDestination validates a destination's settings, and checks them
// against the destination itself where that is cheap (e.g. a folder exists).
func (s *Server) checkDestination(ctx context.Context, d *facteur.Destination) error {
	if d.Name == "" {
		return facteur.Errorf(facteur.EINVALID, "name: a destination needs a name")
	}
	if len(d.Config) == 0 {
		return facteur.Errorf(facteur.EINVALID, "config: give the settings of the destination")
	}
	del, err := s.Deliverer(d)
	if err != nil {
		return err
	}
	if c, ok := del.(deliver.Checker); ok {
		return c.Check(ctx)
	}
	return nil
}

func (s *Server) deleteDestination(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.Store.DeleteDestination(r.Context(), id); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// testDestination validates the settings and delivers a small test file (F2).
func (s *Server) testDestination(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	d, err := s.Store.Destination(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	del, err := s.Deliverer(d)
	if err != nil {
		s.error(w, r, err)
		return
	}
	start := time.Now()
	res, err := del.Test(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.json(w, http.StatusOK, map[string]any{"ok": true, "location": res.Location, "duration_ms": time.Since(start).Milliseconds()})
}
