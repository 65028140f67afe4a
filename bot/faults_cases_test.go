package bot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

const (
	connLost    = "slack connection lost; reconnecting"
	askedTo     = "slack asked to reconnect"
	noHello     = "no hello from slack; reconnecting"
	noPing      = "no ping from slack; reconnecting"
	openFailed  = "slack connection failed; retrying"
	serverError = "slack server error; retrying"
	rateLimited = "rate limited; waiting"
	busy        = "slack busy; retrying"
	notPosted   = "reply not posted"
	redelivered = "envelope redelivered"
)

func warn(msg string, n int) logLine { return logLine{zapcore.WarnLevel, msg, n} }
func info(msg string, n int) logLine { return logLine{zapcore.InfoLevel, msg, n} }

// TestFaults runs the real bot through one fault per scenario, with messages, a slash command
// and a button click before, during and after it: the bot recovers by itself, answers every
// envelope it acked exactly once, and logs one line per fault.
func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		delay  time.Duration // of the handler
		inject func(e faultEnv)
		opens  int  // apps.connections.open calls by recovery
		lost   bool // the reply to the message sent during the fault is given up
		log    []logLine
		// redelivered bounds the envelopes Slack may redeliver: those in flight on a
		// connection that ended. Elsewhere an ack late or lost is a fault of the bot.
		redelivered int
	}{
		{
			name:        "tcp drop",
			inject:      func(e faultEnv) { e.emu.DropConnections() },
			opens:       2,
			log:         []logLine{warn(connLost, 1)},
			redelivered: 3,
		},
		{
			name:        "refresh_requested",
			inject:      func(e faultEnv) { e.emu.Disconnect("refresh_requested") },
			opens:       2,
			log:         []logLine{info(askedTo, 1)},
			redelivered: 3,
		},
		{
			name:        "warning then close",
			inject:      func(e faultEnv) { e.emu.WarnDisconnect(300 * time.Millisecond) },
			opens:       2,
			log:         []logLine{info(askedTo, 1)},
			redelivered: 3,
		},
		{
			name: "disconnect storm",
			inject: func(e faultEnv) {
				ctx, cancel := context.WithTimeout(context.Background(), faultWait)
				defer cancel()
				for range 5 {
					e.emu.Disconnect("refresh_requested")
					_ = e.emu.WaitConnections(ctx, 1) // recovered() reports a bot that never came back
				}
			},
			opens:       6,
			log:         []logLine{info(askedTo, 5)},
			redelivered: 3,
		},
		{
			name: "no hello",
			inject: func(e faultEnv) {
				e.emu.SkipHello(1)
				e.emu.Disconnect("refresh_requested")
			},
			opens:       3,
			log:         []logLine{info(askedTo, 1), warn(noHello, 1)},
			redelivered: 3,
		},
		{
			name:        "no pings",
			inject:      func(e faultEnv) { e.emu.StopPings() },
			opens:       2,
			log:         []logLine{warn(noPing, 1)},
			redelivered: 3,
		},
		{
			// Each message takes longer than the ack timeout to answer: acks must not wait.
			name:   "slow handler",
			delay:  time.Second,
			inject: func(faultEnv) {},
			opens:  1,
			log:    []logLine{info(redelivered, 0)},
		},
		{
			name: "connections.open 429",
			inject: func(e faultEnv) {
				e.emu.RateLimitNext("apps.connections.open", 1, time.Second)
				e.emu.DropConnections()
			},
			opens:       3,
			log:         []logLine{warn(connLost, 1), warn(openFailed, 1)},
			redelivered: 3,
		},
		{
			name: "connections.open 5xx",
			inject: func(e faultEnv) {
				e.emu.FailNextHTTP("apps.connections.open", http.StatusBadGateway)
				e.emu.FailNextHTTP("apps.connections.open", http.StatusServiceUnavailable)
				e.emu.DropConnections()
			},
			opens:       4,
			log:         []logLine{warn(connLost, 1), warn(openFailed, 2)},
			redelivered: 3,
		},
		{
			name: "connections.open internal_error",
			inject: func(e faultEnv) {
				e.emu.FailNext("apps.connections.open", "internal_error")
				e.emu.DropConnections()
			},
			opens:       3,
			log:         []logLine{warn(connLost, 1), warn(openFailed, 1)},
			redelivered: 3,
		},
		{
			name: "postMessage 5xx",
			inject: func(e faultEnv) {
				e.emu.FailNextHTTP("chat.postMessage", http.StatusInternalServerError)
				e.emu.FailNextHTTP("chat.postMessage", http.StatusServiceUnavailable)
			},
			opens: 1,
			log:   []logLine{info(serverError, 2)},
		},
		{
			// Slack holds the call past the client's timeout; the worker must come free.
			name:   "postMessage timeout",
			inject: func(e faultEnv) { e.emu.DelayNext("chat.postMessage", 5*time.Second) },
			opens:  1,
			lost:   true,
			log:    []logLine{warn(notPosted, 1)},
		},
		{
			name:   "postMessage 429 storm",
			inject: func(e faultEnv) { e.emu.RateLimitNext("chat.postMessage", 4, time.Second) },
			opens:  1,
			log:    []logLine{info(rateLimited, 4)},
		},
		{
			name: "postMessage ratelimited with 200",
			inject: func(e faultEnv) {
				e.emu.FailNext("chat.postMessage", "ratelimited")
				e.emu.FailNext("chat.postMessage", "rate_limited")
			},
			opens: 1,
			log:   []logLine{info(busy, 2)},
		},
		{
			// Slack says part of the call may have happened: posting again could duplicate.
			name:   "postMessage fatal_error",
			inject: func(e faultEnv) { e.emu.FailNext("chat.postMessage", "fatal_error") },
			opens:  1,
			lost:   true,
			log:    []logLine{warn(notPosted, 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _ := startFaulty(t, tt.delay, nil)
			e.recovered(t, 1)
			var s stream
			before := s.message(t, e, "before")
			s.command(t, e, "before")
			s.click(t, e, before)

			tt.inject(e)
			during := s.message(t, e, "during")
			s.command(t, e, "during")

			e.recovered(t, tt.opens)
			after := s.message(t, e, "after")
			s.command(t, e, "after")
			s.click(t, e, after)

			s.answered(t, e, map[string]bool{during: tt.lost})
			checkLog(t, e, tt.log)
			if st := e.emu.Envelopes(); st.Redelivered > tt.redelivered {
				t.Errorf("%d envelopes redelivered, want at most %d: an ack was late or lost", st.Redelivered, tt.redelivered)
			}
		})
	}
}

