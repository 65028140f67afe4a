package store

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Names Dialect returns.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// sqliteTime is how SQLite keeps a time: UTC, fixed width, so that comparing the text compares the
// times and the indexes on created_at serve ORDER BY.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// dialect holds everything that differs between the engines; queries are written once, with ?
// placeholders, and bound here. Upserts need nothing: both engines speak INSERT ... ON CONFLICT.
type dialect struct {
	name string
	// numbered reports whether placeholders are $1, $2... rather than ?.
	numbered bool
	// createMigrations creates schema_migrations if it is missing.
	createMigrations string
	// lockMigrations, run first in each migration transaction, makes replicas that open the same
	// database at once take turns. Empty on SQLite, whose BEGIN IMMEDIATE already holds the only
	// write lock.
	lockMigrations string
}

func sqliteDialect() dialect {
	return dialect{
		name:             SQLite,
		createMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`,
	}
}

func postgresDialect() dialect {
	return dialect{
		name:             Postgres,
		numbered:         true,
		createMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)`,
		// The key is arbitrary but fixed: every Tacoma build must agree on it.
		lockMigrations: `SELECT pg_advisory_xact_lock(7405367138217353)`,
	}
}

// bind rewrites the ? placeholders of query for the engine. Queries here never hold a literal ?.
func (d dialect) bind(query string) string {
	if !d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// timeArg is the value a time is stored as. Both engines keep microseconds, so callers round first
// (storedTime) and a saved time reads back Equal.
func (d dialect) timeArg(t time.Time) any {
	if d.numbered {
		return t
	}
	return t.Format(sqliteTime)
}

// storedTime is t as the store keeps it: UTC, to the microsecond (PostgreSQL's precision).
func storedTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// timeColumn scans a time column of either engine into a UTC time.
type timeColumn struct{ t *time.Time }

var _ sql.Scanner = timeColumn{}

// Scan implements sql.Scanner.
func (c timeColumn) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("time column holds %T", v)
	}
}

func (c timeColumn) parse(s string) error {
	t, err := time.Parse(sqliteTime, s)
	if err != nil {
		return fmt.Errorf("time column: %w", err)
	}
	*c.t = t.UTC()
	return nil
}
