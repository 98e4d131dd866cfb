package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/facteur/facteur"
)

const groupColumns = `id, name, account_ids, addresses, owner_id, created_at, updated_at`

// encodeMembers validates g and encodes its members for their columns.
func encodeMembers(g *facteur.RecipientGroup) (ids, addrs string, err error) {
	g.Name = strings.TrimSpace(g.Name)
	if err := g.Validate(); err != nil {
		return "", "", err
	}
	if ids, err = marshalList(g.AccountIDs); err != nil {
		return "", "", err
	}
	addrs, err = marshalList(g.Addresses)
	return ids, addrs, err
}

// errGroupName is the refusal of a name another group has.
func errGroupName(name string) error {
	return facteur.Errorf(facteur.ECONFLICT, "name: there is already a recipient group called %q; choose another name", name)
}

// CreateRecipientGroup validates g (see facteur.RecipientGroup.Validate),
// records it, owned by g.OwnerID, and sets its ID and timestamps. A name
// already taken fails with ECONFLICT.
func (s *store) CreateRecipientGroup(ctx context.Context, g *facteur.RecipientGroup) error {
	ids, addrs, err := encodeMembers(g)
	if err != nil {
		return err
	}
	t := now()
	err = s.q.queryRow(ctx, `INSERT INTO recipient_groups (name, account_ids, addresses, owner_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, g.Name, ids, addrs, g.OwnerID, s.dialect.ts(t), s.dialect.ts(t)).Scan(&g.ID)
	if isUniqueViolation(err) {
		return errGroupName(g.Name)
	} else if err != nil {
		return fmt.Errorf("create recipient group: %w", err)
	}
	g.CreatedAt, g.UpdatedAt = t, t
	return nil
}

// RecipientGroup returns the group id, or ENOTFOUND.
func (s *store) RecipientGroup(ctx context.Context, id int64) (*facteur.RecipientGroup, error) {
	g, err := scanGroup(s.q.queryRow(ctx, `SELECT `+groupColumns+` FROM recipient_groups WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "recipient group %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("recipient group: %w", err)
	}
	return g, nil
}

// ListRecipientGroups returns every group, by name then id.
func (s *store) ListRecipientGroups(ctx context.Context) ([]*facteur.RecipientGroup, error) {
	return s.listGroups(ctx, `SELECT `+groupColumns+` FROM recipient_groups ORDER BY name, id`)
}

