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

// destinationJSON is a destination as the API shows it: its config without
// secrets, and the names of the secrets that are set.
type destinationJSON struct {
	*facteur.Destination
	SecretsSet []string `json:"secrets_set"`
}

func toDestinationJSON(d *facteur.Destination) (destinationJSON, error) {
	shown := *d
	config, set, err := deliver.Redact(d.Kind, d.Config)
	if err != nil {
		return destinationJSON{}, err
	}
	shown.Config = config
	if set == nil {
		set = []string{}
	}
	return destinationJSON{Destination: &shown, SecretsSet: set}, nil
}

// destinationInput is the body of create and update. A secret left out or
// empty on update keeps the stored one.
type destinationInput struct {
	Name   string          `json:"name"`
	Kind   string          `json:"kind"`
	Config json.RawMessage `json:"config"`
}

func (s *Server) listDestinations(r *http.Request) (int, any, error) {
	list, err := s.Store.Destinations(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := make([]destinationJSON, len(list))
	for i, d := range list {
		if out[i], err = toDestinationJSON(d); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, out, nil
}

// destination loads the destination of the URL's {id}.
func (s *Server) destination(r *http.Request) (*facteur.Destination, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.Store.Destination(r.Context(), id)
}

func (s *Server) getDestination(r *http.Request) (int, any, error) {
	d, err := s.destination(r)
	if err != nil {
		return 0, nil, err
	}
	return s.shownDestination(http.StatusOK, d)
}

func (s *Server) shownDestination(status int, d *facteur.Destination) (int, any, error) {
	out, err := toDestinationJSON(d)
	return status, out, err
}

func (s *Server) createDestination(r *http.Request) (int, any, error) {
	var in destinationInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	d := &facteur.Destination{Name: strings.TrimSpace(in.Name), Kind: in.Kind, Config: in.Config}
	if err := s.checkDestination(r.Context(), d); err != nil {
		return 0, nil, err
	}
	if err := s.Store.CreateDestination(r.Context(), d); err != nil {
		return 0, nil, err
	}
	return s.shownDestination(http.StatusCreated, d)
}

func (s *Server) updateDestination(r *http.Request) (int, any, error) {
	d, err := s.destination(r)
	if err != nil {
		return 0, nil, err
	}
	var in destinationInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	config := in.Config
	if in.Kind == d.Kind {
		if config, err = deliver.KeepSecrets(d.Kind, d.Config, in.Config); err != nil {
			return 0, nil, err
		}
	}
	d.Name, d.Kind, d.Config = strings.TrimSpace(in.Name), in.Kind, config
	if err := s.checkDestination(r.Context(), d); err != nil {
		return 0, nil, err
	}
	if err := s.Store.UpdateDestination(r.Context(), d); err != nil {
		return 0, nil, err
	}
	return s.shownDestination(http.StatusOK, d)
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

func (s *Server) deleteDestination(r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteDestination(r.Context(), id)
}

// testDestination validates the settings and delivers a small test file (F2).
func (s *Server) testDestination(r *http.Request) (int, any, error) {
	d, err := s.destination(r)
	if err != nil {
		return 0, nil, err
	}
	del, err := s.Deliverer(d)
	if err != nil {
		return 0, nil, err
	}
	start := time.Now()
	res, err := del.Test(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"ok": true, "location": res.Location, "duration_ms": time.Since(start).Milliseconds()}, nil
}
