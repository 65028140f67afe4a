package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// AlertPoster posts and edits the alert group messages.
type AlertPoster interface {
	Post(ctx context.Context, channel string, r *bot.Reply) (channelID, ts string, err error)
	PostInThread(ctx context.Context, channel, threadTS string, r *bot.Reply) error
	Update(ctx context.Context, channelID, ts string, r *bot.Reply) error
}

// queueSize bounds accepted deliveries waiting to be posted; beyond it the receiver answers 503
// so that senders retry instead of the bot holding an unbounded backlog in memory.
const queueSize = 1024

// Alerts receives alert webhooks, answers senders at once, and turns each alert group into one
// Slack message that it keeps up to date. Safe for concurrent use; Run processes deliveries.
type Alerts struct {
	cfg     AlertsConfig
	secrets AlertSecrets
	poster  AlertPoster
	match   Matcher
	log     *zap.Logger
	now     func() time.Time
	seen    *bot.RecentSet
	queue   chan string // group ids with news to write to Slack

	shared GroupStore // nil: groups live in this process (one replica)

	mu     sync.Mutex
	groups map[string]*groupState
}

// NewAlerts returns the receivers; Run must be running for accepted alerts to reach Slack.
func NewAlerts(cfg AlertsConfig, secrets AlertSecrets, poster AlertPoster, m Matcher, log *zap.Logger) (*Alerts, error) {
	if err := errors.Join(cfg.Validate(), secrets.Validate()); err != nil {
		return nil, err
	}
	return &Alerts{
		cfg: cfg, secrets: secrets, poster: poster, match: m, log: log, now: time.Now,
		seen: bot.NewRecentSet(20000), queue: make(chan string, queueSize), groups: map[string]*groupState{},
	}, nil
}

// Handler serves POST /hooks/alertmanager, /hooks/grafana and /hooks/pagerduty.
func (a *Alerts) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/alertmanager", a.receive(alert.Alertmanager))
	mux.HandleFunc("POST /hooks/grafana", a.receive(alert.Grafana))
	mux.HandleFunc("POST /hooks/pagerduty", a.receive(alert.PagerDuty))
	return mux
}

type response struct {
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

func reply(w http.ResponseWriter, code int, r response) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(r)
}

func (a *Alerts) receive(f alert.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		log := a.log.With(zap.String("sender", string(f)))
		if err := a.requireClientCert(r); err != nil {
			log.Warn("webhook rejected", zap.String("reason", err.Error()), zap.String("remote", r.RemoteAddr))
			reply(w, http.StatusUnauthorized, response{Error: err.Error()})
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" || f != alert.PagerDuty {
			if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
				reply(w, http.StatusUnsupportedMediaType, response{Error: fmt.Sprintf("want Content-Type application/json, got %q", ct)})
				return
			}
		}
		// None of the senders compresses, and inflating would let a small body pass MaxBody: a
		// compressed body is refused by name rather than misread as malformed JSON.
		if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
			reply(w, http.StatusUnsupportedMediaType, response{Error: fmt.Sprintf("Content-Encoding %s not supported: send the JSON uncompressed", ce)})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			reply(w, http.StatusRequestEntityTooLarge, response{Error: fmt.Sprintf("body larger than %d bytes; lower max_alerts on the sender or raise alerts.max_body", a.cfg.MaxBody)})
			return
		case err != nil:
			reply(w, http.StatusBadRequest, response{Error: "could not read the body: " + err.Error()})
			return
		}
		if err := a.authenticate(f, r, body); err != nil {
			log.Warn("webhook rejected", zap.String("reason", err.Error()), zap.String("remote", r.RemoteAddr))
			reply(w, http.StatusUnauthorized, response{Error: err.Error()})
			return
		}
		g, err := alert.ParseAs(f, body)
		if err != nil {
			reply(w, http.StatusBadRequest, response{Error: err.Error()})
			return
		}
		key := deliveryKey(g, r.Header.Get("X-Webhook-Id"))
		if a.seen.Has(key) {
			log.Debug("duplicate delivery", zap.String("group", g.Key))
			reply(w, http.StatusOK, response{Status: "duplicate"})
			return
		}
		if err := a.acceptAny(r.Context(), g); err != nil {
			// Not remembered as seen: the sender's retry must be taken, not called a duplicate.
			log.Warn("alert not accepted; asking the sender to retry", zap.String("group", g.Key), zap.Error(err))
			w.Header().Set("Retry-After", "10")
			reply(w, http.StatusServiceUnavailable, response{Error: "busy: retry later"})
			return
		}
		a.seen.First(key)
		reply(w, http.StatusAccepted, response{Status: "accepted"})
	}
}

// acceptAny folds a delivery in where its group lives: the shared store or this process.
func (a *Alerts) acceptAny(ctx context.Context, g *alert.Group) error {
	if a.shared != nil {
		return a.acceptShared(ctx, g)
	}
	return a.accept(g)
}

func (a *Alerts) authenticate(f alert.Format, r *http.Request, body []byte) error {
	switch f {
	case alert.Alertmanager:
		return checkAlertmanager(r, a.secrets)
	case alert.Grafana:
		return checkGrafana(r, body, a.secrets, a.cfg, a.now())
	default:
		return checkPagerDuty(r, body, a.secrets)
	}
}

// deliveryKey identifies what a delivery says, so that a re-send (Alertmanager every
// group_interval, PagerDuty retries with the same X-Webhook-Id) is recognised.
func deliveryKey(g *alert.Group, webhookID string) string {
	if g.Format == alert.PagerDuty {
		if webhookID == "" {
			webhookID = g.EventID
		}
		return "pd:" + webhookID
	}
	parts := make([]string, 0, len(g.Alerts))
	for _, al := range g.Alerts {
		parts = append(parts, fmt.Sprintf("%s|%s|%s|%s", fingerprint(al), al.Status, al.StartsAt.UTC().Format(time.RFC3339Nano), al.EndsAt.UTC().Format(time.RFC3339Nano)))
	}
	sort.Strings(parts)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%d\n", g.Format, g.Key, g.Truncated)
	for _, p := range parts {
		fmt.Fprintln(h, p)
	}
	return string(g.Format) + ":" + hex.EncodeToString(h.Sum(nil))
}

// alertsDrain bounds how long, after ctx ends, accepted alerts still queued are written to Slack.
const alertsDrain = 10 * time.Second

// Run writes accepted alert groups to Slack until ctx ends, with workers goroutines; one group is
// written by one worker at a time. What was accepted (answered 202) and is still queued when ctx
// ends is written within alertsDrain: the sender will not send it again.
func (a *Alerts) Run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	if a.shared != nil {
		wg.Go(func() { a.sweepPending(ctx) })
	}
	drainCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		<-ctx.Done()
		time.AfterFunc(alertsDrain, cancel)
	}()
	write := func(id string) {
		if a.shared != nil {
			a.flushSharedLoop(drainCtx, id)
		} else {
			a.flush(drainCtx, id)
		}
	}
	for range workers {
		wg.Go(func() {
			for {
				select {
				case id := <-a.queue:
					write(id)
				case <-ctx.Done():
					for {
						select {
						case id := <-a.queue:
							write(id)
						default:
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
}
