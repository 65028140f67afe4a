package bot

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"
)

// Ledger shares the work replicas accept, so that each event is answered once even when several
// replicas hold Socket Mode connections (Slack gives each envelope to one of them, and redelivers
// to any) and when the replica that took it dies. Without one, deduplication is per process.
type Ledger interface {
	// Claim records key as this replica's, with what a taker-over needs; false if any replica
	// claimed it before.
	Claim(ctx context.Context, key string, payload []byte) (bool, error)
	Done(ctx context.Context, key string) error
	// Renew keeps this replica's claims on keys alive; Release hands them to another replica now.
	Renew(ctx context.Context, keys []string) error
	Release(ctx context.Context, keys []string) error
	// Orphans takes over up to limit claims whose replica stopped renewing them.
	Orphans(ctx context.Context, limit int) ([][]byte, error)
}

// tendInterval is how often leases are renewed and orphans looked for: well inside a lease.
const tendInterval = 2 * time.Second

// claimTimeout bounds one claim, which the Socket Mode loop waits on between acks.
const claimTimeout = 2 * time.Second

// work is one accepted envelope, as a ledger keeps it.
type work struct {
	Key         string   `json:"key"`
	Message     *Message `json:"message,omitempty"`
	Command     *Command `json:"command,omitempty"`
	Action      *Action  `json:"action,omitempty"`
	ResponseURL string   `json:"response_url,omitempty"`
	orphan      bool     // taken over from a replica that stopped
}

// kind names the work for metrics: message, command or action.
func (w work) kind() string {
	switch {
	case w.Command != nil:
		return "command"
	case w.Action != nil:
		return "action"
	}
	return "message"
}

// claims are the keys this replica holds and has not finished.
type claims struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (c *claims) add(k string)  { c.mu.Lock(); c.keys[k] = true; c.mu.Unlock() }
func (c *claims) drop(k string) { c.mu.Lock(); delete(c.keys, k); c.mu.Unlock() }
func (c *claims) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.keys))
	for k := range c.keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// accept claims w in the ledger and queues it. A claim another replica holds means the envelope
// is a redelivery it already took: dropped. If the ledger cannot be reached the work is done
// anyway: answering twice is better than not answering during an incident.
func (b *Bot) accept(ctx context.Context, w work) {
	if l := b.cfg.Ledger; l != nil {
		payload, err := json.Marshal(w)
		if err == nil {
			var ok bool
			// Bounded: the loop that acks waits on this, and a hung database must not delay acks.
			// Not cancelled with ctx: an envelope acked just before shutdown is still claimed.
			claimCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTimeout)
			ok, err = l.Claim(claimCtx, w.Key, payload)
			cancel()
			if err == nil && !ok {
				b.log.Debug("another replica took this envelope", zap.String("key", w.Key))
				b.cfg.Metrics.duplicate(w.kind())
				return
			}
		}
		if err != nil {
			b.log.Warn("work ledger unavailable; answering without it", zap.String("key", w.Key), zap.Error(err))
		} else {
			b.claims.add(w.Key)
		}
	}
	b.enqueue(ctx, func(ctx context.Context) { b.do(ctx, w) })
}

// do answers w and marks it done. Work cut short by shutdown is left claimed, for Release.
func (b *Bot) do(ctx context.Context, w work) {
	switch {
	case w.Message != nil:
		if w.orphan && b.answeredInThread(ctx, *w.Message) {
			b.log.Info("taken-over message was already answered", zap.String("key", w.Key))
			break
		}
		b.answerMessage(ctx, *w.Message)
	case w.Command != nil:
		b.answerCommand(ctx, *w.Command, w.ResponseURL)
	case w.Action != nil:
		b.answerAction(ctx, *w.Action, w.ResponseURL)
	}
	if b.cfg.Ledger == nil || ctx.Err() != nil {
		return
	}
	if err := b.cfg.Ledger.Done(context.WithoutCancel(ctx), w.Key); err != nil {
		b.log.Warn("work not marked done; another replica may answer it again", zap.String("key", w.Key), zap.Error(err))
	}
	b.claims.drop(w.Key)
}

// tend renews this replica's claims and takes over the work of replicas that stopped, until ctx
// ends; then it hands back what was not finished.
func (b *Bot) tend(ctx context.Context) {
	l := b.cfg.Ledger
	t := time.NewTicker(tendInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.Renew(ctx, b.claims.list()); err != nil && ctx.Err() == nil {
			b.log.Warn("work leases not renewed", zap.Error(err))
		}
		payloads, err := l.Orphans(ctx, b.cfg.Workers)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Warn("orphaned work not read", zap.Error(err))
			}
			continue
		}
		for _, p := range payloads {
			var w work
			if err := json.Unmarshal(p, &w); err != nil || w.Key == "" {
				b.log.Warn("orphaned work unreadable; skipped", zap.Error(err))
				continue
			}
			w.orphan = true
			b.log.Info("taking over work of a replica that stopped", zap.String("key", w.Key))
			b.claims.add(w.Key)
			b.enqueue(ctx, func(ctx context.Context) { b.do(ctx, w) })
		}
	}
}

// releaseUnfinished hands the claims still held at shutdown to the other replicas.
func (b *Bot) releaseUnfinished(ctx context.Context) {
	if b.cfg.Ledger == nil {
		return
	}
	keys := b.claims.list()
	if len(keys) == 0 {
		return
	}
	if err := b.cfg.Ledger.Release(ctx, keys); err != nil {
		b.log.Warn("unfinished work not handed back; it is taken over when its lease lapses", zap.Int("envelopes", len(keys)), zap.Error(err))
		return
	}
	b.log.Info("unfinished work handed back to other replicas", zap.Int("envelopes", len(keys)))
}

// answeredInThread reports whether this bot already replied to m: the first message after m in
// its thread is the bot's. It guards taken-over work, whose replica may have died between posting
// and marking it done.
func (b *Bot) answeredInThread(ctx context.Context, m Message) bool {
	self := b.identity()
	var replies []slack.Message
	err := b.call(ctx, "conversations.replies", func() error {
		var err error
		replies, _, _, err = b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: m.Channel, Timestamp: m.Thread(), Oldest: m.TS, Inclusive: false, Limit: 20,
		})
		return err
	})
	if err != nil {
		return false // better to answer again than not at all
	}
	for _, r := range replies {
		if r.Timestamp <= m.TS || r.Timestamp == m.Thread() {
			continue
		}
		return r.User == self.userID || (r.BotID != "" && r.BotID == self.botID)
	}
	return false
}
