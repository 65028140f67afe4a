package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// runBot runs the bot's main job: with Slack tokens, the bot in that workspace; without, the
// playground, where the same bot talks to the in-repo Slack emulator and you type as a responder.
func runBot(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("run", "[--config FILE]", e.stderr)
	path := fs.String("config", os.Getenv("TACOMA_CONFIG"), "the config `FILE` (default $TACOMA_CONFIG)")
	rest, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("run: takes no arguments, got %q", strings.Join(rest, " "))
	}
	c, err := loadConfig(*path, os.Getenv)
	if err != nil {
		return err
	}
	c.Catalog.Dirs = append(c.Catalog.Dirs, *dirs...)
	slackMode := c.slackEnabled()
	if !slackMode {
		c.Log.Format = "console" // the playground is for a person at a terminal
		if c.Log.Level == "info" {
			c.Log.Level = "warn"
		}
	}
	if err := c.validate(slackMode); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log, err := newLogger(c.Log, e)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	idx, opened, err := openPersistedIndex(c.Catalog.Dirs, c.DataDir)
	if err != nil {
		return err
	}
	defer idx.Close()
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := importFeedbackLog(ctx, st, c.DataDir, log); err != nil {
		return err
	}
	source, err := storeSource(c.storeDSN())
	if err != nil {
		return err
	}
	load := historyLoad{st: st, idx: idx, source: source, opened: opened, log: log.Named("history")}
	if !slackMode {
		load.progress = e.stderr
	}
	loadedAt := time.Now()
	hist, err := loadHistory(ctx, load)
	if err != nil {
		return err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watchHistory(watchCtx, st, idx, loadedAt, hist.mark, log.Named("history"))
	}()
	defer func() { stopWatch(); <-watched }() // before the store closes
	h, err := handlers.New(c.Suggest, idx, st, log.Named("handlers"))
	if err != nil {
		return err
	}
	o := newOps(log.Named("ops"))
	h.UseMetrics(o.handlers)
	attach := func(s handlers.Slack) error {
		pm, err := handlers.NewPostmortems(c.Postmortem, s, idx, st, log.Named("postmortems"))
		if err != nil {
			return err
		}
		pm.UseMetrics(o.handlers)
		h.UsePostmortems(pm)
		return nil
	}
	if !slackMode {
		return playground(ctx, e, c, h, idx, attach, log)
	}
	bc := c.botConfig()
	bc.Ledger = st.Work() // each event answered once across replicas, and after a crash
	bc.Metrics = o.bot
	b, err := bot.New(bc, h, log.Named("bot"))
	if err != nil {
		return err
	}
	if err := attach(b); err != nil {
		return err
	}
	alerts, err := handlers.NewAlerts(c.Alerts, c.alertSecrets, b, idx, log.Named("alerts"))
	if err != nil {
		return err
	}
	if st.Dialect() == store.Postgres {
		alerts.ShareGroups(st) // replicas share each group's one message
	}
	if !c.alertsEnabled() {
		log.Warn("alert receivers answer 401 until credentials are set: TACOMA_ALERTMANAGER_TOKENS, TACOMA_ALERTMANAGER_BASIC_AUTH, TACOMA_GRAFANA_SECRETS, TACOMA_PAGERDUTY_SECRETS")
	}
	alerts.UseMetrics(o.handlers)
	o.readyWhen(idx, b, st)
	log.Info("starting", zap.Int("stories", len(idx.Catalog().Stories())), zap.String("api_url", c.Slack.APIURL))
	return serve(ctx, c, b, alerts, o, log)
}

// serve runs the bot, the alert receivers and their workers until ctx ends. The HTTP server
// (webhooks, metrics, health) stops taking connections at once and lets requests in flight
// finish while the bot drains.
func serve(ctx context.Context, c config, b *bot.Bot, alerts *handlers.Alerts, o *ops, log *zap.Logger) error {
	ln, err := net.Listen("tcp", c.Alerts.Listen)
	if err != nil {
		return fmt.Errorf("alert receivers: %w", err)
	}
	scheme := "http"
	if c.Alerts.TLS.Enabled() {
		tc, err := c.Alerts.TLS.ServerConfig()
		if err != nil {
			ln.Close()
			return err
		}
		ln, scheme = tls.NewListener(ln, tc), "https"
	}
	log.Info("alert receivers listening", zap.String("addr", ln.Addr().String()), zap.String("scheme", scheme), zap.Bool("client_certs", c.Alerts.TLS.ClientCAFile != ""))
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var httpErr error
	wg.Go(func() {
		if httpErr = serveHTTP(ctx, ln, o.handler(alerts.Handler()), httpShutdownTimeout, log); httpErr != nil {
			stop()
		}
	})
	wg.Go(func() { alerts.Run(ctx, c.Slack.Workers) })
	runErr := b.Run(ctx)
	stop()
	wg.Wait()
	return errors.Join(runErr, httpErr)
}

func newLogger(c logConfig, e env) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	var encoder zapcore.Encoder
	if c.Format == "console" {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	} else {
		encoder = zapcore.NewJSONEncoder(enc)
	}
	return zap.New(zapcore.NewCore(encoder, zapcore.Lock(zapcore.AddSync(e.stderr)), level)), nil
}
