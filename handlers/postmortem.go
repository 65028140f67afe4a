package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// Slack is what drafting a postmortem needs of the chat: read a channel, name people, share a
// file, and show progress in a message it updates.
type Slack interface {
	History(ctx context.Context, channelID, oldest string, progress func(read int)) ([]bot.Message, error)
	UserName(ctx context.Context, userID string) (string, error)
	Upload(ctx context.Context, channelID, threadTS, filename string, content []byte, comment string) (string, error)
	Download(ctx context.Context, f bot.File, max int64) ([]byte, error)
	Post(ctx context.Context, channel string, r *bot.Reply) (channelID, ts string, err error)
	Update(ctx context.Context, channelID, ts string, r *bot.Reply) error
}

// PostmortemStore keeps drafts and finished postmortems.
type PostmortemStore interface {
	SavePostmortem(ctx context.Context, p *postmortem.Postmortem) error
	Postmortem(ctx context.Context, id string) (*postmortem.Postmortem, error)
	LatestPostmortem(ctx context.Context, channel string) (*postmortem.Postmortem, error)
	Feedback(ctx context.Context, channel string) ([]knowledge.Feedback, error)
}

// Library is what postmortems need of the index: finished ones are matched from then on.
type Library interface {
	Matcher
	Add(stories ...*knowledge.Story) error
}

// PostmortemConfig is how drafts are written.
type PostmortemConfig struct {
	// Template is the template a draft uses unless the command names one.
	Template string `yaml:"template"`
	// TemplatesDir holds custom `*.md.tmpl` templates beside the built-in ones.
	TemplatesDir string `yaml:"templates_dir"`
	// TimeZone is the IANA zone times are written in; UTC by default.
	TimeZone string `yaml:"time_zone"`
}

// Postmortems drafts, finishes and keeps postmortems. Safe for concurrent use.
type Postmortems struct {
	slack     Slack
	lib       Library
	store     PostmortemStore
	templates *postmortem.Templates
	def       string
	loc       *time.Location
	log       *zap.Logger
	now       func() time.Time
	metrics   *Metrics // nil until UseMetrics

	mu       sync.Mutex
	drafting map[string]bool // channels being drafted now: one draft at a time per channel
}

// Sizes and paces of drafting.
const (
	maxUploadBytes   = 1 << 20
	progressInterval = 2 * time.Second
	similarFromIndex = 3
)

// NewPostmortems checks the config (template name, time zone, custom templates) and returns the
// drafter.
func NewPostmortems(cfg PostmortemConfig, slack Slack, lib Library, store PostmortemStore, log *zap.Logger) (*Postmortems, error) {
	tpl, err := postmortem.LoadTemplates(cfg.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("postmortem.templates_dir: %w", err)
	}
	def := cfg.Template
	if def == "" {
		def = tpl.Default()
	}
	if _, err := tpl.Render(def, &postmortem.Postmortem{Title: "check"}, time.UTC); err != nil {
		return nil, fmt.Errorf("postmortem.template: %w", err)
	}
	loc := time.UTC
	if cfg.TimeZone != "" {
		if loc, err = time.LoadLocation(cfg.TimeZone); err != nil {
			return nil, fmt.Errorf("postmortem.time_zone: %w", err)
		}
	}
	return &Postmortems{slack: slack, lib: lib, store: store, templates: tpl, def: def, loc: loc, log: log, now: time.Now, drafting: map[string]bool{}}, nil
}

// command answers `/tacoma postmortem [TEMPLATE|done|templates]`.
func (pm *Postmortems) command(ctx context.Context, c bot.Command, args []string) (*bot.Reply, error) {
	sub := ""
	if len(args) > 0 {
		sub = strings.ToLower(args[0])
	}
	switch sub {
	case "done", "final", "finish":
		return pm.finish(ctx, c)
	case "templates", "list":
		return textReply(fmt.Sprintf("Postmortem templates: %s (default `%s`). Custom ones are `*.md.tmpl` files in the templates folder of the config.", codeList(pm.templates.Names()), pm.def)), nil
	case "":
		sub = pm.def
	}
	if len(args) > 1 {
		return textReply(fmt.Sprintf("`%s postmortem` takes one template name, got `%s`.", c.Command, strings.Join(args, " "))), nil
	}
	if _, err := pm.templates.Render(sub, &postmortem.Postmortem{Title: "check"}, pm.loc); err != nil {
		var unknown *postmortem.UnknownTemplateError
		if errors.As(err, &unknown) {
			return textReply(fmt.Sprintf("No postmortem template `%s`. Available: %s.", sub, codeList(unknown.Available))), nil
		}
		return nil, err
	}
	if !pm.claim(c.Channel) {
		return textReply("A postmortem draft of this channel is already being written; it will appear here shortly."), nil
	}
	defer pm.release(c.Channel)
	return pm.draft(ctx, c, sub)
}

func (pm *Postmortems) claim(channel string) bool {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if pm.drafting[channel] {
		return false
	}
	pm.drafting[channel] = true
	return true
}

func (pm *Postmortems) release(channel string) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	delete(pm.drafting, channel)
}

func codeList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

// Validate loads the templates and the time zone, reporting every problem at once.
func (c PostmortemConfig) Validate() error {
	var errs []error
	tpl, err := postmortem.LoadTemplates(c.TemplatesDir)
	if err != nil {
		errs = append(errs, fmt.Errorf("postmortem.templates_dir: %w", err))
	} else if c.Template != "" && !slices.Contains(tpl.Names(), c.Template) {
		errs = append(errs, fmt.Errorf("postmortem.template: no template %q; available: %s", c.Template, strings.Join(tpl.Names(), ", ")))
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("postmortem.time_zone: %w", err))
	}
	return errors.Join(errs...)
}
