package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// Metrics counts what the handlers do: matching, alert deliveries, postmortems, and the store
// calls that failed. A nil *Metrics counts nothing. Safe for concurrent use.
//
// Label values are bounded: match kinds, the three senders, HTTP status codes, postmortem
// events and store operations are all fixed by the code; no text, channel or user is a label.
type Metrics struct {
	matchSeconds *prometheus.HistogramVec
	topScore     *prometheus.HistogramVec
	topEvidence  *prometheus.HistogramVec
	alerts       *prometheus.CounterVec
	postmortems  *prometheus.CounterVec
	storeErrors  *prometheus.CounterVec
}

// NewMetrics creates the handlers' metrics and registers them with reg; a nil reg keeps them
// unregistered. It panics if reg already holds them, as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		matchSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tacoma_match_seconds",
			Help:    "Time the matcher took, by kind: search (a responder's words) or alert (an alert group).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"kind"}),
		topScore: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tacoma_match_top_score",
			Help: "Score of the best match, by kind; it ranks within one answer and drifts as the catalog grows.",
			// Scores run from well under 1 to a few dozen.
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 9),
		}, []string{"kind"}),
		topEvidence: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tacoma_match_top_evidence",
			Help: "Evidence of the best match, by kind; below 6 Tacoma does not volunteer a suggestion.",
			// Dense around knowledge.MinEvidence, the line between speaking and staying quiet.
			Buckets: []float64{1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32},
		}, []string{"kind"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_alerts_received_total",
			Help: "Alert webhook deliveries by sender and the HTTP status Tacoma answered.",
		}, []string{"sender", "status"}),
		postmortems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_postmortems_total",
			Help: "Postmortems by event: drafted (a draft shared in the channel) or finished (kept as final).",
		}, []string{"event"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacoma_store_errors_total",
			Help: "Errors the store returned to the handlers, by operation; not-found answers are not errors.",
		}, []string{"op"}),
	}
	// Series that exist from the start read 0 rather than missing, so rate() and alerts on
	// them work before the first event.
	for _, k := range []string{"search", "alert"} {
		m.matchSeconds.WithLabelValues(k)
	}
	for _, e := range []string{"drafted", "finished"} {
		m.postmortems.WithLabelValues(e)
	}
	for _, op := range []string{"record_feedback", "save_postmortem", "postmortem", "latest_postmortem", "feedback", "update_group", "pending_groups"} {
		m.storeErrors.WithLabelValues(op)
	}
	if reg != nil {
		reg.MustRegister(m.matchSeconds, m.topScore, m.topEvidence, m.alerts, m.postmortems, m.storeErrors)
	}
	return m
}

// UseMetrics counts the handler's matching and its feedback store's errors in m. Call it before
// the bot runs.
func (h *Handler) UseMetrics(m *Metrics) {
	if m == nil {
		return
	}
	h.match = timedMatcher{h.match, m}
	if h.feedback != nil {
		h.feedback = countedFeedback{h.feedback, m}
	}
}

// UseMetrics counts the receivers' matching and shared group store's errors in m. Call it after
// ShareGroups and before Run; count deliveries with InstrumentAlerts.
func (a *Alerts) UseMetrics(m *Metrics) {
	if m == nil {
		return
	}
	a.match = timedMatcher{a.match, m}
	if a.shared != nil {
		a.shared = countedGroups{a.shared, m}
	}
}

// UseMetrics counts drafted and finished postmortems and the store's errors in m. Call it before
// the bot runs.
func (pm *Postmortems) UseMetrics(m *Metrics) {
	if m == nil {
		return
	}
	pm.metrics = m
	pm.store = countedPostmortems{pm.store, m}
}

// InstrumentAlerts counts the deliveries next (Alerts.Handler) answers, by sender and status.
func (m *Metrics) InstrumentAlerts(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.alerts.WithLabelValues(senderOf(r.URL.Path), strconv.Itoa(sw.status)).Inc()
	})
}

