package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facteur/facteur"
	"github.com/facteur/facteur/secret"
)

// store implements facteur.Store on an executor: the database itself, or
// one transaction of it (the tx store InTx hands out).
type store struct {
	dialect dialect
	q       executor
	// ring seals credentials at rest; nil stores them as they are.
	ring *secret.Keyring
	// begin starts a transaction: a real one on the database, a savepoint
	// inside a transaction.
	begin func(ctx context.Context) (transaction, error)
	// formats checks the format of schedules saved; nil: not checked.
	formats FormatChecker
}

// transaction is a database transaction or a savepoint inside one.
type transaction interface {
	executor
	// raw is the driver's transaction: *sql.Tx or pgx.Tx.
	raw() any
	// nest starts a savepoint inside the transaction.
	nest(ctx context.Context) (transaction, error)
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
}

// rollbackTimeout bounds a rollback that runs after fn's context may
// already be cancelled.
const rollbackTimeout = 10 * time.Second

// InTx runs fn in one transaction and commits when fn returns nil; any
// error from fn, or a panic, rolls it back. tx is the store bound to the
// transaction and raw the driver's transaction: *sql.Tx on SQLite, pgx.Tx
// on PostgreSQL, ready for River's InsertTx. fn must use tx, not the DB: on
// SQLite the DB's only connection belongs to the transaction. InTx on a tx
// store nests with a savepoint; raw is then still a transaction of the
// same type. It returns fn's error as is, or a wrapped commit error.
func (s *store) InTx(ctx context.Context, fn func(tx facteur.Store, raw any) error) error {
	return s.inTx(ctx, func(tx *store, raw any) error { return fn(tx, raw) })
}

// inTx is InTx for the store's own methods, which need the tx store's
// executor rather than its interface.
func (s *store) inTx(ctx context.Context, fn func(tx *store, raw any) error) error {
	t, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	done := false
	defer func() {
		if done {
			return
		}
		// fn panicked: undo, then let the panic go on.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = t.rollback(rctx)
	}()
	tx := &store{dialect: s.dialect, q: t, begin: t.nest, ring: s.ring, formats: s.formats}
	if err := fn(tx, t.raw()); err != nil {
		done = true
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		if rerr := t.rollback(rctx); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	done = true
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sqlTx is a database/sql transaction (SQLite), or a savepoint in one when
// savepoint is set.
type sqlTx struct {
	sqlExecutor
	tx        *sql.Tx
	savepoint string
	depth     int
}

func beginSQL(db *sql.DB) func(ctx context.Context) (transaction, error) {
	return func(ctx context.Context) (transaction, error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		return &sqlTx{sqlExecutor: sqlExecutor{tx}, tx: tx}, nil
	}
}

func (t *sqlTx) raw() any { return t.tx }

func (t *sqlTx) nest(ctx context.Context) (transaction, error) {
	name := fmt.Sprintf("facteur_sp%d", t.depth+1)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	return &sqlTx{sqlExecutor: t.sqlExecutor, tx: t.tx, savepoint: name, depth: t.depth + 1}, nil
}

func (t *sqlTx) commit(ctx context.Context) error {
	if t.savepoint == "" {
		return t.tx.Commit()
	}
	_, err := t.tx.ExecContext(ctx, "RELEASE "+t.savepoint)
	return err
}

func (t *sqlTx) rollback(ctx context.Context) error {
	if t.savepoint == "" {
		// database/sql has already rolled back when ctx was cancelled.
		if err := t.tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
			return err
		}
		return nil
	}
	// ROLLBACK TO keeps the savepoint open; RELEASE closes it.
	if _, err := t.tx.ExecContext(ctx, "ROLLBACK TO "+t.savepoint); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, "RELEASE "+t.savepoint)
	return err
}

// pgTx is a pgx transaction; pgx makes a nested one a savepoint itself.
type pgTx struct {
	pgExecutor
	tx pgx.Tx
}

func beginPG(b interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}) func(ctx context.Context) (transaction, error) {
	return func(ctx context.Context) (transaction, error) {
		tx, err := b.Begin(ctx)
		if err != nil {
			return nil, err
		}
		return &pgTx{pgExecutor: pgExecutor{tx}, tx: tx}, nil
	}
}

func (t *pgTx) raw() any                                      { return t.tx }
func (t *pgTx) nest(ctx context.Context) (transaction, error) { return beginPG(t.tx)(ctx) }
func (t *pgTx) commit(ctx context.Context) error              { return t.tx.Commit(ctx) }
func (t *pgTx) rollback(ctx context.Context) error {
	if err := t.tx.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}
