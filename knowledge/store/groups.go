package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// UpdateGroup runs fn on the stored state of alert group id (nil the first time) while holding
// the group's row, so that replicas take turns, and saves the state fn returns with whether the
// group has news not yet shown. fn may call Slack: only this group waits meanwhile on PostgreSQL
// (on SQLite every writer waits, which is why a single replica keeps groups in memory). An error
// from fn saves nothing.
func (s *Store) UpdateGroup(ctx context.Context, id string, fn func(state []byte) ([]byte, bool, error)) error {
	if err := checkText(id); err != nil || id == "" {
		return fmt.Errorf("alert group %q: bad id", id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("alert group: begin: %w", err)
	}
	defer tx.Rollback()
	now := s.d.timeArg(storedTime(time.Now()))
	if _, err := tx.ExecContext(ctx, s.d.bind(`INSERT INTO alert_groups (id, state, pending, updated_at) VALUES (?, '', ?, ?) ON CONFLICT (id) DO NOTHING`),
		id, s.boolArg(false), now); err != nil {
		return fmt.Errorf("alert group: %w", err)
	}
	lock := `SELECT state FROM alert_groups WHERE id = ?`
	if s.d.numbered {
		lock += ` FOR UPDATE`
	}
	var state string
	if err := tx.QueryRowContext(ctx, s.d.bind(lock), id).Scan(&state); err != nil {
		return fmt.Errorf("alert group: %w", err)
	}
	var cur []byte
	if state != "" {
		cur = []byte(state)
	}
	next, pending, err := fn(cur)
	if err != nil {
		return err
	}
	if err := checkText(string(next)); err != nil {
		return fmt.Errorf("alert group state %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.d.bind(`UPDATE alert_groups SET state = ?, pending = ?, updated_at = ? WHERE id = ?`),
		string(next), s.boolArg(pending), now, id); err != nil {
		return fmt.Errorf("alert group: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("alert group: commit: %w", err)
	}
	return nil
}

// PendingGroups lists up to limit groups with news not shown for longer than quiet: the groups a
// replica accepted and then died before showing.
func (s *Store) PendingGroups(ctx context.Context, quiet time.Duration, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.d.bind(`SELECT id FROM alert_groups WHERE pending = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`),
		s.boolArg(true), s.d.timeArg(storedTime(time.Now().Add(-quiet))), limit)
	if err != nil {
		return nil, fmt.Errorf("pending alert groups: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("pending alert groups: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("pending alert groups: %w", err)
	}
	return ids, nil
}

func (s *Store) boolArg(v bool) any {
	if s.d.numbered {
		return v
	}
	if v {
		return 1
	}
	return 0
}