// RecipientGroupsByID returns the groups of ids that exist, by id; ids
// that name no group are absent from the map.
func (s *store) RecipientGroupsByID(ctx context.Context, ids []int64) (map[int64]*facteur.RecipientGroup, error) {
	out := make(map[int64]*facteur.RecipientGroup, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	list, err := s.listGroups(ctx, `SELECT `+groupColumns+` FROM recipient_groups WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, g := range list {
		out[g.ID] = g
	}
	return out, nil
}

func (s *store) listGroups(ctx context.Context, query string, args ...any) ([]*facteur.RecipientGroup, error) {
	rows, err := s.q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("recipient groups: %w", err)
	}
	defer rows.Close()
	out := []*facteur.RecipientGroup{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("recipient groups: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recipient groups: %w", err)
	}
	return out, nil
}

// UpdateRecipientGroup saves g's name and members and sets UpdatedAt (and
// CreatedAt and OwnerID, as stored). It fails with EINVALID like
// CreateRecipientGroup, ENOTFOUND when there is no such group, and
// ECONFLICT when it changed since g was read or the name is taken.
func (s *store) UpdateRecipientGroup(ctx context.Context, g *facteur.RecipientGroup) error {
	ids, addrs, err := encodeMembers(g)
	if err != nil {
		return err
	}
	t := nextVersion(g.UpdatedAt)
	err = s.q.queryRow(ctx, `UPDATE recipient_groups SET name = ?, account_ids = ?, addresses = ?, updated_at = ?
		WHERE id = ?`+versionCheck+` RETURNING created_at, owner_id`,
		append([]any{g.Name, ids, addrs, s.dialect.ts(t), g.ID}, s.versionArgs(g.UpdatedAt)...)...).Scan(timeScan{&g.CreatedAt}, &g.OwnerID)
	switch {
	case isNoRows(err):
		return s.updateMissed(ctx, "recipient group", "recipient_groups", g.ID)
	case isUniqueViolation(err):
		return errGroupName(g.Name)
	case err != nil:
		return fmt.Errorf("update recipient group: %w", err)
	}
	g.UpdatedAt = t
	return nil
}

// DeleteRecipientGroup deletes a group that no destination or schedule
// names. It fails with ECONFLICT naming those that do, and ENOTFOUND when
// there is no such group.
func (s *store) DeleteRecipientGroup(ctx context.Context, id int64) error {
	uses, err := s.RecipientGroupUses(ctx, id)
	if err != nil {
		return err
	}
	if len(uses) > 0 {
		return facteur.Errorf(facteur.ECONFLICT, "this recipient group is used by %s; remove it from them first", facteur.DescribeUses(uses, nil))
	}
	return s.delete(ctx, "recipient group", "recipient_groups", id)
}

// RecipientGroupUses returns the destinations, then the schedules, that
// name group id, each by id.
func (s *store) RecipientGroupUses(ctx context.Context, id int64) ([]facteur.GroupUse, error) {
	rows, err := s.q.query(ctx, `SELECT 'destination', d.id, d.name, d.owner_id, d.kind FROM destination_groups g
			JOIN destinations d ON d.id = g.destination_id WHERE g.group_id = ?
		UNION ALL
		SELECT 'schedule', s.id, s.name, s.owner_id, d.kind FROM schedule_groups g
			JOIN schedules s ON s.id = g.schedule_id JOIN destinations d ON d.id = s.destination_id WHERE g.group_id = ?
		ORDER BY 1, 2`, id, id)
	if err != nil {
		return nil, fmt.Errorf("recipient group uses: %w", err)
	}
	defer rows.Close()
	var out []facteur.GroupUse
	for rows.Next() {
		var u facteur.GroupUse
		if err := rows.Scan(&u.Kind, &u.ID, &u.Name, &u.OwnerID, &u.DestinationKind); err != nil {
			return nil, fmt.Errorf("recipient group uses: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recipient group uses: %w", err)
	}
	return out, nil
}

// setGroupRefs records that the object id of table (destination_groups,
// schedule_groups) names the groups ids, and no other. A group that does
// not exist fails with EINVALID on field. The caller runs it in the
// transaction that writes the object.
func (s *store) setGroupRefs(ctx context.Context, table, column string, id int64, field string, ids []int64) error {
	if err := facteur.CheckGroupRefs(field, ids); err != nil {
		return err
	}
	if _, err := s.q.exec(ctx, `DELETE FROM `+table+` WHERE `+column+` = ?`, id); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := s.RecipientGroupsByID(ctx, ids)
	if err != nil {
		return err
	}
	for i, g := range ids {
		if found[g] == nil {
			return facteur.Errorf(facteur.EINVALID, "%s[%d]: there is no recipient group %d", field, i, g)
		}
		if _, err := s.q.exec(ctx, `INSERT INTO `+table+` (`+column+`, group_id) VALUES (?, ?)`, id, g); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}

func scanGroup(r row) (*facteur.RecipientGroup, error) {
	var (
		g          facteur.RecipientGroup
		ids, addrs []byte
	)
	if err := r.Scan(&g.ID, &g.Name, &ids, &addrs, &g.OwnerID, timeScan{&g.CreatedAt}, timeScan{&g.UpdatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(ids, &g.AccountIDs); err != nil {
		return nil, fmt.Errorf("recipient group %d: account_ids: %w", g.ID, err)
	}
	if err := json.Unmarshal(addrs, &g.Addresses); err != nil {
		return nil, fmt.Errorf("recipient group %d: addresses: %w", g.ID, err)
	}
	return &g, nil
}
