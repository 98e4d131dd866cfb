package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/facteur/facteur"
)

const destinationColumns = `id, name, kind, config, raw_cells, encryption, owner_id, created_at, updated_at`

// encodeEncryption returns the encryption column of e: JSON, or nil (SQL
// NULL) for files in clear.
func encodeEncryption(e *facteur.Encryption) (any, error) {
	if e == nil {
		return nil, nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode encryption: %w", err)
	}
	return string(b), nil
}

// prepareDestination checks a destination; an empty Config becomes {}.
func prepareDestination(d *facteur.Destination) error {
	if err := facteur.CheckName("destination", d.Name); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(d.Kind) == "":
		return facteur.Errorf(facteur.EINVALID, "kind: choose the kind of destination")
	}
	if len(d.Config) == 0 {
		d.Config = json.RawMessage("{}")
	} else if !json.Valid(d.Config) {
		return facteur.Errorf(facteur.EINVALID, "config: not a valid JSON document")
	}
	return nil
}

// CreateDestination records d, owned by d.OwnerID, and sets its ID and
// timestamps; an empty
// Config is stored as {}. Config is kept byte for byte, and the recipient
// groups it names (facteur.ConfigGroups) are recorded with it. It fails
// with EINVALID when the name or kind is empty, Config is not JSON or
// names a group that does not exist.
func (s *store) CreateDestination(ctx context.Context, d *facteur.Destination) error {
	if err := prepareDestination(d); err != nil {
		return err
	}
	config, err := s.sealJSON(d.Config)
	if err != nil {
		return err
	}
	enc, err := encodeEncryption(d.Encryption)
	if err != nil {
		return err
	}
	t := now()
	err = s.inTx(ctx, func(tx *store, _ any) error {
		err := tx.q.queryRow(ctx, `INSERT INTO destinations (name, kind, config, raw_cells, encryption, owner_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.Name, d.Kind, config, d.RawCells, enc, d.OwnerID, s.dialect.ts(t), s.dialect.ts(t)).Scan(&d.ID)
		if err != nil {
			return fmt.Errorf("create destination: %w", err)
		}
		return tx.setGroupRefs(ctx, "destination_groups", "destination_id", d.ID, "config.groups", facteur.ConfigGroups(d.Config))
	})
	if err != nil {
		d.ID = 0
		return err
	}
	d.CreatedAt, d.UpdatedAt = t, t
	return nil
}

// Destination returns the destination with the given id, or ENOTFOUND.
func (s *store) Destination(ctx context.Context, id int64) (*facteur.Destination, error) {
	d, err := s.scanDestination(s.q.queryRow(ctx, `SELECT `+destinationColumns+` FROM destinations WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "destination %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	return d, nil
}

// Destinations returns every destination, in the order they were created.
func (s *store) Destinations(ctx context.Context) ([]*facteur.Destination, error) {
	rows, err := s.q.query(ctx, `SELECT `+destinationColumns+` FROM destinations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("destinations: %w", err)
	}
	defer rows.Close()
	var out []*facteur.Destination
	for rows.Next() {
		d, err := s.scanDestination(rows)
		if err != nil {
			return nil, fmt.Errorf("destinations: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("destinations: %w", err)
	}
	return out, nil
}

// UpdateDestination saves d and sets UpdatedAt (and CreatedAt and OwnerID,
// as stored: the owner is set at creation only). It fails with EINVALID
// like CreateDestination and ENOTFOUND when there is no such destination.
func (s *store) UpdateDestination(ctx context.Context, d *facteur.Destination) error {
	if err := prepareDestination(d); err != nil {
		return err
	}
	config, err := s.sealJSON(d.Config)
	if err != nil {
		return err
	}
	enc, err := encodeEncryption(d.Encryption)
	if err != nil {
		return err
	}
	t := nextVersion(d.UpdatedAt)
	err = s.inTx(ctx, func(tx *store, _ any) error {
		err := tx.q.queryRow(ctx, `UPDATE destinations SET name = ?, kind = ?, config = ?, raw_cells = ?, encryption = ?, updated_at = ?
			WHERE id = ?`+versionCheck+` RETURNING created_at, owner_id`,
			append([]any{d.Name, d.Kind, config, d.RawCells, enc, s.dialect.ts(t), d.ID}, s.versionArgs(d.UpdatedAt)...)...).Scan(timeScan{&d.CreatedAt}, &d.OwnerID)
		if isNoRows(err) {
			return tx.updateMissed(ctx, "destination", "destinations", d.ID)
		} else if err != nil {
			return fmt.Errorf("update destination: %w", err)
		}
		return tx.setGroupRefs(ctx, "destination_groups", "destination_id", d.ID, "config.groups", facteur.ConfigGroups(d.Config))
	})
	if err != nil {
		return err
	}
	d.UpdatedAt = t
	return nil
}

// DeleteDestination deletes a destination no schedule delivers to. It fails
// with ECONFLICT naming a schedule that still uses it, and ENOTFOUND when
// there is no such destination.
func (s *store) DeleteDestination(ctx context.Context, id int64) error {
	var dest, schedule string
	err := s.q.queryRow(ctx, `SELECT d.name, s.name FROM schedules s JOIN destinations d ON d.id = s.destination_id
		WHERE s.destination_id = ? ORDER BY s.id LIMIT 1`, id).Scan(&dest, &schedule)
	if err == nil {
		return facteur.Errorf(facteur.ECONFLICT, "destination %q is used by schedule %q; delete or change the schedule first", dest, schedule)
	} else if !isNoRows(err) {
		return fmt.Errorf("delete destination: %w", err)
	}
	return s.delete(ctx, "destination", "destinations", id)
}

func (s *store) scanDestination(r row) (*facteur.Destination, error) {
	var (
		d      facteur.Destination
		config []byte
		enc    sql.NullString
	)
	if err := r.Scan(&d.ID, &d.Name, &d.Kind, &config, &d.RawCells, &enc, &d.OwnerID, timeScan{&d.CreatedAt}, timeScan{&d.UpdatedAt}); err != nil {
		return nil, err
	}
	config, err := s.openJSON(config)
	if err != nil {
		return nil, err
	}
	d.Config = json.RawMessage(config)
	if enc.Valid {
		d.Encryption = new(facteur.Encryption)
		if err := json.Unmarshal([]byte(enc.String), d.Encryption); err != nil {
			return nil, fmt.Errorf("destination %d: decode encryption: %w", d.ID, err)
		}
	}
	return &d, nil
}
