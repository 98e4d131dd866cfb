package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/facteur/facteur"
)

// postgresConnectTimeout applies when the URL sets no connect_timeout.
const postgresConnectTimeout = 10 * time.Second

// migrationLockKey is the advisory lock that serialises the migrations of
// processes opening the same database ("facteur" in ASCII).
const migrationLockKey int64 = 0x66616374657572

// openPostgres connects to PostgreSQL and migrates the database.
func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	redacted := facteur.RedactDSN(cfg.PostgresURL)
	pcfg, err := pgxpool.ParseConfig(cfg.PostgresURL)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "postgres_url: cannot parse %s", redacted)
	}
	if pcfg.MaxConns < 2 {
		// Migrations hold a lock on one connection and work on another.
		return nil, facteur.Errorf(facteur.EINVALID, "postgres_url: pool_max_conns must be at least 2")
	}
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = postgresConnectTimeout
	}
	if _, ok := pcfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		pcfg.ConnConfig.RuntimeParams["application_name"] = "facteur"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, facteur.WrapError(facteur.EINVALID, err, "postgres_url: %s", redacted)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, facteur.WrapError(facteur.EUNAVAILABLE, err, "cannot reach PostgreSQL at %s", redacted)
	}
	if err := migratePostgres(ctx, pool, cfg); err != nil {
		pool.Close()
		return nil, err
	}
	db := &DB{pool: pool}
	db.store, db.root = rootStore(DialectPostgres, pgExecutor{pool}, beginPG(pool), cfg.Keyring)
	db.store.formats = cfg.Formats
	return db, nil
}

// migratePostgres runs Facteur's and River's migrations under a
// session-level advisory lock, so that two processes starting at once
// migrate one after the other and the second finds nothing to do.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, cfg Config) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return facteur.WrapError(facteur.EUNAVAILABLE, err, "cannot reach PostgreSQL")
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		if _, uerr := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", migrationLockKey); uerr != nil {
			// Closing the session releases the lock; the pool drops the
			// closed connection.
			_ = conn.Conn().Close(uctx)
		}
	}()

	logger := cfg.logger()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	if err := migrateFacteur(ctx, sqlDB, DialectPostgres, logger); err != nil {
		return err
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}
