package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// Bot is one Socket Mode connection to a workspace and the workers that answer its envelopes.
type Bot struct {
	cfg  Config
	h    Handler
	log  *zap.Logger
	api  *slack.Client
	sm   *socketmode.Client
	seen *RecentSet
	// jobs carries acked envelopes to the workers; its buffer lets the loop keep acking while
	// every worker is busy, so a burst never pushes an ack past Slack's 3 s.
	jobs chan func(context.Context)
	// claims are the ledger keys this replica holds and has not finished.
	claims claims
	sock   *socketState // what the Socket Mode connection's frames tell (wsconn.go)

	mu       sync.Mutex
	self     identity
	channels map[string]string // channel ID -> name, from conversations.info
	users    map[string]string // user ID -> name, from users.info; made on first use (users.go)
}

type identity struct{ userID, botID, teamID string }

// New checks cfg and builds a bot; Run connects it.
func New(cfg Config, h Handler, log *zap.Logger) (*Bot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = 30 * time.Second
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.APITimeout == 0 {
		cfg.APITimeout = DefaultAPITimeout
	}
	api := slack.New(cfg.BotToken.Reveal(),
		slack.OptionAppLevelToken(cfg.AppToken.Reveal()),
		slack.OptionAPIURL(cfg.APIURL),
		// slack-go's default client has no timeout: a call Slack never answers would hold a
		// worker until shutdown.
		slack.OptionHTTPClient(&http.Client{Timeout: cfg.APITimeout}),
	)
	st := newSocketState(cfg.Metrics)
	st.log, st.helloWait = log, cfg.PingInterval
	sm := newSocketClient(api, st, cfg, log)
	return &Bot{
		cfg:      cfg,
		h:        h,
		log:      log,
		api:      api,
		sm:       sm,
		seen:     NewRecentSet(10000),
		claims:   claims{keys: map[string]bool{}},
		sock:     st,
		jobs:     make(chan func(context.Context), 64*cfg.Workers),
		channels: map[string]string{},
	}, nil
}

// Run connects and answers envelopes until ctx ends or Slack refuses the tokens. It returns nil
// after a clean shutdown: it stops taking envelopes, writes the acks it owes, closes the
// connection with a close frame, and gives in-flight work Config.DrainTimeout to finish.
func (b *Bot) Run(ctx context.Context) error {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("auth.test (is SLACK_BOT_TOKEN right?): %w", err)
	}
	b.mu.Lock()
	b.self = identity{userID: auth.UserID, botID: auth.BotID, teamID: auth.TeamID}
	b.mu.Unlock()
	b.log.Info("authenticated", zap.String("team", auth.Team), zap.String("bot_user", auth.UserID))

	// Workers outlive ctx by up to DrainTimeout so that acked work is not thrown away.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var workers sync.WaitGroup
	for range b.cfg.Workers {
		workers.Go(func() {
			for job := range b.jobs {
				job(workCtx)
			}
		})
	}

	tendCtx, stopTend := context.WithCancel(ctx)
	tended := make(chan struct{})
	if b.cfg.Ledger != nil {
		go func() { defer close(tended); b.tend(tendCtx) }()
		// Runs after the workers drained: what they could not finish goes to another replica.
		defer b.releaseUnfinished(context.WithoutCancel(ctx))
	} else {
		close(tended)
	}

	// The connection outlives ctx until the acks owed are written: stopSM, not ctx, ends it.
	smCtx, stopSM := context.WithCancel(context.WithoutCancel(ctx))
	smDone := make(chan error, 1)
	go func() { smDone <- b.sm.RunContext(smCtx) }()

	runErr := b.loop(ctx, smDone)
	b.flushAcks()
	b.sock.stopping.Store(true)
	stopSM()
	stopTend()
	<-tended // tend queues work too: it must stop before the queue closes
	close(b.jobs)
	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(b.cfg.DrainTimeout):
		b.log.Warn("shutdown deadline passed; cancelling in-flight work")
		stopWork()
		<-drained
	}
	if runErr == nil {
		if err := <-smDone; err != nil && !errors.Is(err, context.Canceled) {
			runErr = err
		}
	}
	return runErr
}

func (b *Bot) loop(ctx context.Context, smDone <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-smDone:
			// Only Slack ends the client before stopSM, so this is a failure even during
			// shutdown; returning it also tells Run that smDone was read.
			if r := refusal(err); r != nil {
				return r
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-b.sm.Events:
			if ctx.Err() != nil {
				return nil // both were ready: take no envelope after shutdown began
			}
			b.observe(evt)
			if err := refused(evt); err != nil {
				return err
			}
			b.dispatch(ctx, evt)
		}
	}
}

// enqueue hands work to the pool, or gives up when the bot is shutting down and the pool is
// full. Work already acked must not be lost to a shutdown that begins as it is queued.
func (b *Bot) enqueue(ctx context.Context, job func(context.Context)) {
	select {
	case b.jobs <- job:
		return
	default:
	}
	select {
	case b.jobs <- job:
	case <-ctx.Done():
	}
}

func (b *Bot) identity() identity {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.self
}

// zapPrinter adapts zap to slack-go's Output-style logger, at debug: the library's lines are
// for diagnosing the connection, not for operators.
type zapPrinter struct{ log *zap.Logger }

func (p zapPrinter) Output(_ int, s string) error {
	p.log.Debug(s)
	return nil
}
