package handlers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tacoma-bot/tacoma/bot"
)

// AlertsConfig is where alerts go and how the receivers behave. Credentials are not here: they
// come from the environment (AlertSecrets).
type AlertsConfig struct {
	// Listen is the address of the webhook receivers; TACOMA_HTTP_ADDR overrides it.
	Listen string `yaml:"listen"`
	// Channel receives every alert no route claims; TACOMA_ALERTS_CHANNEL overrides it.
	Channel string       `yaml:"channel"`
	Routes  []AlertRoute `yaml:"routes"`
	// MaxBody bounds a request body in bytes; larger ones get 413. PagerDuty sends at most
	// 256 KB; Alertmanager and Grafana grow with max_alerts.
	MaxBody int64 `yaml:"max_body"`
	// GrafanaTimestampHeader is the header Grafana's webhook sends the signing time in; when it
	// is present the signature covers "ts:body" and ts must be within ReplayWindow.
	GrafanaTimestampHeader string        `yaml:"grafana_timestamp_header"`
	ReplayWindow           time.Duration `yaml:"replay_window"`
	// TLS serves the receivers over HTTPS, optionally requiring client certificates.
	TLS TLSConfig `yaml:"tls"`
}

// AlertRoute sends alert groups whose labels equal every Match entry to Channel. Routes are
// tried in order; the first match wins.
type AlertRoute struct {
	Match   map[string]string `yaml:"match"`
	Channel string            `yaml:"channel"`
}

// DefaultAlertsConfig is used for every setting the config file leaves out.
func DefaultAlertsConfig() AlertsConfig {
	return AlertsConfig{Listen: ":8080", MaxBody: 4 << 20, GrafanaTimestampHeader: "X-Grafana-Alerting-Timestamp", ReplayWindow: 5 * time.Minute}
}

// Validate reports every problem at once.
func (c AlertsConfig) Validate() error {
	var errs []error
	if c.Listen == "" {
		errs = append(errs, errors.New("alerts.listen: required, such as :8080"))
	}
	if c.MaxBody < 1024 || c.MaxBody > 64<<20 {
		errs = append(errs, fmt.Errorf("alerts.max_body: want 1 KiB to 64 MiB in bytes, got %d", c.MaxBody))
	}
	if c.ReplayWindow <= 0 {
		errs = append(errs, fmt.Errorf("alerts.replay_window: must be positive, got %s", c.ReplayWindow))
	}
	if c.TLS.Enabled() {
		if _, err := c.TLS.ServerConfig(); err != nil {
			errs = append(errs, err)
		}
	}
	for i, r := range c.Routes {
		if len(r.Match) == 0 {
			errs = append(errs, fmt.Errorf("alerts.routes[%d].match: at least one label is required", i))
		}
		if strings.TrimSpace(r.Channel) == "" {
			errs = append(errs, fmt.Errorf("alerts.routes[%d].channel: required", i))
		}
	}
	return errors.Join(errs...)
}

// AlertSecrets are the credentials each sender must present. Several values per sender let a
// secret be rotated without downtime.
type AlertSecrets struct {
	AlertmanagerTokens []bot.Secret // Authorization: Bearer; TACOMA_ALERTMANAGER_TOKENS
	AlertmanagerBasic  []bot.Secret // "user:password"; TACOMA_ALERTMANAGER_BASIC_AUTH
	Grafana            []bot.Secret // HMAC keys; TACOMA_GRAFANA_SECRETS
	PagerDuty          []bot.Secret // HMAC keys; TACOMA_PAGERDUTY_SECRETS
}

// AlertSecretsFromEnv reads the comma-separated credential lists from the environment.
func AlertSecretsFromEnv(getenv func(string) string) AlertSecrets {
	list := func(name string) []bot.Secret {
		var out []bot.Secret
		for _, v := range strings.Split(getenv(name), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, bot.Secret(v))
			}
		}
		return out
	}
	return AlertSecrets{
		AlertmanagerTokens: list("TACOMA_ALERTMANAGER_TOKENS"),
		AlertmanagerBasic:  list("TACOMA_ALERTMANAGER_BASIC_AUTH"),
		Grafana:            list("TACOMA_GRAFANA_SECRETS"),
		PagerDuty:          list("TACOMA_PAGERDUTY_SECRETS"),
	}
}

// Validate checks the shape of the credentials without printing them.
func (s AlertSecrets) Validate() error {
	var errs []error
	for i, b := range s.AlertmanagerBasic {
		if u, p, ok := strings.Cut(b.Reveal(), ":"); !ok || u == "" || p == "" {
			errs = append(errs, fmt.Errorf("TACOMA_ALERTMANAGER_BASIC_AUTH: entry %d: want user:password", i+1))
		}
	}
	return errors.Join(errs...)
}
