package http

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/http/apitypes"
)

func toSourceJSON(s *facteur.Source) apitypes.Source {
	return apitypes.Source{ID: s.ID, Name: s.Name, Kind: s.Kind, DSN: facteur.RedactDSN(s.DSN), OwnerID: s.OwnerID,
		AcceptExtraRights: s.AcceptExtraRights, Rights: s.Rights, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// sourceInput is the body of create and update. An empty DSN on update
// keeps the stored one, so that a client never needs to know the password.
// AcceptExtraRights omitted on update keeps the stored acceptance, unless
// the DSN changes: another account must be accepted again.
type sourceInput struct {
	Name              string `json:"name"`
	DSN               string `json:"dsn"`
	AcceptExtraRights *bool  `json:"accept_extra_rights"`
}

func (s *Server) listSources(r *http.Request) (int, any, error) {
	list, err := s.Store.Sources(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := make([]apitypes.Source, len(list))
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
	src := &facteur.Source{Name: strings.TrimSpace(in.Name), DSN: strings.TrimSpace(in.DSN), OwnerID: user(r).ID,
		AcceptExtraRights: in.AcceptExtraRights != nil && *in.AcceptExtraRights}
	if err := s.checkSource(r, src); err != nil {
		return 0, nil, err
	}
	err := s.saveSource(r, &facteur.Source{}, src, func(ctx context.Context, tx facteur.Store) error { return tx.CreateSource(ctx, src) })
	if err != nil {
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
	before := *src
	src.Name = strings.TrimSpace(in.Name)
	if dsn := strings.TrimSpace(in.DSN); dsn != "" {
		src.DSN = dsn
	}
	switch {
	case in.AcceptExtraRights != nil:
		src.AcceptExtraRights = *in.AcceptExtraRights
	case src.DSN != before.DSN:
		src.AcceptExtraRights = false
	}
	if err := s.checkSource(r, src); err != nil {
		return 0, nil, err
	}
	err = s.saveSource(r, &before, src, func(ctx context.Context, tx facteur.Store) error { return tx.UpdateSource(ctx, src) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toSourceJSON(src), nil
}

// saveSource runs save in a transaction with, when the administrator
// accepts extra rights that were not accepted before (a new acceptance,
// or rights that changed), the source.accept_extra_rights audit entry
// listing them.
func (s *Server) saveSource(r *http.Request, before, src *facteur.Source, save func(context.Context, facteur.Store) error) error {
	accepts := src.AcceptExtraRights && len(src.Rights.Extra) > 0 &&
		(!before.AcceptExtraRights || !slices.Equal(before.Rights.Extra, src.Rights.Extra))
	return s.Store.InTx(r.Context(), func(tx facteur.Store, _ any) error {
		if err := save(r.Context(), tx); err != nil || !accepts {
			return err
		}
		u := user(r)
		return tx.AppendAudit(r.Context(), &facteur.AuditEntry{Action: "source.accept_extra_rights", Address: clientAddress(r),
			ActorID: u.ID, Actor: u.Email, Object: "source", ObjectID: src.ID, At: s.Now(),
			Detail: src.Name + ": " + strings.Join(src.Rights.Extra, "; ")})
	})
}

// checkSource validates a source's fields and that its DSN parses, then
// inspects what its account may do (see inspectRights) and refuses extra
// rights an administrator did not accept.
func (s *Server) checkSource(r *http.Request, src *facteur.Source) error {
	if err := facteur.CheckName("source", src.Name); err != nil {
		return err
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
	defer q.Close()
	rights, err := s.inspectRights(r.Context(), q)
	switch facteur.ErrorCode(err) {
	case "":
	case facteur.EUNAVAILABLE, facteur.EUNAUTHORIZED:
		// Saved as before, unchecked: the next Test inspects it.
		rights = facteur.SourceRights{Unchecked: facteur.ErrorMessage(err)}
	default:
		return err
	}
	src.Rights = rights
	if !rights.CheckedAt.IsZero() && len(rights.Extra) == 0 {
		src.AcceptExtraRights = false // nothing to accept; a later grant must be accepted anew
	}
	return refuseExtraRights(src)
}

// inspectRights returns what q's account may do, stamped with the time:
// it connects through the same guard as queries, and fails as Ping does.
// A querier that cannot inspect (none of package source's) is only pinged.
func (s *Server) inspectRights(ctx context.Context, q facteur.Querier) (facteur.SourceRights, error) {
	rc, ok := q.(facteur.RightsChecker)
	if !ok {
		return facteur.SourceRights{}, q.Ping(ctx)
	}
	rights, err := rc.CheckRights(ctx)
	if err != nil {
		return facteur.SourceRights{}, err
	}
	rights.CheckedAt = s.Now().UTC()
	return rights, nil
}

// readOnlyRecipe points at the README's SQL for a read-only account.
const readOnlyRecipe = "the README's \"Sources\" section gives the SQL to create a read-only account"

// refuseExtraRights fails with EINVALID, listing them, when src's account
// holds rights beyond reading that no administrator accepted.
func refuseExtraRights(src *facteur.Source) error {
	if len(src.Rights.Extra) == 0 || src.AcceptExtraRights {
		return nil
	}
	return facteur.Errorf(facteur.EINVALID, "dsn: this account can do more than read, and report authors could use it: %s. "+
		"Give Facteur an account that can only read (%s), or, as an administrator, accept these rights (accept_extra_rights)",
		strings.Join(src.Rights.Extra, "; "), readOnlyRecipe)
}

func (s *Server) deleteSource(r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Store.DeleteSource(r.Context(), id)
}

// testSource connects with the stored credentials, inspects what the
// account may do, keeps the findings with the source and reports what
// happened: extra rights no administrator accepted fail the test.
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
	rights, err := s.inspectRights(r.Context(), q)
	if err != nil {
		return 0, nil, err
	}
	elapsed := time.Since(start)
	if !rights.CheckedAt.IsZero() {
		if err := s.Store.SetSourceRights(r.Context(), src.ID, rights); err != nil {
			return 0, nil, err
		}
		src.Rights = rights
	}
	if err := refuseExtraRights(src); err != nil {
		return 0, nil, err
	}
	msg := "Connected."
	if len(src.Rights.Extra) > 0 {
		msg = "Connected. This account can do more than read, which an administrator accepted: " + strings.Join(src.Rights.Extra, "; ") + "."
	}
	return http.StatusOK, apitypes.SourceTest{OK: true, Message: msg, DurationMS: elapsed.Milliseconds(), Rights: src.Rights}, nil
}
