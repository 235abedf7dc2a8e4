package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/patrolmap/patrolmap/migrations"
)

// Migrate applies every pending embedded migration to the database at url, holding a session
// lock so concurrent callers wait for each other. Applying twice changes nothing. It returns the
// versions it applied.
func Migrate(ctx context.Context, url string, log *slog.Logger) ([]int64, error) {
	cfg, err := pgxConnConfig(url)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	return migrateDB(ctx, db, log)
}

// MigrateTo applies the embedded migrations up to and including version; tests use it to
// build an older release's schema.
func MigrateTo(ctx context.Context, url string, version int64) ([]int64, error) {
	cfg, err := pgxConnConfig(url)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	p, err := newProvider(db, nil)
	if err != nil {
		return nil, err
	}
	res, err := p.UpTo(ctx, version)
	if err != nil {
		return nil, classify(fmt.Errorf("apply migrations up to %d: %w", version, err))
	}
	applied := make([]int64, 0, len(res))
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

func newProvider(db *sql.DB, log *slog.Logger) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	// Numbers are reserved per change in flight, so one may land after a higher one: a
	// database already at 00010 still gets 00009 (never a "missing migration" refusal).
	opts := []goose.ProviderOption{goose.WithSessionLocker(locker), goose.WithTableName("schema_version"),
		goose.WithAllowOutofOrder(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

func migrateDB(ctx context.Context, db *sql.DB, log *slog.Logger) ([]int64, error) {
	p, err := newProvider(db, log)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("apply migrations: %w", err))
	}
	applied := make([]int64, 0, len(res))
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// SchemaVersion returns the highest applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM schema_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, classify(fmt.Errorf("read schema version: %w", err))
	}
	return v, nil
}
