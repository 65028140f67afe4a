package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
)

// readyTimeout is how long /readyz waits for its checks; a probe that waits longer than the
// prober's own timeout (1 s by default in Kubernetes) answers nobody.
const readyTimeout = time.Second

// httpShutdownTimeout is how long webhook requests in flight at shutdown may take to finish;
// it runs alongside the bot's drain, so neither makes the other wait.
const httpShutdownTimeout = bot.DefaultDrainTimeout

// ops is what the process shows operators beside the alert webhooks: Prometheus metrics on a
// registry of its own, liveness and readiness. Safe for concurrent use once serving.
type ops struct {
	reg      *prometheus.Registry
	bot      *bot.Metrics
	handlers *handlers.Metrics
	checks   []readyCheck
	log      *zap.Logger

	mu      sync.Mutex
	failing map[string]bool // checks that failed at the last probe: changes are logged
}

// readyCheck is one thing /readyz waits for. down is what the body says when check fails: a
// fixed phrase, because the listener also faces the senders of webhooks; the error is logged.
type readyCheck struct {
	name, down string
	check      func(ctx context.Context) error
}

func newOps(log *zap.Logger) *ops {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &ops{reg: reg, bot: bot.NewMetrics(reg), handlers: handlers.NewMetrics(reg), log: log, failing: map[string]bool{}}
}

// ready adds a readiness check. Call it before serving.
func (o *ops) ready(name, down string, check func(ctx context.Context) error) {
	o.checks = append(o.checks, readyCheck{name: name, down: down, check: check})
}

// readyWhen adds the checks of the bot in Slack mode: the catalog indexed, a Socket Mode
// connection up, the store answering.
func (o *ops) readyWhen(idx *knowledge.Index, b *bot.Bot, st interface{ Ping(context.Context) error }) {
	o.ready("index", "no stories loaded", func(context.Context) error {
		if len(idx.Catalog().Stories()) == 0 {
			return errors.New("the catalog is empty")
		}
		return nil
	})
	o.ready("slack", "no Socket Mode connection", func(context.Context) error {
		if !b.Connected() {
			return errors.New("no hello since the last connect or disconnect")
		}
		return nil
	})
	o.ready("store", "ping failed", st.Ping)
}

// handler serves the webhooks under /hooks/ (counted by sender and status), /metrics, /healthz
// (200 while the process runs) and /readyz (200 once every check passes, else 503 naming each
// one that failed on a line of its own).
func (o *ops) handler(hooks http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/hooks/", o.handlers.InstrumentAlerts(hooks))
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { plain(w, http.StatusOK, "ok\n") })
	mux.HandleFunc("GET /readyz", o.readyz)
	return mux
}

func (o *ops) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	errs := make([]error, len(o.checks))
	var wg sync.WaitGroup
	for i, c := range o.checks {
		wg.Go(func() { errs[i] = c.check(ctx) })
	}
	wg.Wait()
	var lines []string
	for i, c := range o.checks {
		o.note(c.name, errs[i])
		switch {
		case errs[i] == nil:
		case errors.Is(errs[i], context.DeadlineExceeded):
			lines = append(lines, fmt.Sprintf("%s: no answer within %s", c.name, readyTimeout))
		default:
			lines = append(lines, c.name+": "+c.down)
		}
	}
	if len(lines) > 0 {
		plain(w, http.StatusServiceUnavailable, strings.Join(lines, "\n")+"\n")
		return
	}
	plain(w, http.StatusOK, "ok\n")
}

// note logs a check's change of state, so that a probe every few seconds does not flood the log.
func (o *ops) note(name string, err error) {
	o.mu.Lock()
	was := o.failing[name]
	o.failing[name] = err != nil
	o.mu.Unlock()
	switch {
	case err != nil && !was:
		o.log.Warn("not ready", zap.String("check", name), zap.Error(err))
	case err == nil && was:
		o.log.Info("ready again", zap.String("check", name))
	}
}

func plain(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// serveHTTP serves h on ln until ctx ends, then shuts the server down: the listener closes at
// once, requests in flight get timeout to finish. It returns an error only if serving failed.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, timeout time.Duration, log *zap.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("alert receivers: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("alert receivers did not stop cleanly; closing the connections left", zap.Error(err))
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("alert receivers: %w", err)
	}
	return nil
}
