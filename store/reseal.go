package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/facteur/facteur/secret"
)

// sealedColumns are the columns that hold credentials.
var sealedColumns = []struct {
	table, key, column string
	json               bool
	// optional columns hold '' for none, which stays '' (not sealed).
	optional bool
}{
	{"sources", "id", "dsn", false, false},
	{"destinations", "id", "config", true, false},
	{"settings", "key", "value", true, false},
	{"schedules", "id", "hmac_key", false, true},
}

// storedValue is one stored credential.
type storedValue struct {
	table, keyColumn, column string
	key, value               string
	json                     bool
}

// storedValues returns every value of the sealed columns, sealed or not.
func (s *store) storedValues(ctx context.Context) ([]storedValue, error) {
	var out []storedValue
	for _, t := range sealedColumns {
		rows, err := s.q.query(ctx, `SELECT `+t.key+`, `+t.column+` FROM `+t.table+` ORDER BY `+t.key)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.table, err)
		}
		for rows.Next() {
			v := storedValue{table: t.table, keyColumn: t.key, column: t.column, json: t.json}
			var id int64
			var value []byte
			if t.key == "id" {
				err = rows.Scan(&id, &value)
				v.key = fmt.Sprint(id)
			} else {
				err = rows.Scan(&v.key, &value)
			}
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read %s: %w", t.table, err)
			}
			v.value = string(value)
			if t.optional && v.value == "" {
				continue
			}
			out = append(out, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", t.table, err)
		}
	}
	return out, nil
}

// sealed returns the sealed value v holds, or v's value as it is.
func (v storedValue) sealed() string {
	if v.json {
		return unquoteSealed(v.value)
	}
	return v.value
}

// checkSealed opens every stored credential with the store's keys and
// reports how many of the sealed ones cannot be opened, of how many.
func (s *store) checkSealed(ctx context.Context) (unreadable, total int, err error) {
	if s.ring == nil {
		return 0, 0, nil
	}
	values, err := s.storedValues(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, v := range values {
		if !secret.IsSealed(v.sealed()) {
			continue
		}
		total++
		if _, err := s.ring.Open(v.sealed()); err != nil {
			if !errors.Is(err, secret.ErrWrongKey) && !errors.Is(err, secret.ErrDamaged) {
				return 0, 0, fmt.Errorf("open %s %s: %w", v.table, v.key, err)
			}
			unreadable++
		}
	}
	return unreadable, total, nil
}

// Reseal encrypts again, under the primary key of ring, every stored
// credential that is not sealed under it yet (sealed under a previous key
// of ring, or stored in clear before encryption). Each value is rewritten
// on its own, so an interrupted reseal loses nothing: ring opens both
// keys, and running it again finishes the work. progress, if not nil, is
// called after each value rewritten. It returns how many values it
// rewrote.
func (db *DB) Reseal(ctx context.Context, ring *secret.Keyring, progress func(done int)) (int, error) {
	if ring == nil {
		return 0, fmt.Errorf("reseal: no keyring")
	}
	s := &store{dialect: db.dialect, q: db.q, begin: db.begin, ring: ring}
	values, err := s.storedValues(ctx)
	if err != nil {
		return 0, fmt.Errorf("reseal: %w", err)
	}
	done := 0
	for _, v := range values {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		if ring.SealedWithPrimary(v.sealed()) {
			continue
		}
		var next string
		if v.json {
			p, err := s.openJSON([]byte(v.value))
			if err != nil {
				return done, fmt.Errorf("reseal %s %s: %w", v.table, v.key, err)
			}
			if next, err = s.sealJSON(p); err != nil {
				return done, err
			}
		} else {
			plain, err := s.open(v.value)
			if err != nil {
				return done, fmt.Errorf("reseal %s %s: %w", v.table, v.key, err)
			}
			if next, err = s.seal(plain); err != nil {
				return done, err
			}
		}
		if _, err := s.q.exec(ctx, `UPDATE `+v.table+` SET `+v.column+` = ? WHERE `+v.keyColumn+` = ? AND CAST(`+v.column+` AS TEXT) = ?`,
			next, keyArg(v.keyColumn, v.key), v.value); err != nil {
			return done, fmt.Errorf("reseal %s %s: %w", v.table, v.key, err)
		}
		done++
		if progress != nil {
			progress(done)
		}
	}
	return done, nil
}

// unquoteSealed returns the sealed value inside a JSON string, or s.
func unquoteSealed(s string) string {
	if len(s) > 2 && s[0] == '"' && s[len(s)-1] == '"' && secret.IsSealed(s[1:]) {
		return s[1 : len(s)-1]
	}
	return s
}

func keyArg(column, key string) any {
	if column == "id" {
		var id int64
		fmt.Sscan(key, &id)
		return id
	}
	return key
}
