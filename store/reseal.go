package store

import (
	"context"
	"fmt"

	"github.com/facteur/facteur/secret"
)

// Reseal encrypts again, under the primary key of the store's keyring,
// every stored credential that is not sealed under it yet (sealed under a
// previous key, or stored in clear before encryption). Each value is
// rewritten on its own, so an interrupted reseal loses nothing: the
// keyring opens both keys, and running it again finishes the work.
// progress, if not nil, is called after each value rewritten. It returns
// how many values it rewrote.
func (db *DB) Reseal(ctx context.Context, progress func(done int)) (int, error) {
	s := db.store
	if s.ring == nil {
		return 0, fmt.Errorf("reseal: the store has no keyring")
	}
	done := 0
	for _, t := range []struct {
		table, key, column string
		json               bool
	}{
		{"sources", "id", "dsn", false},
		{"destinations", "id", "config", true},
		{"settings", "key", "value", true},
	} {
		type item struct{ key, value string }
		rows, err := s.q.query(ctx, `SELECT `+t.key+`, `+t.column+` FROM `+t.table+` ORDER BY `+t.key)
		if err != nil {
			return done, fmt.Errorf("reseal %s: %w", t.table, err)
		}
		var items []item
		for rows.Next() {
			var it item
			var id int64
			var value []byte
			if t.key == "id" {
				err = rows.Scan(&id, &value)
				it.key = fmt.Sprint(id)
			} else {
				err = rows.Scan(&it.key, &value)
			}
			if err != nil {
				rows.Close()
				return done, fmt.Errorf("reseal %s: %w", t.table, err)
			}
			it.value = string(value)
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, fmt.Errorf("reseal %s: %w", t.table, err)
		}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return done, err
			}
			sealed := it.value
			if t.json {
				sealed = unquoteSealed(it.value)
			}
			if s.ring.SealedWithPrimary(sealed) {
				continue
			}
			var plain, next string
			if t.json {
				p, err := s.openJSON([]byte(it.value))
				if err != nil {
					return done, fmt.Errorf("reseal %s %s: %w", t.table, it.key, err)
				}
				if next, err = s.sealJSON(p); err != nil {
					return done, err
				}
			} else {
				if plain, err = s.open(it.value); err != nil {
					return done, fmt.Errorf("reseal %s %s: %w", t.table, it.key, err)
				}
				if next, err = s.seal(plain); err != nil {
					return done, err
				}
			}
			if _, err := s.q.exec(ctx, `UPDATE `+t.table+` SET `+t.column+` = ? WHERE `+t.key+` = ? AND CAST(`+t.column+` AS TEXT) = ?`,
				next, keyArg(t.key, it.key), it.value); err != nil {
				return done, fmt.Errorf("reseal %s %s: %w", t.table, it.key, err)
			}
			done++
			if progress != nil {
				progress(done)
			}
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
