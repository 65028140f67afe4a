package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tacoma-bot/tacoma/knowledge"
)

// ErrNotFound means no postmortem has that ID, or the channel has none. It is
// knowledge.ErrNotFound, so callers that know only the knowledge package can test for it.
var ErrNotFound = knowledge.ErrNotFound

// Store keeps postmortems and feedback in SQLite or PostgreSQL. It is safe for concurrent use;
// whoever opened it calls Close.
type Store struct {
	db *sql.DB
	d  dialect
}

// sqlitePragmas configure every SQLite connection. WAL lets readers run beside the writer;
// synchronous=FULL syncs the WAL on each commit, so an acknowledged save survives power loss;
// busy_timeout and _txlock=immediate make a writer take the lock at BEGIN and wait for it, instead
// of failing with SQLITE_BUSY when it later tries to upgrade a read lock.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
	"&_pragma=foreign_keys(1)&_txlock=immediate"

// Open opens the store and applies pending migrations. A dsn starting with postgres:// or
// postgresql:// opens PostgreSQL (pgx's URL form); anything else is the path of an SQLite file,
// whose folders are created. ctx bounds connecting and migrating, not the Store's life.
//
// A database migrated by a newer Tacoma is refused with ErrNewerSchema. Errors never show the
// password of a DSN.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path: give a file path or a postgres:// DSN")
	}
	// The driver reads everything after a ? as its own parameters.
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("open sqlite %s: a path must not contain '?'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s := &Store{db: db, d: sqliteDialect()}
	if err := s.start(ctx); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Error repeats the whole DSN, password included; keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("open postgres: DSN is not a valid URL (not shown, it may hold a password): %w", err)
	}
	shown, secrets := redact(u)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", shown, scrub(err, secrets))
	}
	s := &Store{db: stdlib.OpenDB(*cfg), d: postgresDialect()}
	if err := s.start(ctx); err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", shown, scrub(err, secrets))
	}
	return s, nil
}

// start connects and migrates; on error it closes the database.
func (s *Store) start(ctx context.Context) error {
	err := s.connect(ctx)
	if err == nil {
		err = migrate(ctx, s.db, s.d)
	}
	if err != nil {
		s.db.Close()
		return err
	}
	return nil
}

// connect opens the first connection. Turning a new SQLite file to WAL needs it to itself, and
// SQLite reports SQLITE_BUSY at once rather than wait when another process (or Store) is doing the
// same, so that case is retried for as long as busy_timeout would wait.
func (s *Store) connect(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY, in any of its extended forms.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == sqlite3.SQLITE_BUSY
}

// redact returns the DSN to show in errors and the passwords it holds (in the user info or as a
// password parameter, both of which pgx accepts).
func redact(u *url.URL) (shown string, secrets []string) {
	c := *u
	if pw, ok := c.User.Password(); ok {
		secrets = append(secrets, pw)
		c.User = url.UserPassword(c.User.Username(), "xxxxx")
	}
	q := c.Query()
	if pw := q.Get("password"); pw != "" {
		secrets = append(secrets, pw)
		q.Set("password", "xxxxx")
		c.RawQuery = q.Encode()
	}
	return c.String(), secrets
}

// scrub makes sure no secret reaches an error message, whatever a driver chose to print. An error
// that had to be rewritten loses its chain; one that is clean keeps it.
func scrub(err error, secrets []string) error {
	msg := err.Error()
	clean := msg
	for _, s := range secrets {
		clean = strings.ReplaceAll(clean, s, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// Close closes the database. Calls in flight may fail.
func (s *Store) Close() error {
	return s.db.Close()
}

// Ping reports whether the database answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.name, err)
	}
	return nil
}

// Dialect is the engine in use: SQLite or Postgres.
func (s *Store) Dialect() string {
	return s.d.name
}
