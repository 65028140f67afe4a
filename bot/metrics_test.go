package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// running is a bot on an emulator with its metrics in a registry of its own.
type running struct {
	env
	bot  *bot.Bot
	reg  *prometheus.Registry
	stop func() error // cancels Run and returns its result
}

// startWithMetrics is start with a registry and the bot itself in hand; stop ends Run.
func startWithMetrics(t *testing.T) running {
	t.Helper()
	emu := slackemu.New(
		slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")),
		slackemu.WithOnUnknown(func(m string) { t.Errorf("bot called unknown method %s", m) }),
		slackemu.WithPingInterval(200*time.Millisecond),
		slackemu.WithAckTimeout(300*time.Millisecond),
		slackemu.WithRetrySchedule(300*time.Millisecond, 300*time.Millisecond),
	)
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	app := emu.App()
	user := emu.AddUser("alice", "Alice Responder")
	ch := emu.AddChannel("inc-1", user.ID, app.BotUserID)
	reg := prometheus.NewRegistry()
	h := &echo{}
	b, err := bot.New(bot.Config{
		AppToken: bot.Secret(app.AppToken), BotToken: bot.Secret(app.BotToken), APIURL: emu.APIURL(),
		Workers: 4, PingInterval: 2 * time.Second, Metrics: bot.NewMetrics(reg),
	}, h, zaptest.NewLogger(t).Named("bot"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var result error
	stopped := false
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	return running{env: env{emu: emu, app: app, user: user, ch: ch, h: h}, bot: b, reg: reg, stop: stop}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMetricsCountTheExchange drives a reply, a lost ack and its redelivery, a 429 burst, a slash
// command and a reconnect, and checks what each metric says.
func TestMetricsCountTheExchange(t *testing.T) {
	r := startWithMetrics(t)
	waitFor(t, "hello", r.bot.Connected)

	r.emu.RateLimitNext("chat.postMessage", 2, time.Second)
	ts, err := r.emu.Post(r.user.ID, r.ch.ID, "help, api is down")
	if err != nil {
		t.Fatal(err)
	}
	r.waitReply(t, ts)
	// The reply comes back as an event too: its ack must not be the one lost.
	waitFor(t, "every ack written", func() bool { return r.emu.Envelopes().Unacked == 0 })

	r.emu.LoseAcks(1)
	if _, err := r.emu.Post(r.user.ID, r.ch.ID, "just chatting"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the redelivery", func() bool { return r.emu.Envelopes().Redelivered > 0 })

	call, err := r.emu.Command(r.user.ID, r.ch.ID, "/tacoma", "help")
	if err != nil {
		t.Fatal(err)
	}
	waitResponse(t, call)

	r.emu.Disconnect("refresh_requested")
	waitFor(t, "the reconnect", func() bool { return counter(t, r.reg, "tacoma_slack_reconnects_total", nil) == 1 })
	waitFor(t, "the connection back up", r.bot.Connected)
	waitFor(t, "every ack written", func() bool { return r.emu.Envelopes().Unacked == 0 })

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tacoma_slack_envelopes_total", map[string]string{"type": "slash_commands", "redelivered": "false"}, 1},
		{"tacoma_slack_envelopes_total", map[string]string{"type": "events_api", "redelivered": "true"}, 1},
		{"tacoma_slack_duplicates_dropped_total", map[string]string{"kind": "message"}, 1},
		{"tacoma_replies_posted_total", map[string]string{"via": "thread"}, 1},
		{"tacoma_replies_posted_total", map[string]string{"via": "response_url"}, 1},
		{"tacoma_slack_api_calls_total", map[string]string{"method": "chat.postMessage", "result": "ratelimited"}, 2},
		{"tacoma_slack_api_calls_total", map[string]string{"method": "chat.postMessage", "result": "ok"}, 1},
		{"tacoma_slack_api_calls_total", map[string]string{"method": "response_url", "result": "ok"}, 1},
		{"tacoma_slack_rate_limited_total", map[string]string{"method": "chat.postMessage"}, 2},
		{"tacoma_slack_rate_limit_wait_seconds_total", map[string]string{"method": "chat.postMessage"}, 2},
		{"tacoma_slack_reconnects_total", nil, 1},
		{"tacoma_slack_connected", nil, 1},
		{"tacoma_slack_socket_events_total", map[string]string{"type": "hello"}, 2},
	}
	for _, tt := range tests {
		if got := counter(t, r.reg, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	acked := r.emu.Envelopes().Acked
	if got := histogramCount(t, r.reg, "tacoma_slack_ack_seconds"); got < uint64(acked) || got == 0 {
		t.Errorf("tacoma_slack_ack_seconds has %d samples, want one per ack written (%d envelopes acked)", got, acked)
	}
}

// TestShutdownClosesTheSocketCleanly checks that Run ends the connection with a close frame,
// as Slack expects of a client that stops, rather than dropping the TCP stream.
func TestShutdownClosesTheSocketCleanly(t *testing.T) {
	r := startWithMetrics(t)
	ts, _ := r.emu.Post(r.user.ID, r.ch.ID, "help before the shutdown")
	r.waitReply(t, ts)
	if !r.bot.Connected() {
		t.Error("Connected() = false while the connection is up")
	}
	if err := r.stop(); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	waitFor(t, "the emulator to see the close", func() bool {
		c := r.emu.SocketCloses()
		return c.Clean+c.Dropped > 0
	})
	if got, want := r.emu.SocketCloses(), (slackemu.SocketCloses{Clean: 1}); got != want {
		t.Errorf("SocketCloses() = %+v, want %+v", got, want)
	}
	if r.bot.Connected() {
		t.Error("Connected() = true after Run returned")
	}
	if got := counter(t, r.reg, "tacoma_slack_connected", nil); got != 0 {
		t.Errorf("tacoma_slack_connected = %v after Run returned, want 0", got)
	}
}

func counter(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	m := find(t, g, name, labels)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	t.Fatalf("%s is neither a counter nor a gauge", name)
	return 0
}

func histogramCount(t *testing.T, g prometheus.Gatherer, name string) uint64 {
	t.Helper()
	m := find(t, g, name, nil)
	if m == nil || m.Histogram == nil {
		return 0
	}
	return m.Histogram.GetSampleCount()
}

// find returns the series of name whose labels include labels, or nil.
func find(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			return m
		}
	}
	return nil
}
