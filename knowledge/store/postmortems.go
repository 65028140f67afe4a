package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// SavePostmortem inserts p, or replaces the postmortem with its ID, in one transaction. A new
// postmortem keeps p.CreatedAt, or gets the current time if it is zero; a replaced one keeps the
// CreatedAt already stored. UpdatedAt is the current time. Both are written back to p, in UTC and
// to the microsecond, once the save is committed.
func (s *Store) SavePostmortem(ctx context.Context, p *postmortem.Postmortem) error {
	return s.SavePostmortems(ctx, []*postmortem.Postmortem{p})
}

// SavePostmortems saves every postmortem of ps as SavePostmortem does, all in one transaction:
// either all are saved or none is.
func (s *Store) SavePostmortems(ctx context.Context, ps []*postmortem.Postmortem) error {
	for _, p := range ps {
		if err := checkPostmortem(p); err != nil {
			return err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save postmortems: begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit; the error that matters is returned below
	now := storedTime(time.Now())
	stamps := make([]time.Time, len(ps))
	for i, p := range ps {
		if stamps[i], err = s.savePostmortem(ctx, tx, p, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save postmortems: commit: %w", err)
	}
	for i, p := range ps {
		p.CreatedAt, p.UpdatedAt = stamps[i], now
	}
	return nil
}

// savePostmortem writes one postmortem in tx and returns its CreatedAt.
func (s *Store) savePostmortem(ctx context.Context, tx *sql.Tx, p *postmortem.Postmortem, now time.Time) (time.Time, error) {
	var created time.Time
	err := tx.QueryRowContext(ctx, s.d.bind(`SELECT created_at FROM postmortems WHERE id = ?`), p.ID).Scan(timeColumn{&created})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created = now
		if !p.CreatedAt.IsZero() {
			created = storedTime(p.CreatedAt)
		}
	case err != nil:
		return time.Time{}, fmt.Errorf("save postmortem %s: %w", p.ID, err)
	}
	c := inUTC(p)
	c.CreatedAt, c.UpdatedAt = created, now
	doc, err := json.Marshal(c)
	if err != nil {
		return time.Time{}, fmt.Errorf("save postmortem %s: %w", p.ID, err)
	}
	_, err = tx.ExecContext(ctx, s.d.bind(`INSERT INTO postmortems
		(id, title, status, source, channel, created_at, updated_at, doc, markdown)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status,
			source = excluded.source, channel = excluded.channel, updated_at = excluded.updated_at,
			doc = excluded.doc, markdown = excluded.markdown`),
		p.ID, p.Title, p.Status, p.Source, p.Channel, s.d.timeArg(created), s.d.timeArg(now), string(doc), p.Markdown)
	if err != nil {
		return time.Time{}, fmt.Errorf("save postmortem %s: %w", p.ID, err)
	}
	return created, nil
}

// checkPostmortem refuses what one engine would store and the other reject: PostgreSQL text holds
// neither NUL nor invalid UTF-8, so neither engine accepts them in a column.
func checkPostmortem(p *postmortem.Postmortem) error {
	if p.ID == "" {
		return errors.New("save postmortem: empty ID")
	}
	for _, f := range []struct{ name, value string }{
		{"id", p.ID}, {"title", p.Title}, {"status", p.Status}, {"source", p.Source},
		{"channel", p.Channel}, {"markdown", p.Markdown},
	} {
		if err := checkText(f.value); err != nil {
			return fmt.Errorf("save postmortem %q: %s %w", p.ID, f.name, err)
		}
	}
	return nil
}

func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for i := range len(s) {
		if s[i] == 0 {
			return errors.New("holds a NUL character")
		}
	}
	return nil
}

// inUTC copies p with every time in UTC, so the stored document reads the same on any host.
func inUTC(p *postmortem.Postmortem) *postmortem.Postmortem {
	c := *p
	c.Started, c.Detected, c.Mitigated, c.Resolved = p.Started.UTC(), p.Detected.UTC(), p.Mitigated.UTC(), p.Resolved.UTC()
	if p.Timeline != nil {
		c.Timeline = make([]postmortem.Event, len(p.Timeline))
		for i, e := range p.Timeline {
			e.At = e.At.UTC()
			c.Timeline[i] = e
		}
	}
	return &c
}

// columns are what every read selects, in the order scanPostmortem expects.
const columns = `created_at, updated_at, doc, markdown`

// scanPostmortem decodes one row. The columns, not the document, are the truth for the times.
func scanPostmortem(row interface{ Scan(...any) error }) (*postmortem.Postmortem, error) {
	var (
		created, updated time.Time
		doc, markdown    string
	)
	if err := row.Scan(timeColumn{&created}, timeColumn{&updated}, &doc, &markdown); err != nil {
		return nil, err
	}
	p := new(postmortem.Postmortem)
	if err := json.Unmarshal([]byte(doc), p); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	p.Markdown, p.CreatedAt, p.UpdatedAt = markdown, created, updated
	return p, nil
}

// Postmortem returns the postmortem with that ID, or ErrNotFound.
func (s *Store) Postmortem(ctx context.Context, id string) (*postmortem.Postmortem, error) {
	row := s.db.QueryRowContext(ctx, s.d.bind(`SELECT `+columns+` FROM postmortems WHERE id = ?`), id)
	p, err := scanPostmortem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("postmortem %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postmortem %q: %w", id, err)
	}
	return p, nil
}

