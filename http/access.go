package http

import (
	"context"
	"net/http"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
)

// Object-level rules on top of the routes' roles: SFTP, S3 and webhook
// destinations, their schedules and runs are visible only to their owner
// and administrators (answering "not found" to anyone else); a role may
// target only the destination kinds it is allowed; e-mail goes only to the
// owner or approved domains; exporting actions need an account that may
// export under the policy.

// visibleDestination loads the destination {id} names, if r's account may
// see it.
func (s *Server) visibleDestination(r *http.Request, id int64) (*facteur.Destination, error) {
	d, err := s.Store.Destination(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !auth.CanSee(user(r), d.OwnerID, d.Kind) {
		return nil, deny("destination", id)
	}
	return d, nil
}

// visibleSchedule loads a schedule if r's account may see it.
func (s *Server) visibleSchedule(r *http.Request, id int64) (*facteur.Schedule, error) {
	sc, err := s.Store.Schedule(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !s.canSeeDelivery(r, sc.OwnerID, sc.DestinationID) {
		return nil, deny("schedule", id)
	}
	return sc, nil
}

// visibleRun loads a run if r's account may see it.
func (s *Server) visibleRun(r *http.Request, id int64) (*facteur.Run, error) {
	run, err := s.Store.Run(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !s.canSeeDelivery(r, run.OwnerID, run.DestinationID) {
		return nil, deny("run", id)
	}
	return run, nil
}

// canSeeDelivery reports whether r's account may see a schedule or run of
// ownerID to destination destID. One to a deleted destination is visible
// only to its owner and administrators.
func (s *Server) canSeeDelivery(r *http.Request, ownerID, destID int64) bool {
	u := user(r)
	if u.Role == facteur.RoleAdmin || ownerID == u.ID {
		return true
	}
	d, err := s.Store.Destination(r.Context(), destID)
	return err == nil && auth.CanSee(u, ownerID, d.Kind)
}

// visibleByID loads the object {id} names with one of the visible* loaders.
func visibleByID[T any](r *http.Request, get func(*http.Request, int64) (T, error)) (T, error) {
	id, err := pathID(r)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(r, id)
}

// canExport refuses r's account when it may not export now (deactivated,
// a viewer, export switched off, an unapproved account domain).
func (s *Server) canExport(r *http.Request) error {
	p, err := s.policy(r)
	if err != nil {
		return err
	}
	return p.CheckExporter(user(r))
}

// checkTarget refuses a destination r's account may not create or
// schedule to, or an e-mail destination sending to someone other than
// owner or the approved domains.
func (s *Server) checkTarget(ctx context.Context, actor, owner *facteur.User, d *facteur.Destination) error {
	p, err := auth.LoadPolicy(ctx, s.Store)
	if err != nil {
		return err
	}
	return auth.CheckTarget(actor, owner, d, p)
}
