package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
)

// config is the whole configuration: the YAML file, then the environment for secrets and the
// settings deployments change most.
type config struct {
	Slack      slackConfig               `yaml:"slack"`
	Suggest    handlers.Config           `yaml:"suggest"`
	Alerts     handlers.AlertsConfig     `yaml:"alerts"`
	Catalog    catalogConfig             `yaml:"catalog"`
	Postmortem handlers.PostmortemConfig `yaml:"postmortem"`
	Store      storeConfig               `yaml:"store"`
	DataDir    string                    `yaml:"data_dir"`
	Log        logConfig                 `yaml:"log"`

	appToken, botToken bot.Secret
	dsnPasswordInFile  bool // store.dsn in the file carries a password: refused
	alertSecrets       handlers.AlertSecrets
	file               string // where it was read from; empty for defaults
}

type slackConfig struct {
	APIURL  string `yaml:"api_url"`
	Workers int    `yaml:"workers"`
}

type catalogConfig struct {
	Dirs []string `yaml:"dirs"`
}

// storeConfig says where postmortems and feedback are kept: SQLite in the data folder unless a
// PostgreSQL DSN is given, which several replicas then share.
type storeConfig struct {
	DSN string `yaml:"dsn"`
}

type logConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

func defaultConfig() config {
	return config{
		Slack:   slackConfig{APIURL: bot.DefaultAPIURL, Workers: 8},
		Suggest: handlers.DefaultConfig(),
		Alerts:  handlers.DefaultAlertsConfig(),
		DataDir: "tacoma-data",
		Log:     logConfig{Level: "info", Format: "json"},
	}
}

// loadConfig reads path (none: defaults only) and the environment. Decoding is strict: an
// unknown key is an error, not a silent default. Relative paths resolve against the file's folder.
func loadConfig(path string, getenv func(string) string) (config, error) {
	c := defaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file, all defaults
			return c, knowledge.ExplainYAML(path, data, err)
		}
		c.file = path
		base := filepath.Dir(path)
		for i, d := range c.Catalog.Dirs {
			c.Catalog.Dirs[i] = resolve(base, d)
		}
		c.DataDir = resolve(base, c.DataDir)
		c.Postmortem.TemplatesDir = resolve(base, c.Postmortem.TemplatesDir)
		t := &c.Alerts.TLS
		t.CertFile, t.KeyFile, t.ClientCAFile = resolve(base, t.CertFile), resolve(base, t.KeyFile), resolve(base, t.ClientCAFile)
	}
	c.appToken = bot.Secret(getenv("SLACK_APP_TOKEN"))
	c.botToken = bot.Secret(getenv("SLACK_BOT_TOKEN"))
	if u := getenv("TACOMA_SLACK_API_URL"); u != "" {
		c.Slack.APIURL = u
	}
	if d := getenv("TACOMA_DATA_DIR"); d != "" {
		c.DataDir = d
	}
	if a := getenv("TACOMA_HTTP_ADDR"); a != "" {
		c.Alerts.Listen = a
	}
	if ch := getenv("TACOMA_ALERTS_CHANNEL"); ch != "" {
		c.Alerts.Channel = ch
	}
	c.dsnPasswordInFile = dsnHasPassword(c.Store.DSN)
	if dsn := getenv("TACOMA_DATABASE_URL"); dsn != "" {
		c.Store.DSN = dsn // a DSN holds a password: from a Secret, not the config file
	}
	c.alertSecrets = handlers.AlertSecretsFromEnv(getenv)
	return c, nil
}

func resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// slackEnabled reports whether any Slack token is set: then the bot connects to Slack, and a
// missing or wrong token is an error rather than a reason to start the playground.
func (c config) slackEnabled() bool { return c.appToken != "" || c.botToken != "" }

func (c config) botConfig() bot.Config {
	return bot.Config{AppToken: c.appToken, BotToken: c.botToken, APIURL: c.Slack.APIURL, Workers: c.Slack.Workers}
}

// validate lists every problem at once; slack says whether the Slack settings must be complete.
func (c config) validate(slack bool) error {
	var errs []error
	if slack {
		errs = append(errs, c.botConfig().Validate())
	} else if c.Slack.Workers < 1 || c.Slack.Workers > 256 {
		errs = append(errs, fmt.Errorf("slack.workers: want 1 to 256, got %d", c.Slack.Workers))
	}
	errs = append(errs, c.Suggest.Validate(), c.Alerts.Validate(), c.alertSecrets.Validate())
	if c.alertsEnabled() && c.Alerts.Channel == "" {
		errs = append(errs, errors.New("alerts.channel: required when alert credentials are set (or TACOMA_ALERTS_CHANNEL): where alerts no route claims go"))
	}
	for i, d := range c.Catalog.Dirs {
		if info, err := os.Stat(d); err != nil || !info.IsDir() {
			errs = append(errs, fmt.Errorf("catalog.dirs[%d]: %q is not a folder", i, d))
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data_dir: required"))
	}
	errs = append(errs, c.Postmortem.Validate())
	if c.dsnPasswordInFile {
		errs = append(errs, errors.New("store.dsn: holds a password; set TACOMA_DATABASE_URL from a Secret instead and leave store.dsn out of the file"))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: want debug, info, warn or error, got %q", c.Log.Level))
	}
	switch c.Log.Format {
	case "json", "console":
	default:
		errs = append(errs, fmt.Errorf("log.format: want json or console, got %q", c.Log.Format))
	}
	return errors.Join(errs...)
}

// alertsEnabled reports whether any sender's credentials are set, so alerts can be accepted.
func (c config) alertsEnabled() bool {
	s := c.alertSecrets
	return len(s.AlertmanagerTokens)+len(s.AlertmanagerBasic)+len(s.Grafana)+len(s.PagerDuty) > 0
}

// storeDSN is the PostgreSQL DSN when one is set, else the SQLite file in the data folder.
func (c config) storeDSN() string {
	if c.Store.DSN != "" {
		return c.Store.DSN
	}
	return filepath.Join(c.DataDir, "tacoma.db")
}

// dsnHasPassword reports whether a PostgreSQL DSN (URL or key=value form) carries a password.
func dsnHasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return true
		}
	}
	for _, f := range strings.Fields(dsn) {
		if strings.HasPrefix(strings.ToLower(f), "password=") {
			return true
		}
	}
	return false
}
