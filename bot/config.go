package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is Slack's Web API. GovSlack, proxies and the emulator need another one.
const DefaultAPIURL = "https://slack.com/api/"

// DefaultAPITimeout bounds a Web API request unless Config.APITimeout says otherwise: the
// timeout of Slack's own Python SDK (slack_sdk WebClient), far above Slack's usual answer.
const DefaultAPITimeout = 30 * time.Second

// Config is what the bot needs to reach Slack. Tokens come from the environment, never from
// the config file.
type Config struct {
	AppToken Secret // xapp-: opens Socket Mode connections
	BotToken Secret // xoxb-: Web API calls
	APIURL   string // with a trailing slash
	// Workers bounds how many envelopes are handled at once; the loop itself only acks.
	Workers int
	// PingInterval is how long the client waits for Slack's pings before it reconnects.
	PingInterval time.Duration
	// Ledger, when set, shares accepted work with other replicas (see Ledger).
	Ledger Ledger
	// DrainTimeout is how long acked work may finish after Run's context ends; zero means
	// DefaultDrainTimeout.
	DrainTimeout time.Duration
	// APITimeout bounds one Web API request, apps.connections.open included; zero means
	// DefaultAPITimeout.
	APITimeout time.Duration
	// Metrics, when set, counts what the bot exchanges with Slack.
	Metrics *Metrics
}

// Validate reports every problem at once, each with the setting it concerns.
func (c Config) Validate() error {
	var errs []error
	if c.AppToken == "" {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: required (an app-level token, xapp-...)"))
	} else if !strings.HasPrefix(c.AppToken.Reveal(), "xapp-") {
		errs = append(errs, fmt.Errorf("SLACK_APP_TOKEN: must start with \"xapp-\" (an app-level token with connections:write), got %s", tokenKind(c.AppToken)))
	}
	if c.BotToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: required (a bot token, xoxb-...)"))
	} else if !strings.HasPrefix(c.BotToken.Reveal(), "xoxb-") {
		errs = append(errs, fmt.Errorf("SLACK_BOT_TOKEN: must start with \"xoxb-\" (the bot user OAuth token), got %s", tokenKind(c.BotToken)))
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TACOMA_SLACK_API_URL: want an absolute http(s) URL such as %s, got %q", DefaultAPIURL, c.APIURL))
	} else if !strings.HasSuffix(c.APIURL, "/") {
		errs = append(errs, fmt.Errorf("TACOMA_SLACK_API_URL: must end with \"/\" (slack-go appends method names), got %q", c.APIURL))
	}
	if c.Workers < 1 || c.Workers > 256 {
		errs = append(errs, fmt.Errorf("slack.workers: want 1 to 256, got %d", c.Workers))
	}
	return errors.Join(errs...)
}

// tokenKind names a token by its prefix, never printing the token itself.
func tokenKind(s Secret) string {
	v := s.Reveal()
	for _, p := range []string{"xapp-", "xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxr-"} {
		if strings.HasPrefix(v, p) {
			return "a " + p + " token"
		}
	}
	return "a value of another kind"
}
