package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

const tokenColumns = `id, user_id, name, prefix, hash, expires_at, last_used_at, created_at`

// CreateToken records t and sets its ID and CreatedAt. Only the hash of the
// token's secret is stored. It fails with EINVALID when the account, name,
// prefix or hash is missing or the account does not exist.
func (s *store) CreateToken(ctx context.Context, t *facteur.Token) error {
	switch {
	case t.UserID == 0:
		return facteur.Errorf(facteur.EINVALID, "user_id: a token belongs to an account")
	case strings.TrimSpace(t.Name) == "":
		return facteur.Errorf(facteur.EINVALID, "name: a token needs a name, to recognise it in a list")
	case len(t.Name) > facteur.MaxNameLen:
		return facteur.Errorf(facteur.EINVALID, "name: at most %d bytes", facteur.MaxNameLen)
	case t.Prefix == "":
		return facteur.Errorf(facteur.EINVALID, "prefix: a token needs the first characters of its secret")
	case len(t.Hash) == 0:
		return facteur.Errorf(facteur.EINVALID, "hash: a token needs the hash of its secret")
	}
	created := now()
	err := s.q.queryRow(ctx, `INSERT INTO tokens (user_id, name, prefix, hash, expires_at, last_used_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.UserID, t.Name, t.Prefix, t.Hash, s.dialect.tsPtr(t.ExpiresAt), s.dialect.tsPtr(t.LastUsedAt),
		s.dialect.ts(created)).Scan(&t.ID)
	switch {
	case isForeignKeyViolation(err):
		return facteur.Errorf(facteur.EINVALID, "user_id: there is no user %d", t.UserID)
	case isUniqueViolation(err):
		return facteur.Errorf(facteur.ECONFLICT, "a token with this secret already exists; make another")
	case err != nil:
		return fmt.Errorf("create token: %w", err)
	}
	t.CreatedAt = created
	t.ExpiresAt, t.LastUsedAt = truncate(t.ExpiresAt), truncate(t.LastUsedAt)
	return nil
}

// TokenByHash returns the token whose secret has the given hash, or
// ENOTFOUND. It returns expired tokens too: the caller checks ExpiresAt.
func (s *store) TokenByHash(ctx context.Context, hash []byte) (*facteur.Token, error) {
	t, err := scanToken(s.q.queryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "no such token")
	} else if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// Tokens returns the tokens of an account, in the order they were made.
func (s *store) Tokens(ctx context.Context, userID int64) ([]*facteur.Token, error) {
	rows, err := s.q.query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []*facteur.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return out, nil
}

// TouchToken records that token id was used at t. It fails with ENOTFOUND
// when there is no such token.
func (s *store) TouchToken(ctx context.Context, id int64, t time.Time) error {
	n, err := s.q.exec(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, s.dialect.ts(t), id)
	if err != nil {
		return fmt.Errorf("touch token: %w", err)
	} else if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "token %d not found", id)
	}
	return nil
}

// DeleteToken deletes the token id of the account userID. It fails with
// ENOTFOUND when there is no such token or it belongs to another account.
func (s *store) DeleteToken(ctx context.Context, userID, id int64) error {
	n, err := s.q.exec(ctx, `DELETE FROM tokens WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	} else if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "token %d not found", id)
	}
	return nil
}

func scanToken(r row) (*facteur.Token, error) {
	var t facteur.Token
	err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Hash, nullTimeScan{&t.ExpiresAt},
		nullTimeScan{&t.LastUsedAt}, timeScan{&t.CreatedAt})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
