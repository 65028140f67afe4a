package slackemu

import (
	"maps"
	"time"

	"go.uber.org/zap"
)

// Option configures a Server in New.
type Option func(*config)

type config struct {
	log           *zap.Logger
	addr          string
	ackTimeout    time.Duration
	retrySchedule []time.Duration
	pingInterval  time.Duration
	scopes        []string
	rateLimits    map[string]Limit
	onUnknown     func(method string)
	maxConns      int
}

// DefaultScopes are the bot scopes granted unless WithScopes says otherwise: enough for
// every method the emulator implements.
func DefaultScopes() []string {
	return []string{
		"chat:write", "channels:history", "groups:history", "channels:read", "groups:read",
		"users:read", "reactions:write", "files:write", "files:read", "commands",
		"app_mentions:read", "channels:join",
	}
}

func defaultConfig() config {
	return config{
		log:  zap.NewNop(),
		addr: "127.0.0.1:0",
		// Slack expects an ack within 3 s (Bolt "Acknowledging requests"); the retry
		// schedule follows the Events API: ~immediately, ~1 min, ~5 min
		// (slack-protocol.md §2.6).
		ackTimeout:    3 * time.Second,
		retrySchedule: []time.Duration{3 * time.Second, 60 * time.Second, 300 * time.Second},
		// slack-go drops a socket that saw no PING for 30 s (socketmode.go:51).
		pingInterval: 5 * time.Second,
		scopes:       DefaultScopes(),
		rateLimits:   DefaultRateLimits(),
		maxConns:     10,
	}
}

// WithLogger sets the logger. The default discards everything.
func WithLogger(l *zap.Logger) Option {
	return func(c *config) { c.log = l }
}

// WithAddr sets the listen address; the default is 127.0.0.1:0.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithAckTimeout sets how long an envelope may stay un-acked before it counts as
// failed (default 3 s, Slack's ack deadline).
func WithAckTimeout(d time.Duration) Option {
	return func(c *config) { c.ackTimeout = d }
}

// WithRetrySchedule sets the delays of events_api retries 1..len(ds), each measured
// from the previous delivery, and never shorter than the ack timeout. The default is
// 3 s, 60 s, 300 s. No arguments means no retries.
func WithRetrySchedule(ds ...time.Duration) Option {
	return func(c *config) { c.retrySchedule = append([]time.Duration(nil), ds...) }
}

// WithPingInterval sets how often the server sends WebSocket PING frames (default 5 s;
// slack-go reconnects after 30 s without one).
func WithPingInterval(d time.Duration) Option {
	return func(c *config) { c.pingInterval = d }
}

// WithScopes sets the bot scopes granted to the app, replacing DefaultScopes. Methods
// whose scope is missing answer missing_scope with needed and provided; events whose
// scope is missing are not delivered.
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = append([]string(nil), scopes...) }
}

// WithRateLimits overrides the limits of the named methods; methods not named keep
// DefaultRateLimits. A Limit with PerMinute 0 disables limiting for that method.
func WithRateLimits(limits map[string]Limit) Option {
	return func(c *config) { maps.Copy(c.rateLimits, limits) }
}

// WithOnUnknown sets the hook called with the name of every unknown Web API method.
// Tests pass something like func(m string) { t.Errorf("unknown Slack method %s", m) }.
// The default logs at error level.
func WithOnUnknown(fn func(method string)) Option {
	return func(c *config) { c.onUnknown = fn }
}

// WithMaxConnections caps the app's concurrent Socket Mode connections (default 10,
// Slack's limit); apps.connections.open answers too_many_websockets beyond it.
func WithMaxConnections(n int) Option {
	return func(c *config) { c.maxConns = n }
}

// PostOption modifies Post and UploadAsUser.
type PostOption func(*postOptions)

type postOptions struct {
	threadTS string
	at       time.Time
}

func newPostOptions(opts []PostOption) postOptions {
	var o postOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// InThread posts the message as a reply in the thread of threadTS.
func InThread(threadTS string) PostOption {
	return func(o *postOptions) { o.threadTS = threadTS }
}

// At gives the message the ts of t (to the microsecond) instead of now, so that a test can
// script an incident that lasted hours. Messages must be scripted in order: a t that is
// not later than every message already in the channel is rejected with an error, never
// moved, because a silently shifted ts would hide a wrong script. Other channels do not
// constrain t. Messages posted later without At get a ts after t.
func At(t time.Time) PostOption {
	return func(o *postOptions) { o.at = t }
}
