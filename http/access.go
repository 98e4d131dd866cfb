package http

import (
	"context"
	"fmt"
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
	if !auth.CanSee(s.kinds(), user(r), d.OwnerID, d.Kind) {
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
	return err == nil && auth.CanSee(s.kinds(), u, ownerID, d.Kind)
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
	return auth.CheckTarget(s.kinds(), actor, owner, d, p)
}

// A schedule runs with its owner's rights (G4), so only its owner and
// administrators may change it, delete it, run it now, or retry, ignore,
// cancel and download its runs: anyone else would borrow the owner's
// rights. Others who may see it see it read-only. Reports follow the same
// rule, since every schedule that uses a report sends what it selects.

// ownedSchedule loads the schedule {id} names for a change by r's account,
// which must see it and own it or be an administrator.
func (s *Server) ownedSchedule(r *http.Request, id int64) (*facteur.Schedule, error) {
	sc, err := s.visibleSchedule(r, id)
	if err != nil {
		return nil, err
	}
	return sc, s.checkOwner(r, sc.OwnerID, "schedule", "change it")
}

// ownedRun loads the run {id} names for an action of r's account, which
// must see it and own its schedule (its current owner, or the run's when
// the schedule is gone) or be an administrator.
func (s *Server) ownedRun(r *http.Request, id int64) (*facteur.Run, error) {
	run, err := s.visibleRun(r, id)
	if err != nil {
		return nil, err
	}
	owner, err := s.runOwner(r.Context(), run)
	if err != nil {
		return nil, err
	}
	what := "schedule"
	if run.Trigger == facteur.TriggerExport {
		what = "one-off export"
	}
	return run, s.checkOwner(r, owner, what, "retry, ignore, cancel or download its runs")
}

// runOwner returns the account a run acts for: its schedule's owner now,
// or the run's own owner for a one-off export or a deleted schedule.
func (s *Server) runOwner(ctx context.Context, run *facteur.Run) (int64, error) {
	if run.ScheduleID == 0 {
		return run.OwnerID, nil
	}
	sc, err := s.Store.Schedule(ctx, run.ScheduleID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND {
		return run.OwnerID, nil
	} else if err != nil {
		return 0, err
	}
	return sc.OwnerID, nil
}

// ownedReport loads the report {id} names for a change by r's account,
// which must own it or be an administrator.
func (s *Server) ownedReport(r *http.Request, id int64) (*facteur.Report, error) {
	rep, err := s.Store.Report(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := s.checkOwner(r, rep.OwnerID, "report", "change it; duplicate it to have a copy of your own"); err != nil {
		return nil, err
	}
	return rep, nil
}

// checkOwner refuses r's account unless it is ownerID or an
// administrator, with a message that names the owner.
func (s *Server) checkOwner(r *http.Request, ownerID int64, what, action string) error {
	u := user(r)
	if u.Role == facteur.RoleAdmin || (ownerID != 0 && ownerID == u.ID) {
		return nil
	}
	owner := "no account"
	if ownerID != 0 {
		owner = fmt.Sprintf("account %d", ownerID)
		if o, err := s.Store.User(r.Context(), ownerID); err == nil {
			owner = o.Email
		} else if facteur.ErrorCode(err) != facteur.ENOTFOUND {
			return err
		}
	}
	return facteur.Errorf(facteur.EFORBIDDEN, "This %s belongs to %s; only its owner or an administrator can %s.", what, owner, action)
}