// senderOf names the sender a webhook path is for; any other path is "other", so that a
// scanner trying paths cannot add labels.
func senderOf(path string) string {
	switch s := strings.TrimPrefix(path, "/hooks/"); s {
	case string(alert.Alertmanager), string(alert.Grafana), string(alert.PagerDuty):
		return s
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// postmortem counts a postmortem event: drafted or finished.
func (m *Metrics) postmortem(event string) {
	if m != nil {
		m.postmortems.WithLabelValues(event).Inc()
	}
}

// storeErr counts err against op unless it is an answer rather than a failure (not found) or the
// caller gave up (shutdown); it returns err.
func (m *Metrics) storeErr(op string, err error) error {
	if err != nil && !errors.Is(err, knowledge.ErrNotFound) && !errors.Is(err, context.Canceled) {
		m.storeErrors.WithLabelValues(op).Inc()
	}
	return err
}

func (m *Metrics) matched(kind string, took time.Duration, res []knowledge.Result) {
	m.matchSeconds.WithLabelValues(kind).Observe(took.Seconds())
	// The best is the stronger head of the catalog's list and the team's: a reply shows both.
	if best, ok := split(res).best(); ok {
		m.topScore.WithLabelValues(kind).Observe(best.Score)
		m.topEvidence.WithLabelValues(kind).Observe(best.Evidence)
	}
}

// timedMatcher times the matcher calls and records the best match's score and evidence.
type timedMatcher struct {
	Matcher
	m *Metrics
}

func (t timedMatcher) Search(ctx context.Context, text string, limit int) ([]knowledge.Result, error) {
	start := time.Now()
	res, err := t.Matcher.Search(ctx, text, limit)
	t.m.matched("search", time.Since(start), res)
	return res, err
}

func (t timedMatcher) MatchAlert(ctx context.Context, g *alert.Group, limit int) ([]knowledge.Result, error) {
	start := time.Now()
	res, err := t.Matcher.MatchAlert(ctx, g, limit)
	t.m.matched("alert", time.Since(start), res)
	return res, err
}

type countedFeedback struct {
	FeedbackSink
	m *Metrics
}

func (c countedFeedback) RecordFeedback(ctx context.Context, fb knowledge.Feedback) error {
	return c.m.storeErr("record_feedback", c.FeedbackSink.RecordFeedback(ctx, fb))
}

type countedPostmortems struct {
	PostmortemStore
	m *Metrics
}

func (c countedPostmortems) SavePostmortem(ctx context.Context, p *postmortem.Postmortem) error {
	return c.m.storeErr("save_postmortem", c.PostmortemStore.SavePostmortem(ctx, p))
}

func (c countedPostmortems) Postmortem(ctx context.Context, id string) (*postmortem.Postmortem, error) {
	p, err := c.PostmortemStore.Postmortem(ctx, id)
	return p, c.m.storeErr("postmortem", err)
}

func (c countedPostmortems) LatestPostmortem(ctx context.Context, channel string) (*postmortem.Postmortem, error) {
	p, err := c.PostmortemStore.LatestPostmortem(ctx, channel)
	return p, c.m.storeErr("latest_postmortem", err)
}

func (c countedPostmortems) Feedback(ctx context.Context, channel string) ([]knowledge.Feedback, error) {
	fbs, err := c.PostmortemStore.Feedback(ctx, channel)
	return fbs, c.m.storeErr("feedback", err)
}

type countedGroups struct {
	GroupStore
	m *Metrics
}

func (c countedGroups) UpdateGroup(ctx context.Context, id string, fn func(state []byte) ([]byte, bool, error)) error {
	return c.m.storeErr("update_group", c.GroupStore.UpdateGroup(ctx, id, fn))
}

func (c countedGroups) PendingGroups(ctx context.Context, quiet time.Duration, limit int) ([]string, error) {
	ids, err := c.GroupStore.PendingGroups(ctx, quiet, limit)
	return ids, c.m.storeErr("pending_groups", err)
}
