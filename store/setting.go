package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/facteur/facteur"
)

// Setting returns the JSON value of a server setting, or ENOTFOUND.
func (s *store) Setting(ctx context.Context, key string) (json.RawMessage, error) {
	var v string
	err := s.q.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "setting %q is not set", key)
	} else if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	plain, err := s.openJSON([]byte(v))
	if err != nil {
		return nil, err
	}
	return json.RawMessage(plain), nil
}

// PutSetting stores the JSON value of a server setting, replacing any
// earlier value. It fails with EINVALID when value is not valid JSON.
func (s *store) PutSetting(ctx context.Context, key string, value json.RawMessage) error {
	if !json.Valid(value) {
		return facteur.Errorf(facteur.EINVALID, "setting %q: the value is not valid JSON", key)
	}
	sealed, err := s.sealJSON(value)
	if err != nil {
		return err
	}
	_, err = s.q.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, sealed, s.dialect.ts(now()))
	if err != nil {
		return fmt.Errorf("put setting %s: %w", key, err)
	}
	return nil
}

// InitSetting stores value under key unless the setting exists, and
// returns the value stored: value when this call stored it, else the
// earlier one. Of several nodes racing to set it first, one wins and all
// get its value.
func (s *store) InitSetting(ctx context.Context, key string, value json.RawMessage) (json.RawMessage, error) {
	if !json.Valid(value) {
		return nil, facteur.Errorf(facteur.EINVALID, "setting %q: the value is not valid JSON", key)
	}
	sealed, err := s.sealJSON(value)
	if err != nil {
		return nil, err
	}
	_, err = s.q.exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO NOTHING`, key, sealed, s.dialect.ts(now()))
	if err != nil {
		return nil, fmt.Errorf("init setting %s: %w", key, err)
	}
	return s.Setting(ctx, key)
}