// LatestPostmortem returns the postmortem created last in the channel (a channel ID), or
// ErrNotFound.
func (s *Store) LatestPostmortem(ctx context.Context, channel string) (*postmortem.Postmortem, error) {
	row := s.db.QueryRowContext(ctx, s.d.bind(`SELECT `+columns+` FROM postmortems WHERE channel = ?
		ORDER BY created_at DESC, id DESC LIMIT 1`), channel)
	p, err := scanPostmortem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("latest postmortem in %s: %w", channel, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("latest postmortem in %s: %w", channel, err)
	}
	return p, nil
}

// EachPostmortem calls fn with every postmortem of that status ("" for all), oldest CreatedAt
// first and by ID among equals. Rows stream from the database one at a time, so any number fits
// in memory. It stops at fn's first error and returns it unwrapped.
//
// The iteration reads one snapshot, taken when it starts: fn may write to the store (on another
// connection of the pool), but this iteration does not see those writes.
func (s *Store) EachPostmortem(ctx context.Context, status string, fn func(*postmortem.Postmortem) error) error {
	query, args := `SELECT `+columns+` FROM postmortems ORDER BY created_at, id`, []any(nil)
	if status != "" {
		query, args = `SELECT `+columns+` FROM postmortems WHERE status = ? ORDER BY created_at, id`, []any{status}
	}
	rows, err := s.db.QueryContext(ctx, s.d.bind(query), args...)
	if err != nil {
		return fmt.Errorf("list postmortems: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPostmortem(rows)
		if err != nil {
			return fmt.Errorf("list postmortems: %w", err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list postmortems: %w", err)
	}
	return nil
}

// CountPostmortems counts the postmortems of that status ("" for all).
func (s *Store) CountPostmortems(ctx context.Context, status string) (int, error) {
	query, args := `SELECT COUNT(*) FROM postmortems`, []any(nil)
	if status != "" {
		query, args = `SELECT COUNT(*) FROM postmortems WHERE status = ?`, []any{status}
	}
	var n int
	if err := s.db.QueryRowContext(ctx, s.d.bind(query), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count postmortems: %w", err)
	}
	return n, nil
}

// UpdatedSince returns the postmortems of that status ("" for all) saved after since, oldest
// save first: how replicas learn of postmortems another one finished or imported.
func (s *Store) UpdatedSince(ctx context.Context, status string, since time.Time) ([]*postmortem.Postmortem, error) {
	var out []*postmortem.Postmortem
	err := s.EachUpdatedSince(ctx, status, since, func(p *postmortem.Postmortem) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

// EachUpdatedSince is UpdatedSince one postmortem at a time, so that any number fits in memory.
// It stops at fn's first error and returns it unwrapped.
func (s *Store) EachUpdatedSince(ctx context.Context, status string, since time.Time, fn func(*postmortem.Postmortem) error) error {
	query := `SELECT ` + columns + ` FROM postmortems WHERE updated_at > ? AND (? = '' OR status = ?) ORDER BY updated_at, id`
	rows, err := s.db.QueryContext(ctx, s.d.bind(query), s.d.timeArg(storedTime(since)), status, status)
	if err != nil {
		return fmt.Errorf("postmortems updated since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPostmortem(rows)
		if err != nil {
			return fmt.Errorf("postmortems updated since %s: %w", since.Format(time.RFC3339), err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postmortems updated since %s: %w", since.Format(time.RFC3339), err)
	}
	return nil
}
