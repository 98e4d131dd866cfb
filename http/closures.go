package http

import (
	"net/http"
	"strings"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/calendar"
	"github.com/facteur/facteur/http/apitypes"
)

// closureInput is the body of a closure list's create and update.
type closureInput struct {
	Name string                `json:"name"`
	Days []facteur.ClosureDays `json:"days"`
}

func (in closureInput) apply(l *facteur.ClosureList) {
	l.Name, l.Days = strings.TrimSpace(in.Name), in.Days
	for i := range l.Days {
		d := &l.Days[i]
		d.From, d.To, d.Label = strings.TrimSpace(d.From), strings.TrimSpace(d.To), strings.TrimSpace(d.Label)
		if d.To == d.From {
			d.To = ""
		}
	}
}

func (s *Server) listClosures(r *http.Request) (int, any, error) {
	lists, err := s.Store.ClosureLists(r.Context())
	return http.StatusOK, lists, err
}

// closureByID reads the closure list the path names.
func (s *Server) closureByID(r *http.Request) (*facteur.ClosureList, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.Store.ClosureList(r.Context(), id)
}

func (s *Server) getClosure(r *http.Request) (int, any, error) {
	l, err := s.closureByID(r)
	return http.StatusOK, l, err
}

func (s *Server) createClosure(r *http.Request) (int, any, error) {
	var in closureInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	l := &facteur.ClosureList{}
	in.apply(l)
	if err := s.Store.CreateClosureList(r.Context(), l); err != nil {
		return 0, nil, err
	}
	info(r).detail = l.Name
	return http.StatusCreated, l, nil
}

func (s *Server) updateClosure(r *http.Request) (int, any, error) {
	l, err := s.closureByID(r)
	if err != nil {
		return 0, nil, err
	}
	var in closureInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	in.apply(l)
	if err := s.Store.UpdateClosureList(r.Context(), l); err != nil {
		return 0, nil, err
	}
	info(r).detail = l.Name
	return http.StatusOK, l, nil
}

func (s *Server) deleteClosure(r *http.Request) (int, any, error) {
	l, err := s.closureByID(r)
	if err != nil {
		return 0, nil, err
	}
	if err := s.Store.DeleteClosureList(r.Context(), l.ID); err != nil {
		return 0, nil, err
	}
	info(r).detail = l.Name
	return http.StatusNoContent, nil, nil
}

// listRegions lists the regions a calendar may follow.
func (s *Server) listRegions(*http.Request) (int, any, error) {
	out := []apitypes.Region{}
	for _, g := range calendar.Regions() {
		out = append(out, apitypes.Region{Code: g.Code, Name: g.Name, Holidays: g.Holidays, Note: g.Note})
	}
	return http.StatusOK, out, nil
}
