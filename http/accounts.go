package http

import (
	"context"
	"encoding/csv"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/auth"
	"github.com/facteur/facteur/format"
	"github.com/facteur/facteur/http/apitypes"
)

// loginInput is the body of POST /api/v1/login.
type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login checks an e-mail address and password and opens a session. After
// auth.LoginFailures failures for one address within auth.LoginWindow, it
// refuses every attempt from the clients that failed for it (or, after
// auth.LoginClientFailures, every attempt of one client) until the window
// has passed, even with the right password, and says when to try again.
// The failures are the audit log's, which every node shares.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	// A JSON body cannot come from another site's form without the
	// browser asking first (CORS), so no other site can log a browser in.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.error(w, r, facteur.Errorf(facteur.EINVALID, "Content-Type: send the login as application/json"))
		return
	}
	var in loginInput
	if err := decode(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if len(email) > 254 { // no address is longer; keeps the limiter and the audit log small
		email = email[:254]
	}
	addr := clientAddress(r)
	if wait, blocked, err := s.loginBlocked(r.Context(), email, addr); err != nil {
		s.error(w, r, err)
		return
	} else if blocked {
		s.audit(r, nil, "login.blocked", email)
		if s.LoginFailed != nil {
			s.LoginFailed(true)
		}
		secs := int(wait.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		at := s.Now().Add(time.Duration(secs) * time.Second).UTC().Format("15:04 MST")
		s.error(w, r, facteur.Errorf(facteur.ETOOMANY, "Too many failed logins from here; try again in %d minutes (at %s).", (secs+59)/60, at))
		return
	}
	u, err := s.Store.UserByEmail(r.Context(), email)
	if err != nil && facteur.ErrorCode(err) != facteur.ENOTFOUND {
		s.error(w, r, err)
		return
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	if !auth.CheckPassword(hash, in.Password) || !u.Active {
		req := &request{}
		if u != nil {
			req.user = u
		}
		// The login limit counts these entries: one that cannot be
		// written fails the request rather than go uncounted.
		if err := s.appendAudit(r, req, "login.failed", email); err != nil {
			s.error(w, r, err)
			return
		}
		if s.LoginFailed != nil {
			s.LoginFailed(false)
		}
		s.error(w, r, facteur.Errorf(facteur.EUNAUTHENTICATED, "wrong e-mail address or password, or the account is deactivated"))
		return
	}
	secret := auth.NewSecret(32)
	now := s.Now()
	sess := &facteur.Session{Hash: auth.Hash(secret), UserID: u.ID, CSRF: auth.NewSecret(32), Address: addr, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL())}
	u.LastLoginAt = &now
	// The session, the last login and the entry (which ends the address's
	// run of failures) commit together.
	if err := s.inTx(r, func(r *http.Request) error {
		if err := s.Store.CreateSession(r.Context(), sess); err != nil {
			return err
		}
		if err := s.Store.TouchLogin(r.Context(), u.ID, now); err != nil {
			return err
		}
		return s.appendAudit(r, &request{user: u}, "login", email)
	}); err != nil {
		s.error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
	})
	s.json(w, http.StatusOK, apitypes.Session{User: u, CSRFToken: sess.CSRF})
}

// loginBlocked reads the failed logins of the audit log: those for email
// since its last successful login and those from addr, within
// auth.LoginWindow. The lock of email holds only for a client with a
// failure for it in that time (see auth.LoginFailures).
func (s *Server) loginBlocked(ctx context.Context, email, addr string) (time.Duration, bool, error) {
	now := s.Now()
	since := now.Add(-auth.LoginWindow)
	last, err := s.Store.Audit(ctx, facteur.AuditFilter{Action: "login", Detail: email, Since: since, Limit: 1})
	if err != nil {
		return 0, false, err
	}
	if len(last) > 0 {
		since = last[0].At.Add(time.Microsecond)
	}
	mine, err := s.Store.Audit(ctx, facteur.AuditFilter{Action: "login.failed", Detail: email, Address: addr, Since: since, Limit: 1})
	if err != nil {
		return 0, false, err
	}
	type limit struct {
		f   facteur.AuditFilter
		max int
	}
	keys := []limit{{facteur.AuditFilter{Action: "login.failed", Address: addr, Since: now.Add(-auth.LoginWindow), Limit: auth.LoginClientFailures}, auth.LoginClientFailures}}
	if len(mine) > 0 {
		keys = append(keys, limit{facteur.AuditFilter{Action: "login.failed", Detail: email, Since: since, Limit: auth.LoginFailures}, auth.LoginFailures})
	}
	for _, k := range keys {
		fails, err := s.Store.Audit(ctx, k.f)
		if err != nil {
			return 0, false, err
		}
		times := make([]time.Time, len(fails))
		for i, e := range fails {
			times[i] = e.At
		}
		if wait, blocked := auth.LoginBlocked(times, k.max, auth.LoginWindow, now); blocked {
			return wait, true, nil
		}
	}
	return 0, false, nil
}

