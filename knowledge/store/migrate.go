package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrNewerSchema means the database was migrated by a newer Tacoma than this one. Open refuses it
// rather than write rows the newer schema may not expect.
var ErrNewerSchema = errors.New("database schema is newer than this tacoma")

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change, from migrations/<dialect>/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the dialect's migrations in order. Versions start at 1 and leave no gap, so a
// missing file cannot be skipped silently.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", dialect, err)
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: name must start with a version number and _", dir, e.Name())
		}
		text, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migration %s/%s: %w", dir, e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(text)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s/%s: version %d, want %d", dir, m.name, m.version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("migrations %s: none embedded", dialect)
	}
	return ms, nil
}

// migrate applies the pending migrations, each in its own transaction.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	ms, err := migrations(d.name)
	if err != nil {
		return err
	}
	for {
		done, err := migrateStep(ctx, db, d, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next pending migration and reports whether none was left. It reads the
// version under the migration lock, so a replica that migrated meanwhile is seen, not repeated.
func migrateStep(ctx context.Context, db *sql.DB, d dialect, ms []migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit; the error that matters is returned above
	if d.lockMigrations != "" {
		if _, err := tx.ExecContext(ctx, d.lockMigrations); err != nil {
			return false, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.createMigrations); err != nil {
		return false, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return false, fmt.Errorf("migrate: read version: %w", err)
	}
	latest := ms[len(ms)-1].version
	if current > latest {
		return false, fmt.Errorf("%w: database is at version %d, this tacoma knows up to %d; upgrade tacoma or point it at another database",
			ErrNewerSchema, current, latest)
	}
	if current == latest {
		return true, tx.Commit()
	}
	next := ms[current] // versions are 1..latest without gaps
	if _, err := tx.ExecContext(ctx, next.sql); err != nil {
		return false, fmt.Errorf("migrate %s: %w", next.name, err)
	}
	now := d.timeArg(storedTime(time.Now()))
	if _, err := tx.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), next.version, now); err != nil {
		return false, fmt.Errorf("migrate %s: record version: %w", next.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate %s: commit: %w", next.name, err)
	}
	return false, nil
}
