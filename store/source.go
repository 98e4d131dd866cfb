package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/facteur/facteur"
)

const sourceColumns = `id, name, kind, dsn, owner_id, accept_extra_rights, rights, created_at, updated_at`

// prepareSource checks a source and derives its kind from the DSN.
func prepareSource(s *facteur.Source) error {
	if err := facteur.CheckName("source", s.Name); err != nil {
		return err
	}
	kind, err := facteur.SourceKind(s.DSN)
	if err != nil {
		return err
	}
	s.Kind = kind
	return nil
}

// CreateSource records s, owned by s.OwnerID, and sets its ID, Kind (from
// the DSN) and timestamps. It fails with EINVALID when the name is empty or the DSN has
// an unknown scheme.
func (s *store) CreateSource(ctx context.Context, src *facteur.Source) error {
	if err := prepareSource(src); err != nil {
		return err
	}
	dsn, err := s.seal(src.DSN)
	if err != nil {
		return err
	}
	rights, err := marshalRights(src.Rights)
	if err != nil {
		return err
	}
	t := now()
	err = s.q.queryRow(ctx, `INSERT INTO sources (name, kind, dsn, owner_id, accept_extra_rights, rights, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		src.Name, src.Kind, dsn, src.OwnerID, src.AcceptExtraRights, rights, s.dialect.ts(t), s.dialect.ts(t)).Scan(&src.ID)
	if err != nil {
		return fmt.Errorf("create source: %w", err)
	}
	src.CreatedAt, src.UpdatedAt = t, t
	return nil
}

// Source returns the source with the given id, or ENOTFOUND.
func (s *store) Source(ctx context.Context, id int64) (*facteur.Source, error) {
	src, err := s.scanSource(s.q.queryRow(ctx, `SELECT `+sourceColumns+` FROM sources WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "source %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	return src, nil
}

// Sources returns every source, in the order they were created.
func (s *store) Sources(ctx context.Context) ([]*facteur.Source, error) {
	rows, err := s.q.query(ctx, `SELECT `+sourceColumns+` FROM sources ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	defer rows.Close()
	var out []*facteur.Source
	for rows.Next() {
		src, err := s.scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return out, nil
}

// UpdateSource saves the name, DSN, rights and acceptance of s, derives its kind again and sets
// UpdatedAt (and CreatedAt and OwnerID, as stored: the owner is set at
// creation only). It fails with ENOTFOUND when there is no such source.
func (s *store) UpdateSource(ctx context.Context, src *facteur.Source) error {
	if err := prepareSource(src); err != nil {
		return err
	}
	dsn, err := s.seal(src.DSN)
	if err != nil {
		return err
	}
	rights, err := marshalRights(src.Rights)
	if err != nil {
		return err
	}
	t := nextVersion(src.UpdatedAt)
	err = s.q.queryRow(ctx, `UPDATE sources SET name = ?, kind = ?, dsn = ?, accept_extra_rights = ?, rights = ?, updated_at = ?
		WHERE id = ?`+versionCheck+` RETURNING created_at, owner_id`,
		append([]any{src.Name, src.Kind, dsn, src.AcceptExtraRights, rights, s.dialect.ts(t), src.ID}, s.versionArgs(src.UpdatedAt)...)...).Scan(timeScan{&src.CreatedAt}, &src.OwnerID)
	if isNoRows(err) {
		return s.updateMissed(ctx, "source", "sources", src.ID)
	} else if err != nil {
		return fmt.Errorf("update source: %w", err)
	}
	src.UpdatedAt = t
	return nil
}

// SetSourceRights saves what a Test found the account of source id may do.
// It fails with ENOTFOUND when there is no such source.
func (s *store) SetSourceRights(ctx context.Context, id int64, r facteur.SourceRights) error {
	rights, err := marshalRights(r)
	if err != nil {
		return err
	}
	n, err := s.q.exec(ctx, `UPDATE sources SET rights = ? WHERE id = ?`, rights, id)
	if err != nil {
		return fmt.Errorf("set source rights: %w", err)
	} else if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "source %d not found", id)
	}
	return nil
}

// marshalRights returns the stored form of r: "" when it was never
// looked at, else its JSON.
func marshalRights(r facteur.SourceRights) (string, error) {
	if r.CheckedAt.IsZero() && r.Unchecked == "" {
		return "", nil
	}
	r.CheckedAt = r.CheckedAt.UTC()
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("source rights: %w", err)
	}
	return string(b), nil
}

// DeleteSource deletes a source no report reads from. It fails with
// ECONFLICT naming a report that still uses it, and ENOTFOUND when there is
// no such source.
func (s *store) DeleteSource(ctx context.Context, id int64) error {
	var source, report string
	err := s.q.queryRow(ctx, `SELECT s.name, r.name FROM reports r JOIN sources s ON s.id = r.source_id
		WHERE r.source_id = ? ORDER BY r.id LIMIT 1`, id).Scan(&source, &report)
	if err == nil {
		return facteur.Errorf(facteur.ECONFLICT, "source %q is used by report %q; delete or change the report first", source, report)
	} else if !isNoRows(err) {
		return fmt.Errorf("delete source: %w", err)
	}
	return s.delete(ctx, "source", "sources", id)
}

// delete removes one row of table by id; kind names the object in errors.
// A foreign key failure here means a user appeared since the caller
// looked for one.
func (s *store) delete(ctx context.Context, kind, table string, id int64) error {
	n, err := s.q.exec(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
	if isForeignKeyViolation(err) {
		return facteur.Errorf(facteur.ECONFLICT, "%s %d is in use; try again", kind, id)
	} else if err != nil {
		return fmt.Errorf("delete %s: %w", kind, err)
	} else if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "%s %d not found", kind, id)
	}
	return nil
}

func (s *store) scanSource(r row) (*facteur.Source, error) {
	var src facteur.Source
	var rights string
	err := r.Scan(&src.ID, &src.Name, &src.Kind, &src.DSN, &src.OwnerID, &src.AcceptExtraRights, &rights,
		timeScan{&src.CreatedAt}, timeScan{&src.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if rights != "" {
		if err := json.Unmarshal([]byte(rights), &src.Rights); err != nil {
			return nil, fmt.Errorf("source %d rights: %w", src.ID, err)
		}
	}
	if src.DSN, err = s.open(src.DSN); err != nil {
		return nil, err
	}
	return &src, nil
}
