package handlers

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// Matcher is what the handlers need of the index.
type Matcher interface {
	Search(ctx context.Context, text string, limit int) ([]knowledge.Result, error)
	MatchAlert(ctx context.Context, g *alert.Group, limit int) ([]knowledge.Result, error)
	// Story finds a story of the catalog or of the team's postmortems.
	Story(id string) (*knowledge.Story, error)
	// Learn takes responders' verdicts into ranking.
	Learn(fbs ...knowledge.Feedback) error
	Catalog() *knowledge.Catalog
}

// FeedbackSink keeps responders' verdicts on suggestions.
type FeedbackSink interface {
	RecordFeedback(ctx context.Context, fb knowledge.Feedback) error
}

// Config is how eagerly Tacoma speaks up.
type Config struct {
	// Channels are name patterns (path.Match syntax, such as "inc-*") where Tacoma volunteers
	// suggestions; empty means every channel it is in. @mentions are answered everywhere.
	Channels []string `yaml:"channels"`
	// MaxResults is how many past outages a suggestion shows.
	MaxResults int `yaml:"max_results"`
	// Cooldown is how long Tacoma stays quiet in a thread after suggesting there, unless asked.
	Cooldown time.Duration `yaml:"cooldown"`
}

// DefaultConfig is used for every setting the config file leaves out.
func DefaultConfig() Config {
	return Config{MaxResults: 3, Cooldown: 2 * time.Minute}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	for i, p := range c.Channels {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("suggest.channels[%d]: bad pattern %q: %w", i, p, err))
		}
	}
	if c.MaxResults < 1 || c.MaxResults > 10 {
		errs = append(errs, fmt.Errorf("suggest.max_results: want 1 to 10, got %d", c.MaxResults))
	}
	if c.Cooldown < 0 {
		errs = append(errs, fmt.Errorf("suggest.cooldown: must not be negative, got %s", c.Cooldown))
	}
	return errors.Join(errs...)
}

// Handler answers the bot. Safe for concurrent use.
type Handler struct {
	cfg      Config
	match    Matcher
	feedback FeedbackSink
	log      *zap.Logger
	now      func() time.Time

	pm *Postmortems // nil until UsePostmortems

	mu      sync.Mutex
	threads map[string]*thread // channel + thread ts -> what was said there
}

var _ bot.Handler = (*Handler)(nil)

// thread is what Tacoma remembers of one incident thread.
type thread struct {
	suggested map[string]bool
	lastReply time.Time
	query     string // the message the last suggestion answered
}

// New returns a handler; feedback may be nil, in which case verdicts are only logged.
func New(cfg Config, m Matcher, feedback FeedbackSink, log *zap.Logger) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, match: m, feedback: feedback, log: log, now: time.Now, threads: map[string]*thread{}}, nil
}

// UsePostmortems turns on `/tacoma postmortem`. Call it before the bot runs: the drafter needs the
// bot to read channels, and the bot needs this handler.
func (h *Handler) UsePostmortems(pm *Postmortems) { h.pm = pm }

// maxThreads bounds the threads remembered; past it, threads quiet for threadTTL are forgotten.
const (
	maxThreads = 10000
	threadTTL  = 24 * time.Hour
)

// thread returns what Tacoma said in a thread; a thread it never answered in is not stored, so
// small talk costs no memory. The caller holds h.mu.
func (h *Handler) thread(channel, ts string) *thread {
	if t, ok := h.threads[channel+"/"+ts]; ok {
		return t
	}
	return &thread{suggested: map[string]bool{}}
}

// remember keeps t as the state of a thread Tacoma answered in. The caller holds h.mu.
func (h *Handler) remember(channel, ts string, t *thread) {
	if len(h.threads) >= maxThreads {
		for k, old := range h.threads {
			if h.now().Sub(old.lastReply) > threadTTL {
				delete(h.threads, k)
			}
		}
	}
	h.threads[channel+"/"+ts] = t
}
