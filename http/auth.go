package http

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
)

// Authentication: a browser logs in and gets a session cookie (HttpOnly,
// SameSite=Lax, Secure behind HTTPS) plus a CSRF token that every request
// changing something must send back in the X-CSRF-Token header; scripts
// and the CLI send a personal API token in "Authorization: Bearer fct_…".

// Cookie and header names.
const (
	SessionCookie = "facteur_session"
	CSRFHeader    = "X-CSRF-Token"
)

// DefaultSessionTTL is how long a login lasts.
const DefaultSessionTTL = 12 * time.Hour

// request is what the authentication learnt about a request, and what the
// handler tells the audit log about the object it acted on.
type request struct {
	user    *facteur.User
	session *facteur.Session // nil for a token
	// objectID and detail go to the audit entry of the action.
	objectID int64
	detail   string
	// denied is the message of a refusal decided by the handler (403).
	denied string
}

type requestKey struct{}

// info returns the request's authentication, or an empty one.
func info(r *http.Request) *request {
	if v, ok := r.Context().Value(requestKey{}).(*request); ok {
		return v
	}
	return &request{}
}

// user returns the account making the request. Only routes that need no
// account see nil.
func user(r *http.Request) *facteur.User { return info(r).user }

// clientAddress is the client's IP address, for the audit log and the
// login limit. Facteur does not trust X-Forwarded-For: a proxy in front
// of it is the client it sees.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authenticate finds the account of a request from its API token or its
// session cookie. It fails with EUNAUTHENTICATED when there is neither, or
// they are not valid (expired, revoked, or the account was deactivated).
func (s *Server) authenticate(r *http.Request) (*request, error) {
	ctx := r.Context()
	var userID int64
	req := &request{}
	if h := r.Header.Get("Authorization"); h != "" {
		bearer, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !auth.IsToken(strings.TrimSpace(bearer)) {
			return nil, facteur.Errorf(facteur.EUNAUTHENTICATED, "Authorization: send a personal API token as \"Bearer fct_…\"")
		}
		t, err := s.Store.TokenByHash(ctx, auth.Hash(strings.TrimSpace(bearer)))
		if facteur.ErrorCode(err) == facteur.ENOTFOUND {
			return nil, facteur.Errorf(facteur.EUNAUTHENTICATED, "this API token is not valid (it may have been deleted); create a new one")
		} else if err != nil {
			return nil, err
		}
		now := s.Now()
		if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
			return nil, facteur.Errorf(facteur.EUNAUTHENTICATED, "this API token expired on %s; create a new one", t.ExpiresAt.UTC().Format(time.DateOnly))
		}
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
			if err := s.Store.TouchToken(ctx, t.ID, now); err != nil {
				s.Logger.Warn("record token use", "token", t.ID, "err", err)
			}
		}
		userID = t.UserID
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		sess, err := s.Store.Session(ctx, auth.Hash(c.Value))
		if facteur.ErrorCode(err) == facteur.ENOTFOUND {
			return nil, facteur.Errorf(facteur.EUNAUTHENTICATED, "your session has ended; log in again")
		} else if err != nil {
			return nil, err
		}
		req.session, userID = sess, sess.UserID
	} else {
		return nil, facteur.Errorf(facteur.EUNAUTHENTICATED, "log in, or send a personal API token in the Authorization header")
	}
	u, err := s.Store.User(ctx, userID)
	if facteur.ErrorCode(err) == facteur.ENOTFOUND || (err == nil && !u.Active) {
		return nil, facteur.Errorf(facteur.EUNAUTHENTICATED, "this account is deactivated")
	} else if err != nil {
		return nil, err
	}
	req.user = u
	return req, nil
}

// checkCSRF refuses a browser's request that changes something without
// the session's CSRF token. Token requests carry no cookie and need none.
func checkCSRF(r *http.Request, req *request) error {
	if req.session == nil {
		return nil
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(req.session.CSRF)) != 1 {
		return facteur.Errorf(facteur.EFORBIDDEN, "%s: send the CSRF token your login returned with every request that changes something", CSRFHeader)
	}
	return nil
}

// guard wraps a route's handler: it authenticates the request, checks
// CSRF and the route's role, and writes the audit entry of the action.
func (s *Server) guard(rt Route, h http.HandlerFunc) http.HandlerFunc {
	if rt.Need == "" {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := s.authenticate(r)
		if err == nil {
			err = checkCSRF(r, req)
		}
		if err == nil && !req.user.Role.AtLeast(rt.Need) {
			err = facteur.Errorf(facteur.EFORBIDDEN, "%s %s needs the %s role; %s is %s", r.Method, rt.Path, rt.Need, req.user.Email, req.user.Role.Noun())
		}
		if err != nil {
			switch facteur.ErrorCode(err) {
			case facteur.EFORBIDDEN:
				s.audit(r, req, "access.denied", rt.Method+" "+r.URL.Path)
			case facteur.EUNAUTHENTICATED:
				w.Header().Set("WWW-Authenticate", `Bearer realm="facteur"`)
			}
			s.error(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), requestKey{}, req))
		status, done := 0, false
		if rt.Audit != "" {
			status, done = s.recorded(w, r, req, rt, h)
		}
		if !done {
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			h(sw, r)
			if status = sw.status; rt.Audit != "" && status < 400 {
				crashPoint(rt.Audit)
				s.audit(r, req, rt.Audit, req.detail)
			}
		}
		if status == http.StatusForbidden {
			// A refusal of the handler's own (a destination kind the role
			// may not target, exports switched off…) is audited too.
			s.audit(r, req, "access.denied", rt.Method+" "+r.URL.Path+": "+req.denied)
		}
	}
}

// audit records an action of the request's account in the audit log; an
// entry that cannot be written is logged.
func (s *Server) audit(r *http.Request, req *request, action, detail string) {
	if err := s.appendAudit(r, req, action, detail); err != nil {
		s.Logger.Error("audit log", "action", action, "err", err)
	}
}

// appendAudit records an action of the request's account in the audit log.
func (s *Server) appendAudit(r *http.Request, req *request, action, detail string) error {
	e := &facteur.AuditEntry{Action: action, Address: clientAddress(r), Detail: detail, At: s.Now()}
	if req != nil && req.user != nil {
		e.ActorID, e.Actor = req.user.ID, req.user.Email
	}
	if req != nil {
		e.ObjectID = req.objectID
	}
	if obj, _, ok := strings.Cut(action, "."); ok && obj != "access" && obj != "login" {
		e.Object = obj
	}
	if e.ObjectID == 0 {
		e.ObjectID, _ = facteur.ParseID(r.PathValue("id"))
	}
	return s.Store.AppendAudit(context.WithoutCancel(r.Context()), e)
}

// deny is the error of an object the account may not see: it answers as
// if the object did not exist.
func deny(what string, id int64) error {
	return facteur.Errorf(facteur.ENOTFOUND, "%s %d not found", what, id)
}
