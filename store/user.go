package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/facteur/facteur"
)

const userColumns = `id, email, name, role, active, password_hash, last_login_at, created_at, updated_at`

// prepareUser normalises the e-mail address of u and checks its name and
// role.
func prepareUser(u *facteur.User) error {
	email, err := facteur.NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email = email
	if err := facteur.CheckPersonName(u.Name); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return facteur.Errorf(facteur.EINVALID, "role: %q is not a role; use one of %s", u.Role, roleNames())
	}
	return nil
}

// roleNames lists the roles for a message: "viewer, editor, …".
func roleNames() string {
	names := make([]string, len(facteur.Roles))
	for i, r := range facteur.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// errEmailTaken says that another account has the address.
func errEmailTaken(email string) error {
	return facteur.Errorf(facteur.ECONFLICT, "email: an account with the address %s already exists", email)
}

// CreateUser records u with its e-mail address in lower case and sets its
// ID and timestamps. An account may have no password yet. It fails with
// EINVALID when the address or the role is not valid, and ECONFLICT when
// another account has the address, in any case.
func (s *store) CreateUser(ctx context.Context, u *facteur.User) error {
	if err := prepareUser(u); err != nil {
		return err
	}
	t := now()
	err := s.q.queryRow(ctx, `INSERT INTO users (email, name, role, active, password_hash, last_login_at,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.Role, u.Active, u.PasswordHash, s.dialect.tsPtr(u.LastLoginAt),
		s.dialect.ts(t), s.dialect.ts(t)).Scan(&u.ID)
	if isUniqueViolation(err) {
		return errEmailTaken(u.Email)
	} else if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = t, t
	u.LastLoginAt = truncate(u.LastLoginAt)
	return nil
}

// User returns the account with the given id, or ENOTFOUND.
func (s *store) User(ctx context.Context, id int64) (*facteur.User, error) {
	u, err := scanUser(s.q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, facteur.Errorf(facteur.ENOTFOUND, "user %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// UserByEmail returns the account with the given address, in any case, or
// ENOTFOUND (also for a string that is not an address).
func (s *store) UserByEmail(ctx context.Context, email string) (*facteur.User, error) {
	notFound := facteur.Errorf(facteur.ENOTFOUND, "there is no account with the address %q", email)
	normal, err := facteur.NormalizeEmail(email)
	if err != nil {
		return nil, notFound
	}
	u, err := scanUser(s.q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, normal))
	if isNoRows(err) {
		return nil, notFound
	} else if err != nil {
		return nil, fmt.Errorf("user by email: %w", err)
	}
	return u, nil
}

// Users returns every account, in the order they were created.
func (s *store) Users(ctx context.Context) ([]*facteur.User, error) {
	rows, err := s.q.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []*facteur.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return out, nil
}

// UpdateUser saves the e-mail address (in lower case), name, role, active
// flag and password hash of u, and sets UpdatedAt (and CreatedAt and
// LastLoginAt, as stored: the last login is TouchLogin's). It fails with
// EINVALID like CreateUser, ECONFLICT when another account has the address
// or the account changed since u was read, and ENOTFOUND when there is no
// such account.
func (s *store) UpdateUser(ctx context.Context, u *facteur.User) error {
	if err := prepareUser(u); err != nil {
		return err
	}
	t := nextVersion(u.UpdatedAt)
	err := s.q.queryRow(ctx, `UPDATE users SET email = ?, name = ?, role = ?, active = ?, password_hash = ?,
			updated_at = ?
		WHERE id = ?`+versionCheck+` RETURNING created_at, last_login_at`,
		append([]any{u.Email, u.Name, u.Role, u.Active, u.PasswordHash, s.dialect.ts(t), u.ID},
			s.versionArgs(u.UpdatedAt)...)...).Scan(timeScan{&u.CreatedAt}, nullTimeScan{&u.LastLoginAt})
	switch {
	case isNoRows(err):
		return s.updateMissed(ctx, "user", "users", u.ID)
	case isUniqueViolation(err):
		return errEmailTaken(u.Email)
	case err != nil:
		return fmt.Errorf("update user: %w", err)
	}
	u.UpdatedAt = t
	return nil
}

// TouchLogin records that the account id logged in at t. It writes only
// the last login, so that a login never undoes a change made to the
// account meanwhile. It fails with ENOTFOUND when there is no such account.
func (s *store) TouchLogin(ctx context.Context, id int64, t time.Time) error {
	n, err := s.q.exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, s.dialect.ts(t), id)
	if err != nil {
		return fmt.Errorf("record login: %w", err)
	}
	if n == 0 {
		return facteur.Errorf(facteur.ENOTFOUND, "user %d not found", id)
	}
	return nil
}

// ownedTables are the tables whose rows have an owner.
var ownedTables = []string{"sources", "reports", "destinations", "schedules", "runs"}

// AdoptOrphans gives every source, report, destination, schedule and run
// that has no owner (made before accounts existed) to the account userID,
// in one transaction. It fails with ENOTFOUND when there is no such
// account.
func (s *store) AdoptOrphans(ctx context.Context, userID int64) error {
	return s.inTx(ctx, func(tx *store, _ any) error {
		if _, err := tx.User(ctx, userID); err != nil {
			return err
		}
		for _, table := range ownedTables {
			if _, err := tx.q.exec(ctx, `UPDATE `+table+` SET owner_id = ? WHERE owner_id = 0`, userID); err != nil {
				return fmt.Errorf("adopt %s: %w", table, err)
			}
		}
		return nil
	})
}

func scanUser(r row) (*facteur.User, error) {
	var u facteur.User
	err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.PasswordHash, nullTimeScan{&u.LastLoginAt},
		timeScan{&u.CreatedAt}, timeScan{&u.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &u, nil
}
