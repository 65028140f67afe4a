package bot

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Metrics counts what the bot exchanges with Slack. A nil *Metrics counts nothing, so tests and
// the playground can leave it out. Safe for concurrent use.
//
// Label values are bounded: event and envelope types come from slack-go, methods are the
// literals the bot passes to call, and results are "ok", Slack's error codes (a fixed vocabulary)
// or an HTTP status class. No channel, user or text ever becomes a label.
type Metrics struct {
	socketEvents  *prometheus.CounterVec
	envelopes     *prometheus.CounterVec
	ackSeconds    prometheus.Histogram
	duplicates    *prometheus.CounterVec
	replies       *prometheus.CounterVec
	apiCalls      *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	rateLimitWait *prometheus.CounterVec
	reconnects    prometheus.Counter
	connected     prometheus.Gauge
}

// NewMetrics creates the bot's metrics and registers them with reg; a nil reg keeps them
// unregistered. It panics if reg already holds them, as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		socketEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_slack_socket_events_total",
			Help: "Socket Mode client events by type: connection lifecycle and envelopes.",
		}, []string{"type"}),
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_slack_envelopes_total",
			Help: "Socket Mode envelopes received, by type and whether Slack was redelivering one.",
		}, []string{"type", "redelivered"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "tacoma_slack_ack_seconds",
			Help: "Time from an envelope read off the socket to its ack written back; Slack redelivers after 3 s.",
			// Slack's limit is 3 s: the buckets resolve the healthy millisecond range and the
			// approach to the limit.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5},
		}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_slack_duplicates_dropped_total",
			Help: "Deliveries dropped because the same message, command or click was handled already.",
		}, []string{"kind"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_replies_posted_total",
			Help: "Answers delivered: in a message's thread, or through a command's or click's response_url.",
		}, []string{"via"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_slack_api_calls_total",
			Help: "Slack Web API attempts by method and result (ok, Slack's error code, ratelimited, http_4xx, http_5xx, network, canceled).",
		}, []string{"method", "result"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_slack_rate_limited_total",
			Help: "Slack Web API answers of 429 Too Many Requests, by method.",
		}, []string{"method"}),
		rateLimitWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_slack_rate_limit_wait_seconds_total",
			Help: "Seconds Slack's Retry-After asked the bot to wait, by method.",
		}, []string{"method"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tacoma_slack_reconnects_total",
			Help: "Socket Mode connections opened after the first one.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tacoma_slack_connected",
			Help: "1 while a Socket Mode connection is up (hello received, no disconnect since).",
		}),
	}
	// Series that exist from the start read 0 rather than missing, so rate() and alerts on
	// them work before the first event.
	for _, k := range []string{"message", "command", "action"} {
		m.duplicates.WithLabelValues(k)
	}
	for _, v := range []string{"thread", "response_url"} {
		m.replies.WithLabelValues(v)
	}
	if reg != nil {
		reg.MustRegister(m.socketEvents, m.envelopes, m.ackSeconds, m.duplicates, m.replies,
			m.apiCalls, m.rateLimited, m.rateLimitWait, m.reconnects, m.connected)
	}
	return m
}

// observe counts one event from slack-go's queue; the loop calls it before dispatching.
func (m *Metrics) observe(evt socketmode.Event) {
	if m == nil {
		return
	}
	m.socketEvents.WithLabelValues(string(evt.Type)).Inc()
	if evt.Request != nil && isEnvelope(evt.Type) {
		m.envelopes.WithLabelValues(string(evt.Type), strconv.FormatBool(evt.Request.RetryAttempt > 0)).Inc()
	}
	if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok && c.ConnectionCount > 0 {
		m.reconnects.Inc()
	}
}

// isEnvelope reports whether an event type is an envelope the bot must ack.
func isEnvelope(t socketmode.EventType) bool {
	switch t {
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		return true
	}
	return false
}

func (m *Metrics) ackLatency(d time.Duration) {
	if m != nil {
		m.ackSeconds.Observe(d.Seconds())
	}
}

func (m *Metrics) setConnected(up bool) {
	if m == nil {
		return
	}
	if up {
		m.connected.Set(1)
	} else {
		m.connected.Set(0)
	}
}

// duplicate counts a delivery dropped as seen before; kind is message, command or action.
func (m *Metrics) duplicate(kind string) {
	if m != nil {
		m.duplicates.WithLabelValues(kind).Inc()
	}
}

// replyPosted counts an answer delivered; via is thread or response_url.
func (m *Metrics) replyPosted(via string) {
	if m != nil {
		m.replies.WithLabelValues(via).Inc()
	}
}

// apiCall counts one attempt of a Web API call.
func (m *Metrics) apiCall(method string, err error) {
	if m != nil {
		m.apiCalls.WithLabelValues(method, result(err)).Inc()
	}
}

// rateLimitedFor counts a 429 and the wait it asked for.
func (m *Metrics) rateLimitedFor(method string, wait time.Duration) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(method).Inc()
	m.rateLimitWait.WithLabelValues(method).Add(wait.Seconds())
}

// result names the outcome of a Web API attempt as a bounded label value.
func result(err error) string {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var se slack.SlackErrorResponse
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &rl):
		return "ratelimited"
	case errors.As(err, &sc):
		return statusClass(sc.Code)
	case errors.As(err, &se):
		return errorCode(se.Err)
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "network"
}

func statusClass(code int) string {
	if code >= http.StatusInternalServerError {
		return "http_5xx"
	}
	return "http_4xx"
}

// errorCode keeps a Slack error code as it is when it looks like one (lowercase words joined by
// underscores, as every code Slack documents is), so that nothing else can widen the label set.
func errorCode(s string) string {
	if s == "" || len(s) > 48 {
		return "other"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return "other"
		}
	}
	return s
}
