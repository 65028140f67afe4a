package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
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

	idx, err := openIndex(c.Catalog.Dirs)
	if err != nil {
		return err
	}
	defer idx.Close()
	fb, err := knowledge.OpenFeedbackLog(filepath.Join(c.DataDir, "feedback.jsonl"))
	if err != nil {
		return err
	}
	defer fb.Close()
	h, err := handlers.New(c.Suggest, idx, fb, log.Named("handlers"))
	if err != nil {
		return err
	}
	if !slackMode {
		return playground(ctx, e, c, h, idx, log)
	}
	b, err := bot.New(c.botConfig(), h, log.Named("bot"))
	if err != nil {
		return err
	}
	log.Info("starting", zap.Int("stories", len(idx.Catalog().Stories())), zap.String("api_url", c.Slack.APIURL))
	return b.Run(ctx)
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
