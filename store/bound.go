package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/facteur/facteur/secret"
)

// A transaction bound to a context (WithTx) lets a caller make a change and
// its record — the audit entry of an API action — commit together, while
// the code in between calls the store as usual: every call of the DB made
// with the bound context, or one derived from it, goes to the transaction,
// and InTx inside it nests with a savepoint (so a job River inserts with
// InsertTx commits with it too).
//
// The transaction begins at the first statement that writes: what a
// request reads and checks before (a database it connects to, a DNS name
// it looks up) does not hold SQLite's one connection or its write lock.

type boundKey struct{}

// boundExec is the executor of the DB's own store: it sends a statement
// to the transaction bound to its context, if any, else to the database.
type boundExec struct {
	base  executor
	begin func(ctx context.Context) (transaction, error)
}

// binding is one bound transaction.
type binding struct {
	owner *boundExec
	mu    sync.Mutex
	t     transaction // nil until the first write
	ended bool
}

// rootStore returns the DB's own store on base, whose calls follow the
// transaction bound to their context, and its executor.
func rootStore(d dialect, base executor, begin func(ctx context.Context) (transaction, error), ring *secret.Keyring) (*store, *boundExec) {
	e := &boundExec{base: base, begin: begin}
	return &store{dialect: d, q: e, begin: e.beginIn, ring: ring}, e
}

func (e *boundExec) binding(ctx context.Context) *binding {
	if b, ok := ctx.Value(boundKey{}).(*binding); ok && b.owner == e {
		return b
	}
	return nil
}

// target returns where a statement runs: the bound transaction once it has
// begun (beginning it for a write), else the database. After the binding
// ended, statements run on the database on their own.
func (e *boundExec) target(ctx context.Context, write bool) (executor, error) {
	b := e.binding(ctx)
	if b == nil {
		return e.base, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.ended:
		return e.base, nil
	case b.t != nil:
		return b.t, nil
	case !write:
		return e.base, nil
	}
	t, err := e.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	b.t = t
	return t, nil
}

// writes reports whether a statement may write: everything but a SELECT.
func writes(query string) bool {
	q := strings.TrimSpace(query)
	return len(q) < 6 || !strings.EqualFold(q[:6], "SELECT")
}

func (e *boundExec) exec(ctx context.Context, query string, args ...any) (int64, error) {
	x, err := e.target(ctx, true)
	if err != nil {
		return 0, err
	}
	return x.exec(ctx, query, args...)
}

func (e *boundExec) query(ctx context.Context, query string, args ...any) (rows, error) {
	x, err := e.target(ctx, writes(query))
	if err != nil {
		return nil, err
	}
	return x.query(ctx, query, args...)
}

func (e *boundExec) queryRow(ctx context.Context, query string, args ...any) row {
	x, err := e.target(ctx, writes(query))
	if err != nil {
		return errRow{err}
	}
	return x.queryRow(ctx, query, args...)
}

// beginIn starts a transaction for InTx: a savepoint in the bound
// transaction when ctx carries one, else a transaction of its own.
func (e *boundExec) beginIn(ctx context.Context) (transaction, error) {
	if b := e.binding(ctx); b != nil {
		x, err := e.target(ctx, true)
		if err != nil {
			return nil, err
		}
		if t, ok := x.(transaction); ok {
			return t.nest(ctx)
		}
	}
	return e.begin(ctx)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// WithTx runs fn with a context to which one transaction of the database
// is bound: every call of db with it (or a context derived from it) that
// writes, and every call after that one, runs in the transaction, which
// begins at the first write. It commits when fn returns nil and rolls
// back when fn fails or panics. With a context already bound to db, fn
// runs in that transaction. It returns fn's error as is, or a wrapped
// commit error.
func (db *DB) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	e := db.root
	if e.binding(ctx) != nil {
		return fn(ctx)
	}
	b := &binding{owner: e}
	end := func() transaction {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.ended = true
		return b.t
	}
	done := false
	defer func() {
		if !done { // fn panicked
			if t := end(); t != nil {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
				defer cancel()
				_ = t.rollback(rctx)
			}
		}
	}()
	err := fn(context.WithValue(ctx, boundKey{}, b))
	done = true
	t := end()
	if t == nil {
		return err
	}
	if err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		if rerr := t.rollback(rctx); rerr != nil {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
