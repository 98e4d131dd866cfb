package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facteur/facteur"
)

// Limits of AuditFilter.Limit.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 10000
)

const auditColumns = `id, at, actor_id, actor, action, object, object_id, address, detail`

// AppendAudit adds e to the audit log and sets its ID, and its At to now
// when it is zero. It fails with EINVALID when the action is empty.
func (s *store) AppendAudit(ctx context.Context, e *facteur.AuditEntry) error {
	if strings.TrimSpace(e.Action) == "" {
		return facteur.Errorf(facteur.EINVALID, "action: an audit entry says what was done")
	}
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	err := s.q.queryRow(ctx, `INSERT INTO audit (at, actor_id, actor, action, object, object_id, address, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.dialect.ts(e.At), e.ActorID, e.Actor, e.Action, e.Object, e.ObjectID, e.Address, e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// Audit returns the entries f selects, newest first: at or after f.Since
// and before f.Until, of one actor, of one action (or, when f.Action ends
// with a dot, of every action it starts), with one detail, from one client
// address, below f.BeforeID for the next page. f.Limit defaults to 100 and is capped at 10000.
func (s *store) Audit(ctx context.Context, f facteur.AuditFilter) ([]*facteur.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, s.dialect.ts(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "at < ?"), append(args, s.dialect.ts(f.Until))
	}
	if f.ActorID != 0 {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		// substr rather than LIKE, whose case rules and wildcards differ
		// between the dialects.
		where = append(where, "substr(action, 1, ?) = ?")
		args = append(args, utf8.RuneCountInString(f.Action), f.Action)
	case f.Action != "":
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Detail != "" {
		where, args = append(where, "detail = ?"), append(args, f.Detail)
	}
	if f.Address != "" {
		where, args = append(where, "address = ?"), append(args, f.Address)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	query, args := newestFirst(auditColumns, "audit", where, args, f.Limit, DefaultAuditLimit, MaxAuditLimit)
	rows, err := s.q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []*facteur.AuditEntry
	for rows.Next() {
		var e facteur.AuditEntry
		if err := rows.Scan(&e.ID, timeScan{&e.At}, &e.ActorID, &e.Actor, &e.Action, &e.Object, &e.ObjectID,
			&e.Address, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return out, nil
}
