package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge"
)

// RecordFeedback stores one verdict; it is durable when RecordFeedback returns. The verdict must
// be knowledge.Helpful or knowledge.NotRelevant. A zero At is taken as now; At is kept in UTC, to
// the microsecond.
func (s *Store) RecordFeedback(ctx context.Context, fb knowledge.Feedback) error {
	if fb.Verdict != knowledge.Helpful && fb.Verdict != knowledge.NotRelevant {
		return fmt.Errorf("feedback verdict %q: want %q or %q", fb.Verdict, knowledge.Helpful, knowledge.NotRelevant)
	}
	for _, f := range []struct{ name, value string }{
		{"story_id", fb.StoryID}, {"user", fb.User}, {"channel", fb.Channel}, {"thread", fb.Thread}, {"query", fb.Query},
	} {
		if err := checkText(f.value); err != nil {
			return fmt.Errorf("feedback %s %w", f.name, err)
		}
	}
	at := fb.At
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.db.ExecContext(ctx, s.d.bind(`INSERT INTO feedback
		(story_id, verdict, user_id, channel, thread, query_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		fb.StoryID, fb.Verdict, fb.User, fb.Channel, fb.Thread, fb.Query, s.d.timeArg(storedTime(at)))
	if err != nil {
		return fmt.Errorf("record feedback on %s: %w", fb.StoryID, err)
	}
	return nil
}

// Feedback returns the verdicts given in the channel ("" for every channel), oldest first, in the
// order they were recorded among equal times.
func (s *Store) Feedback(ctx context.Context, channel string) ([]knowledge.Feedback, error) {
	const cols = `SELECT story_id, verdict, user_id, channel, thread, query_text, created_at FROM feedback`
	query, args := cols+` ORDER BY created_at, id`, []any(nil)
	if channel != "" {
		query, args = cols+` WHERE channel = ? ORDER BY created_at, id`, []any{channel}
	}
	rows, err := s.db.QueryContext(ctx, s.d.bind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer rows.Close()
	var out []knowledge.Feedback
	for rows.Next() {
		var fb knowledge.Feedback
		if err := rows.Scan(&fb.StoryID, &fb.Verdict, &fb.User, &fb.Channel, &fb.Thread, &fb.Query, timeColumn{&fb.At}); err != nil {
			return nil, fmt.Errorf("read feedback: %w", err)
		}
		out = append(out, fb)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	return out, nil
}
