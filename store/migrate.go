package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

// migrations holds one set of goose migrations per dialect:
// migrations/sqlite and migrations/postgres.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrationTable is goose's version table. It is not goose's default name,
// so that Facteur can share a PostgreSQL database with an application that
// uses goose too.
const migrationTable = "facteur_migration"

// migrateFacteur applies Facteur's pending migrations for the dialect with
// goose. The caller serialises concurrent migrations.
func migrateFacteur(ctx context.Context, db *sql.DB, d dialect, logger *slog.Logger) error {
	fsys, err := fs.Sub(migrations, "migrations/"+string(d))
	if err != nil {
		return fmt.Errorf("migrations of %s: %w", d, err)
	}
	gd := goose.DialectSQLite3
	if d == DialectPostgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, db, fsys,
		goose.WithTableName(migrationTable),
		goose.WithDisableGlobalRegistry(true),
		// Migration numbers are given to changes made side by side, which
		// may be released in another order: a database at 00011 still
		// gets a 00007 released after it.
		goose.WithAllowOutofOrder(true),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		logger.InfoContext(ctx, "store: applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}
