package store

import (
	"context"
	"fmt"
	"time"

	"github.com/facteur/facteur"
)

// CreateSession records a browser login; a zero CreatedAt is now. It also
// removes the account's expired sessions, so that they do not pile up. It
// fails with EINVALID when the hash, the account or the end is missing, or
// the account does not exist.
func (s *store) CreateSession(ctx context.Context, sess *facteur.Session) error {
	switch {
	case len(sess.Hash) == 0:
		return facteur.Errorf(facteur.EINVALID, "hash: a session needs the hash of its cookie")
	case sess.UserID == 0:
		return facteur.Errorf(facteur.EINVALID, "user_id: a session belongs to an account")
	case sess.ExpiresAt.IsZero():
		return facteur.Errorf(facteur.EINVALID, "expires_at: a session needs an end")
	}
	t := now()
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = t
	}
	sess.CreatedAt = sess.CreatedAt.UTC().Truncate(time.Microsecond)
	sess.ExpiresAt = sess.ExpiresAt.UTC().Truncate(time.Microsecond)
	d := s.dialect
	_, err := s.q.exec(ctx, `INSERT INTO sessions (hash, user_id, csrf, address, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		sess.Hash, sess.UserID, sess.CSRF, sess.Address, d.ts(sess.CreatedAt), d.ts(sess.ExpiresAt))
	switch {
	case isForeignKeyViolation(err):
		return facteur.Errorf(facteur.EINVALID, "user_id: there is no user %d", sess.UserID)
	case isUniqueViolation(err):
		return facteur.Errorf(facteur.ECONFLICT, "a session with this cookie already exists; log in again")
	case err != nil:
		return fmt.Errorf("create session: %w", err)
	}
	if _, err := s.q.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?`, sess.UserID, d.ts(t)); err != nil {
		return fmt.Errorf("create session: remove expired sessions: %w", err)
	}
	return nil
}

// Session returns the session whose cookie has the given hash. It fails
// with ENOTFOUND when there is none or it has expired.
func (s *store) Session(ctx context.Context, hash []byte) (*facteur.Session, error) {
	var sess facteur.Session
	err := s.q.queryRow(ctx, `SELECT hash, user_id, csrf, address, created_at, expires_at FROM sessions
		WHERE hash = ? AND expires_at > ?`, hash, s.dialect.ts(now())).Scan(
		&sess.Hash, &sess.UserID, &sess.CSRF, &sess.Address, timeScan{&sess.CreatedAt}, timeScan{&sess.ExpiresAt})
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "no such session, or it has expired; log in again")
	} else if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return &sess, nil
}

// DeleteSession ends the session whose cookie has the given hash. Ending a
// session that is already gone is not an error: logging out twice is
// logging out.
func (s *store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.q.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessions ends every session of the account userID.
func (s *store) DeleteSessions(ctx context.Context, userID int64) error {
	if _, err := s.q.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}
