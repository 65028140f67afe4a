package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"
)

// Work is the ledger of what replicas accepted from Slack, shared through the store so that every
// event is answered once: the first replica to claim it answers it, a redelivery to another is
// dropped, and work whose replica died (its lease lapsed) is taken over. It satisfies bot.Ledger.
type Work struct {
	s     *Store
	owner string
	lease time.Duration
	keep  time.Duration
	now   func() time.Time
}

// WorkLease is how long a claim holds without renewal: a replica that stops renewing (killed,
// partitioned) has its work taken over after this.
const WorkLease = 15 * time.Second

// Work returns the ledger of this process. Each call makes a new owner identity, so call it once.
func (s *Store) Work() *Work {
	host, _ := os.Hostname()
	var r [4]byte
	_, _ = rand.Read(r[:])
	return &Work{s: s, owner: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(r[:])), lease: WorkLease, keep: 24 * time.Hour, now: time.Now}
}

// Owner is this process's name in the ledger.
func (w *Work) Owner() string { return w.owner }

func (w *Work) time(t time.Time) any { return w.s.d.timeArg(storedTime(t)) }

func (w *Work) doneValue(done bool) any { return w.s.boolArg(done) }

// Claim records key as this replica's, with the payload a taker-over needs to do it. It reports
// false when any replica claimed key before, done or not.
func (w *Work) Claim(ctx context.Context, key string, payload []byte) (bool, error) {
	if err := checkText(key); err != nil || key == "" {
		return false, fmt.Errorf("claim work: bad key %q", key)
	}
	now := w.now()
	res, err := w.s.db.ExecContext(ctx, w.s.d.bind(`INSERT INTO work (key, payload, owner, lease_until, done, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		key, string(payload), w.owner, w.time(now.Add(w.lease)), w.doneValue(false), w.time(now))
	if err != nil {
		return false, fmt.Errorf("claim work %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim work %s: %w", key, err)
	}
	return n == 1, nil
}

// Done marks key answered.
func (w *Work) Done(ctx context.Context, key string) error {
	_, err := w.s.db.ExecContext(ctx, w.s.d.bind(`UPDATE work SET done = ? WHERE key = ?`), w.doneValue(true), key)
	if err != nil {
		return fmt.Errorf("finish work %s: %w", key, err)
	}
	return nil
}

// Renew extends the lease of this replica's unfinished work among keys.
func (w *Work) Renew(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	args := []any{w.time(w.now().Add(w.lease)), w.owner}
	for _, k := range keys {
		args = append(args, k)
	}
	q := `UPDATE work SET lease_until = ? WHERE owner = ? AND key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	if _, err := w.s.db.ExecContext(ctx, w.s.d.bind(q), args...); err != nil {
		return fmt.Errorf("renew %d work leases: %w", len(keys), err)
	}
	return nil
}

// Release gives keys back before their lease ends, so another replica takes them over at once:
// what a replica shutting down could not finish.
func (w *Work) Release(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	args := []any{w.time(w.now().Add(-time.Second)), w.owner}
	for _, k := range keys {
		args = append(args, k)
	}
	q := `UPDATE work SET lease_until = ? WHERE owner = ? AND key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	if _, err := w.s.db.ExecContext(ctx, w.s.d.bind(q), args...); err != nil {
		return fmt.Errorf("release %d work leases: %w", len(keys), err)
	}
	return nil
}

// Orphans takes over up to limit unfinished claims whose lease lapsed, oldest first, and returns
// their payloads. Two replicas never take the same one.
func (w *Work) Orphans(ctx context.Context, limit int) ([][]byte, error) {
	now := w.now()
	pick := `SELECT key FROM work WHERE done = ? AND lease_until < ? ORDER BY created_at LIMIT ?`
	if w.s.d.numbered {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	q := `UPDATE work SET owner = ?, lease_until = ? WHERE key IN (` + pick + `) AND done = ? AND lease_until < ? RETURNING payload`
	rows, err := w.s.db.QueryContext(ctx, w.s.d.bind(q), w.owner, w.time(now.Add(w.lease)),
		w.doneValue(false), w.time(now), limit, w.doneValue(false), w.time(now))
	if err != nil {
		return nil, fmt.Errorf("take over work: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("take over work: %w", err)
		}
		out = append(out, []byte(p))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("take over work: %w", err)
	}
	return out, nil
}

// Prune forgets finished work older than a day: by then Slack has long stopped redelivering it.
func (w *Work) Prune(ctx context.Context) (int64, error) {
	res, err := w.s.db.ExecContext(ctx, w.s.d.bind(`DELETE FROM work WHERE done = ? AND created_at < ?`), w.doneValue(true), w.time(w.now().Add(-w.keep)))
	if err != nil {
		return 0, fmt.Errorf("prune work: %w", err)
	}
	return res.RowsAffected()
}