func (s *Server) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return DefaultSessionTTL
}

// secureCookies: cookies are sent only over HTTPS when Facteur is reached
// through HTTPS: served with TLS, or a public URL whose scheme (in any
// case) is https.
func (s *Server) secureCookies(r *http.Request) bool {
	u, err := url.Parse(s.PublicURL)
	return r.TLS != nil || (err == nil && u.Scheme == "https")
}

// logout ends the session of the request (a token request has none).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if sess := info(r).session; sess != nil {
		if err := s.Store.DeleteSession(r.Context(), sess.Hash); err != nil {
			s.error(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(r *http.Request) (int, any, error) {
	out := apitypes.Session{User: user(r)}
	if sess := info(r).session; sess != nil {
		out.CSRFToken = sess.CSRF
	}
	return http.StatusOK, out, nil
}

// passwordInput is the body of PUT /api/v1/me/password.
type passwordInput struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// changePassword sets the account's own password and ends all its
// sessions: the browser logs in again.
func (s *Server) changePassword(r *http.Request) (int, any, error) {
	var in passwordInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	u := user(r)
	if !auth.CheckPassword(u.PasswordHash, in.Current) {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "current_password: this is not your current password")
	}
	hash, err := auth.HashPassword(in.New)
	if err != nil {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "new_%s", facteur.ErrorMessage(err))
	}
	u.PasswordHash = hash
	if err := s.Store.UpdateUser(r.Context(), u); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteSessions(r.Context(), u.ID)
}

// tokenInput is the body of POST /api/v1/tokens.
type tokenInput struct {
	Name string `json:"name"`
	// ExpiresInDays, when set, makes the token stop working after that
	// many days.
	ExpiresInDays int `json:"expires_in_days"`
}

func (s *Server) listTokens(r *http.Request) (int, any, error) {
	list, err := s.Store.Tokens(r.Context(), user(r).ID)
	if list == nil {
		list = []*facteur.Token{}
	}
	return http.StatusOK, list, err
}

func (s *Server) createToken(r *http.Request) (int, any, error) {
	var in tokenInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "name: say what the token is for, e.g. \"nightly script\"")
	}
	if err := facteur.CheckName("token", in.Name); err != nil {
		return 0, nil, err
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 3650 {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "expires_in_days: use 1 to 3650, or leave it out for a token that does not expire")
	}
	var exp *time.Time
	if in.ExpiresInDays > 0 {
		t := s.Now().Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour)
		exp = &t
	}
	t, secret := auth.IssueToken(user(r).ID, in.Name, exp)
	if err := s.Store.CreateToken(r.Context(), t); err != nil {
		return 0, nil, err
	}
	info(r).objectID, info(r).detail = t.ID, t.Name
	return http.StatusCreated, apitypes.NewToken{Token: t, Secret: secret}, nil
}

func (s *Server) deleteToken(r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteToken(r.Context(), user(r).ID, id)
}

// userInput is the body of creating and changing an account. Fields left
// out of an update keep their value.
type userInput struct {
	Email    *string       `json:"email"`
	Name     *string       `json:"name"`
	Role     *facteur.Role `json:"role"`
	Active   *bool         `json:"active"`
	Password *string       `json:"password"`
}

func (in userInput) apply(u *facteur.User) error {
	if in.Email != nil {
		e, err := facteur.NormalizeEmail(*in.Email)
		if err != nil {
			return err
		}
		u.Email = e
	}
	if in.Name != nil {
		u.Name = strings.TrimSpace(*in.Name)
		if err := facteur.CheckPersonName(u.Name); err != nil {
			return err
		}
	}
	if in.Role != nil {
		if !in.Role.Valid() {
			return facteur.Errorf(facteur.EINVALID, "role: use viewer, editor, file_scheduler or admin")
		}
		u.Role = *in.Role
	}
	if in.Active != nil {
		u.Active = *in.Active
	}
	if in.Password != nil {
		hash, err := auth.HashPassword(*in.Password)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
	}
	return nil
}

