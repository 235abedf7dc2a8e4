// Package store is patrolmap's PostgreSQL + PostGIS layer (pgx/v5): migrations, queries, COPY
// ingest and the demo loader. It implements the interfaces that package api declares and
// exchanges the records of package patrol. Values reach SQL only as $n parameters.
package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/ttlcache"
)

// Store is a pool of connections to one patrolmap database.
type Store struct {
	pool  *pgxpool.Pool
	tails *deviceTails // what StoreFixes knows of each device's stored track (ingest.go)
	// callers remembers the callers of bearer tokens checked a moment ago (users.go, callerTTL).
	callers *ttlcache.Cache[[sha256.Size]byte, patrol.Caller]
	// duties remembers what StoreFixes read of devices' assignments (duties.go, dutyTTL).
	duties *dutyCache
	// database names the database (name@host), for what is remembered per database
	// (fixPartitions).
	database string
}

// Options tune a Store; the zero value is sensible.
type Options struct {
	MaxConns         int32         // default 10
	StatementTimeout time.Duration // default 30 s
}

// Open connects to the database at url (a libpq URL or key=value string) and checks that it
// answers.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if opt.MaxConns <= 0 {
		opt.MaxConns = 10
	}
	if opt.StatementTimeout <= 0 {
		opt.StatementTimeout = 30 * time.Second
	}
	cfg.MaxConns = opt.MaxConns
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	cfg.ConnConfig.RuntimeParams["application_name"] = "patrolmap"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	s := &Store{pool: pool, tails: newDeviceTails(100000), callers: ttlcache.New[[sha256.Size]byte, patrol.Caller](callerTTL, 10000), duties: ttlcache.New[int, *deviceDuty](dutyTTL, 100000),
		database: cfg.ConnConfig.Database + "@" + cfg.ConnConfig.Host}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Ping(pctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping reports whether the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return classify(fmt.Errorf("ping database: %w", err))
	}
	return nil
}

// Pool exposes the connection pool for tests and benchmarks of this module.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// classify wraps err so callers can tell a database outage (patrol.ErrUnavailable), a unique
// collision (patrol.ErrConflict) and a missing row (patrol.ErrNotFound) from other failures.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", patrol.ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		class := ""
		if len(pgErr.Code) == 5 {
			class = pgErr.Code[:2]
		}
		switch {
		case pgErr.Code == "23505":
			return fmt.Errorf("%w: %w", patrol.ErrConflict, err)
		case pgErr.Code == "22021", pgErr.Code == "22P05": // invalid byte sequence, untranslatable character
			// A NUL byte or invalid UTF-8 that reached the database: bad input, not a fault. The
			// handlers check their own fields first; this is the backstop.
			return &invalidText{err: err}
		case class == "08", // connection exception
			class == "57",                                // operator intervention: shutdown, cannot connect now, query canceled (statement timeout)
			class == "58",                                // system error: I/O error, undefined file
			pgErr.Code == "53300", pgErr.Code == "53100", // too many connections, disk full
			pgErr.Code == "40001", pgErr.Code == "40P01": // serialization failure, deadlock
			return fmt.Errorf("%w: %w", patrol.ErrUnavailable, err)
		}
		return err
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", patrol.ErrUnavailable, err)
	}
	// A connection that broke mid-query surfaces as an unexpected EOF or a closed conn.
	if errors.Is(err, errConnClosed) || isConnClosed(err) {
		return fmt.Errorf("%w: %w", patrol.ErrUnavailable, err)
	}
	return err
}

var errConnClosed = errors.New("conn closed")

// invalidText is text the database cannot hold: a *patrol.FieldError naming "request" (400),
// still wrapping the database's error for the log.
type invalidText struct{ err error }

func (e *invalidText) Error() string { return "text the database cannot hold: " + e.err.Error() }

// Unwrap gives the domain error and the database's.
func (e *invalidText) Unwrap() []error {
	return []error{patrol.Invalid("request", "holds a NUL byte or text that is not UTF-8"), e.err}
}

func isConnClosed(err error) bool {
	msg := err.Error()
	for _, s := range []string{"conn closed", "unexpected EOF", "connection reset", "broken pipe", "closed pool", "connection refused"} {
		if contains(msg, s) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