// TestConnectionsOpenRefused checks that an app-level token Slack refuses for good ends Run
// with an error that names the problem, without retrying and without the token.
func TestConnectionsOpenRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ code string }{
		{"invalid_auth"},
		{"not_allowed_token_type"},
		{"account_inactive"},
		{"token_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			e, stop := startFaulty(t, 0, func(emu *slackemu.Server) {
				for range 10 {
					emu.FailNext("apps.connections.open", tt.code)
				}
			})
			deadline := time.Now().Add(faultWait)
			for e.emu.Calls("apps.connections.open") == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			// A bot that retried would call again within its first backoff, well under this.
			time.Sleep(time.Second)
			err := stop()
			if err == nil || !strings.Contains(err.Error(), tt.code) || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
				t.Errorf("Run() = %v, want an error naming %s and SLACK_APP_TOKEN", err, tt.code)
			}
			if err != nil && (strings.Contains(err.Error(), e.app.AppToken) || strings.Contains(err.Error(), e.app.BotToken)) {
				t.Errorf("Run() = %v, holds a token", err)
			}
			if n := e.emu.Calls("apps.connections.open"); n != 1 {
				t.Errorf("apps.connections.open calls = %d, want 1 (no retry loop)", n)
			}
			checkLog(t, e, []logLine{warn(openFailed, 0)})
		})
	}
}
