package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tacoma-bot/tacoma/bot"
)

var errUnauthorized = errors.New("unauthorized")

// checkAlertmanager accepts a bearer token or basic credentials from Alertmanager's http_config;
// compares are constant-time. Alertmanager cannot sign bodies (prometheus/alertmanager#4248).
func checkAlertmanager(r *http.Request, s AlertSecrets) error {
	if len(s.AlertmanagerTokens) == 0 && len(s.AlertmanagerBasic) == 0 {
		return errors.New("no Alertmanager credentials are configured: set TACOMA_ALERTMANAGER_TOKENS or TACOMA_ALERTMANAGER_BASIC_AUTH")
	}
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		if anyEqual(cred, s.AlertmanagerTokens) {
			return nil
		}
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err == nil && anyEqual(string(raw), s.AlertmanagerBasic) {
			return nil
		}
	}
	return errUnauthorized
}

func anyEqual(got string, want []bot.Secret) bool {
	ok := 0
	for _, w := range want {
		ok |= subtle.ConstantTimeCompare([]byte(got), []byte(w.Reveal()))
	}
	return ok == 1
}

// checkGrafana verifies X-Grafana-Alerting-Signature: lowercase hex HMAC-SHA256 of the body, or
// of "ts:body" when Grafana sends a timestamp header, which must then be inside the replay window.
func checkGrafana(r *http.Request, body []byte, s AlertSecrets, cfg AlertsConfig, now time.Time) error {
	if len(s.Grafana) == 0 {
		return errors.New("no Grafana signing secret is configured: set TACOMA_GRAFANA_SECRETS")
	}
	sig, err := hex.DecodeString(strings.TrimSpace(r.Header.Get("X-Grafana-Alerting-Signature")))
	if err != nil || len(sig) != sha256.Size {
		return errUnauthorized
	}
	msg := body
	if ts := r.Header.Get(cfg.GrafanaTimestampHeader); ts != "" {
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return errUnauthorized
		}
		if d := now.Sub(time.Unix(sec, 0)); d > cfg.ReplayWindow || d < -cfg.ReplayWindow {
			return errors.New("stale signature timestamp: outside the replay window")
		}
		msg = append([]byte(ts+":"), body...)
	}
	if macMatches(msg, [][]byte{sig}, s.Grafana) {
		return nil
	}
	return errUnauthorized
}

// checkPagerDuty verifies X-PagerDuty-Signature: one "v1=<hex>" entry per active secret, any of
// which may match (https://developer.pagerduty.com/docs/ZG9jOjExMDI5NTkz-verifying-signatures).
func checkPagerDuty(r *http.Request, body []byte, s AlertSecrets) error {
	if len(s.PagerDuty) == 0 {
		return errors.New("no PagerDuty signing secret is configured: set TACOMA_PAGERDUTY_SECRETS")
	}
	var sigs [][]byte
	for _, part := range strings.Split(r.Header.Get("X-PagerDuty-Signature"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1="); ok {
			if sig, err := hex.DecodeString(v); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	if macMatches(body, sigs, s.PagerDuty) {
		return nil
	}
	return errUnauthorized
}

func macMatches(msg []byte, sigs [][]byte, secrets []bot.Secret) bool {
	for _, key := range secrets {
		mac := hmac.New(sha256.New, []byte(key.Reveal()))
		mac.Write(msg)
		want := mac.Sum(nil)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return true
			}
		}
	}
	return false
}
