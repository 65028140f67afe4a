package slackemu

import (
	"maps"
	"time"
)

// Limit is a token bucket: PerMinute calls refill evenly over a minute and at most
// Burst may be made at once. PerMinute 0 means unlimited.
type Limit struct {
	PerMinute int
	Burst     int
}

// Slack's nominal tier rates (https://docs.slack.dev/apis/web-api/rate-limits).
const (
	tier2 = 20
	tier3 = 50
	tier4 = 100
	// chat.postMessage allows about one message per second per channel, with short
	// bursts (slack-protocol.md §4.3).
	postMessagePerChannel = 60
)

// DefaultRateLimits returns the limits used unless WithRateLimits overrides them:
// Slack's tier rates per method and token (chat.postMessage also per channel), with a
// burst of a whole minute's allowance so that ordinary tests never meet them. Tests of
// rate limiting pass tighter bursts, e.g. {"chat.postMessage": {PerMinute: 60, Burst: 3}}.
func DefaultRateLimits() map[string]Limit {
	l := func(n int) Limit { return Limit{PerMinute: n, Burst: n} }
	return map[string]Limit{
		// Tier 1 on one docs page, Tier 3 on another; reconnect-heavy tests need room.
		"apps.connections.open":        l(tier3),
		"auth.test":                    l(tier4), // "special"
		"chat.postMessage":             l(postMessagePerChannel),
		"chat.postEphemeral":           l(tier4),
		"chat.update":                  l(tier3),
		"conversations.info":           l(tier3),
		"conversations.history":        l(tier3),
		"conversations.replies":        l(tier3),
		"conversations.join":           l(tier3),
		"users.info":                   l(tier4),
		"reactions.add":                l(tier3),
		"files.getUploadURLExternal":   l(tier4),
		"files.completeUploadExternal": l(tier4),
	}
}

// limiter keeps one bucket per method, token and (for chat.postMessage) channel.
// Guarded by Server.mu.
type limiter struct {
	limits  map[string]Limit
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(limits map[string]Limit) limiter {
	return limiter{limits: maps.Clone(limits), buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes one token from the bucket for key. If none is left it reports false and
// how many seconds until one is.
func (l *limiter) allow(method, key string) (bool, float64) {
	lim, ok := l.limits[method]
	if !ok || lim.PerMinute <= 0 {
		return true, 0
	}
	burst := float64(max(lim.Burst, 1))
	rate := float64(lim.PerMinute) / 60 // tokens per second
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, (1 - b.tokens) / rate
}