func (s *Server) listUsers(r *http.Request) (int, any, error) {
	list, err := s.Store.Users(r.Context())
	return http.StatusOK, list, err
}

func (s *Server) getUser(r *http.Request) (int, any, error) {
	u, err := byID(r, s.Store.User)
	return http.StatusOK, u, err
}

func (s *Server) createUser(r *http.Request) (int, any, error) {
	var in userInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Email == nil || in.Role == nil {
		return 0, nil, facteur.Errorf(facteur.EINVALID, "email and role: a new account needs both")
	}
	u := &facteur.User{Active: true}
	if err := in.apply(u); err != nil {
		return 0, nil, err
	}
	if err := s.Store.CreateUser(r.Context(), u); err != nil {
		return 0, nil, err
	}
	info(r).objectID, info(r).detail = u.ID, u.Email+" "+string(u.Role)
	return http.StatusCreated, u, nil
}

// updateUser changes an account. Deactivating an account or changing its
// password ends its sessions; the last active administrator cannot be
// deactivated or lose the role.
func (s *Server) updateUser(r *http.Request) (int, any, error) {
	u, err := byID(r, s.Store.User)
	if err != nil {
		return 0, nil, err
	}
	var in userInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	wasAdmin := u.Active && u.Role == facteur.RoleAdmin
	if err := in.apply(u); err != nil {
		return 0, nil, err
	}
	if wasAdmin && (!u.Active || u.Role != facteur.RoleAdmin) {
		if err := s.keepAnAdmin(r, u.ID); err != nil {
			return 0, nil, err
		}
	}
	if err := s.Store.UpdateUser(r.Context(), u); err != nil {
		return 0, nil, err
	}
	var changed []string
	for name, set := range map[string]bool{"email": in.Email != nil, "name": in.Name != nil, "role": in.Role != nil, "active": in.Active != nil, "password": in.Password != nil} {
		if set {
			changed = append(changed, name)
		}
	}
	slices.Sort(changed)
	info(r).detail = "changed " + strings.Join(changed, ", ")
	if !u.Active || in.Password != nil {
		if err := s.Store.DeleteSessions(r.Context(), u.ID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, u, nil
}

// keepAnAdmin refuses to leave the server without an active administrator.
func (s *Server) keepAnAdmin(r *http.Request, losing int64) error {
	users, err := s.Store.Users(r.Context())
	if err != nil {
		return err
	}
	for _, o := range users {
		if o.ID != losing && o.Active && o.Role == facteur.RoleAdmin {
			return nil
		}
	}
	return facteur.Errorf(facteur.ECONFLICT, "this is the last active administrator; make another account an administrator first")
}

// listAudit shows the audit log, newest first. Query parameters: since and
// until (RFC 3339), actor_id, action (exact, or a prefix ending with "."),
// detail and address (exact),
// limit (default 100, at most 10000), before (an entry id, for the next
// page) and format=csv to download it as a CSV file.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := facteur.AuditFilter{Action: q.Get("action"), Detail: q.Get("detail"), Address: q.Get("address")}
	var err error
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.Parse(time.RFC3339, v); err != nil {
				s.error(w, r, facteur.Errorf(facteur.EINVALID, "%s: %q is not an RFC 3339 time such as 2026-11-21T08:00:00Z", name, v))
				return
			}
		}
	}
	for name, dst := range map[string]*int64{"actor_id": &f.ActorID, "before": &f.BeforeID} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil || *dst < 0 {
				s.error(w, r, facteur.Errorf(facteur.EINVALID, "%s: %q is not an id", name, v))
				return
			}
		}
	}
	if f.Limit, err = countParam(r, "limit", 100, 10000); err != nil {
		s.error(w, r, err)
		return
	}
	list, err := s.Store.Audit(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if list == nil {
		list = []*facteur.AuditEntry{}
	}
	if q.Get("format") != "csv" {
		s.json(w, http.StatusOK, list)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="facteur-audit.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "at", "actor_id", "actor", "action", "object", "object_id", "address", "detail"})
	for _, e := range list {
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339), strconv.FormatInt(e.ActorID, 10),
			format.NeutralizeText(e.Actor), e.Action, e.Object, strconv.FormatInt(e.ObjectID, 10), e.Address, format.NeutralizeText(e.Detail)})
	}
	cw.Flush()
}
