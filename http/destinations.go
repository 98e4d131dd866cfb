package http

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/deliver"
	"github.com/facteur/facteur/http/apitypes"
	"github.com/facteur/facteur/pack"
)

func (s *Server) toDestinationJSON(d *facteur.Destination) (apitypes.Destination, error) {
	shown := *d
	config, set, err := s.kinds().Redact(d.Kind, d.Config)
	if err != nil {
		return apitypes.Destination{}, err
	}
	shown.Config = config
	if set == nil {
		set = []string{}
	}
	return apitypes.Destination{Destination: &shown, SecretsSet: set, PublicKey: s.kinds().PublicKey(d), Where: s.kinds().Where(d),
		EncryptionKeys: pack.Describe(d.Encryption, time.Now())}, nil
}

// destinationInput is the body of create and update. A secret left out or
// empty on update keeps the stored one.
type destinationInput struct {
	Name   string          `json:"name"`
	Kind   string          `json:"kind"`
	Config json.RawMessage `json:"config"`
	// RawCells delivers CSV/XLSX cells as they are (machine consumers).
	RawCells bool `json:"raw_cells"`
	// Encryption, when not nil, encrypts the files delivered here to the
	// partner's public keys (C2); nil delivers them in clear.
	Encryption *facteur.Encryption `json:"encryption"`
	// GenerateKey gives an SFTP destination a new Ed25519 key pair; the
	// answer's public_key is for the partner's authorized_keys.
	GenerateKey bool `json:"generate_key"`
}

// apply sets the destination's name, kind and config from the input,
// keeping stored secrets the input leaves empty and generating a key pair
// when asked.
func (in destinationInput) apply(kinds *deliver.Registry, d *facteur.Destination) error {
	config := in.Config
	if len(d.Config) > 0 && in.Kind == d.Kind {
		var err error
		if config, err = kinds.KeepSecrets(d.Kind, d.Config, in.Config); err != nil {
			return err
		}
	}
	d.Name, d.Kind, d.Config, d.RawCells, d.Encryption = strings.TrimSpace(in.Name), in.Kind, config, in.RawCells, in.Encryption
	if in.GenerateKey {
		config, _, err := kinds.WithNewKey(d)
		if err != nil {
			return err
		}
		d.Config = config
	}
	return nil
}

func (s *Server) listDestinations(r *http.Request) (int, any, error) {
	list, err := s.Store.Destinations(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := []apitypes.Destination{}
	for _, d := range list {
		if !auth.CanSee(s.kinds(), user(r), d.OwnerID, d.Kind) {
			continue
		}
		shown, err := s.toDestinationJSON(d)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, shown)
	}
	return http.StatusOK, out, nil
}

func (s *Server) getDestination(r *http.Request) (int, any, error) {
	d, err := visibleByID(r, s.visibleDestination)
	if err != nil {
		return 0, nil, err
	}
	return s.shownDestination(http.StatusOK, d)
}

func (s *Server) shownDestination(status int, d *facteur.Destination) (int, any, error) {
	out, err := s.toDestinationJSON(d)
	return status, out, err
}

func (s *Server) createDestination(r *http.Request) (int, any, error) {
	var in destinationInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	// A kind the role may not target is refused before its settings are
	// read: no point in correcting a form that will be refused anyway.
	if err := auth.CanTarget(s.kinds(), user(r), in.Kind); err != nil {
		return 0, nil, err
	}
	d := &facteur.Destination{OwnerID: user(r).ID}
	if err := in.apply(s.kinds(), d); err != nil {
		return 0, nil, err
	}
	if err := s.checkDestination(r, d); err != nil {
		return 0, nil, err
	}
	if err := s.Store.CreateDestination(r.Context(), d); err != nil {
		return 0, nil, err
	}
	return s.shownDestination(http.StatusCreated, d)
}

func (s *Server) updateDestination(r *http.Request) (int, any, error) {
	d, err := visibleByID(r, s.visibleDestination)
	if err != nil {
		return 0, nil, err
	}
	if err := auth.CanTarget(s.kinds(), user(r), d.Kind); err != nil {
		return 0, nil, err
	}
	var in destinationInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := in.apply(s.kinds(), d); err != nil {
		return 0, nil, err
	}
	if err := s.checkDestination(r, d); err != nil {
		return 0, nil, err
	}
	if err := s.Store.UpdateDestination(r.Context(), d); err != nil {
		return 0, nil, err
	}
	return s.shownDestination(http.StatusOK, d)
}

// checkDestination validates a destination's settings, that the account
// may target its kind and, for e-mail, its recipients, and checks a local
// folder exists. Remote destinations are not contacted on save (the partner
// may not have authorised the key yet): Send test, or the first run, checks
// their credentials.
func (s *Server) checkDestination(r *http.Request, d *facteur.Destination) error {
	ctx := r.Context()
	if err := facteur.CheckName("destination", d.Name); err != nil {
		return err
	}
	if len(d.Config) == 0 {
		return facteur.Errorf(facteur.EINVALID, "config: give the settings of the destination")
	}
	del, err := s.Deliverer(d)
	if err != nil {
		return err
	}
	if err := s.checkTarget(ctx, user(r), user(r), d); err != nil {
		return err
	}
	if _, err := pack.Check(d.Encryption, time.Now()); err != nil {
		return err
	}
	if k, err := s.kinds().Lookup(d.Kind); err == nil && d.Encryption != nil && k.BodyRows != nil && k.BodyRows(d.Config) > 0 {
		return facteur.Errorf(facteur.EINVALID, "encryption: a mail that shows the rows in its body would send them in clear beside the encrypted file; set body to attachment, or leave encryption out")
	}
	if s.CheckURL != nil {
		for _, u := range s.kinds().Endpoints(d) {
			if err := s.CheckURL(u); err != nil {
				return err
			}
		}
	}
	if v, ok := del.(deliver.Validator); ok {
		return v.Validate(ctx)
	}
	return nil
}

func (s *Server) deleteDestination(r *http.Request) (int, any, error) {
	d, err := visibleByID(r, s.visibleDestination)
	if err != nil {
		return 0, nil, err
	}
	if err := auth.CanTarget(s.kinds(), user(r), d.Kind); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteDestination(r.Context(), d.ID)
}

// testDestination validates the settings and delivers a small test file
// (F2), if the account may deliver there itself.
func (s *Server) testDestination(r *http.Request) (int, any, error) {
	d, err := visibleByID(r, s.visibleDestination)
	if err != nil {
		return 0, nil, err
	}
	p, err := s.policy(r)
	if err != nil {
		return 0, nil, err
	}
	if err := auth.CheckDelivery(s.kinds(), user(r), d, p); err != nil {
		return 0, nil, err
	}
	del, err := s.Deliverer(d)
	if err != nil {
		return 0, nil, err
	}
	start := time.Now()
	res, err := del.Test(deliver.WithRequester(r.Context(), user(r).Email))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, apitypes.DestinationTest{OK: true, Location: res.Location, DurationMS: time.Since(start).Milliseconds()}, nil
}
