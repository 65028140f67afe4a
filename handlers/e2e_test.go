package handlers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

type stack struct {
	bot  *bot.Bot
	idx  *knowledge.Index
	emu  *slackemu.Server
	app  slackemu.App
	user slackemu.User
	chs  []slackemu.Channel
	st   *store.Store
}

// startStack runs the real bot with the real handlers and catalog against the emulator.
func startStack(tb testing.TB, log *zap.Logger, channels int, opts ...slackemu.Option) stack {
	tb.Helper()
	return startStackWith(tb, log, handlers.DefaultConfig(), channels, opts...)
}

// startStackWith is startStack with the handler's config.
func startStackWith(tb testing.TB, log *zap.Logger, cfg handlers.Config, channels int, opts ...slackemu.Option) stack {
	tb.Helper()
	opts = append([]slackemu.Option{slackemu.WithLogger(log.Named("emu")), slackemu.WithOnUnknown(func(m string) { tb.Errorf("unknown method %s", m) })}, opts...)
	emu := slackemu.New(opts...)
	if err := emu.Start(); err != nil {
		tb.Fatal(err)
	}
	app := emu.App()
	user := emu.AddUser("alice", "Alice Responder")
	var chs []slackemu.Channel
	for i := range channels {
		chs = append(chs, emu.AddChannel(fmt.Sprintf("inc-%d", i), user.ID, app.BotUserID))
	}
	f := newFixtureLog(tb, cfg, log.Named("handlers"))
	h, idx, st := f.h, f.idx, f.st
	b, err := bot.New(bot.Config{AppToken: bot.Secret(app.AppToken), BotToken: bot.Secret(app.BotToken), APIURL: emu.APIURL(), Workers: 8}, h, log.Named("bot"))
	if err != nil {
		tb.Fatal(err)
	}
	pm, err := handlers.NewPostmortems(handlers.PostmortemConfig{}, b, idx, st, log.Named("postmortems"))
	if err != nil {
		tb.Fatal(err)
	}
	h.UsePostmortems(pm)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run() = %v", err)
		}
		emu.Close()
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		tb.Fatal(err)
	}
	return stack{bot: b, idx: idx, emu: emu, app: app, user: user, chs: chs, st: st}
}

func (s stack) reply(tb testing.TB, ch, ts string) slackemu.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := s.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.Channel == ch && m.ThreadTS == ts && m.BotID == s.app.BotID })
	if err != nil {
		tb.Fatalf("no reply in %s/%s: %v", ch, ts, err)
	}
	return m
}

func TestEndToEndSuggestionThroughSlack(t *testing.T) {
	s := startStack(t, zaptest.NewLogger(t), 1)
	ch := s.chs[0].ID
	ts, err := s.emu.Post(s.user.ID, ch, "half our outbound calls to the partner api take exactly 1s or 3s to connect since we moved to EKS")
	if err != nil {
		t.Fatal(err)
	}
	m := s.reply(t, ch, ts)
	got, _ := bot.BlocksText(m.Blocks)
	if !strings.Contains(got, "A Kubernetes crime story") && !strings.Contains(got, "The case of the missing packet") {
		t.Errorf("reply does not name the SNAT/EKS stories:\n%s", got)
	}
	for _, want := range []string{"https://engineering.prezi.com/", "[Helpful] [Not relevant]", "Checklist:"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
	small, _ := s.emu.Post(s.user.ID, ch, "thanks all, joining the bridge")
	time.Sleep(300 * time.Millisecond)
	if n := len(s.emu.Replies(ch, small)); n != 0 {
		t.Errorf("small talk got %d replies", n)
	}
}

// BenchmarkMessageToReply measures a responder's message to Tacoma's threaded reply through the
// emulator, sequentially: p50/p99 in the metrics.
func BenchmarkMessageToReply(b *testing.B) {
	s := startStack(b, zap.NewNop(), 1, slackemu.WithRateLimits(map[string]slackemu.Limit{"chat.postMessage": {}}))
	ch := s.chs[0].ID
	msgs := []string{
		"coredns pods OOMKilled, dns lookups time out",
		"p99 went up but CPU is at 30%, pods throttled",
		"nodes flapping NotReady after the api server ELB changed IPs",
		"502 errors from the ingress during every rolling deploy while old pods terminate",
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ts, err := s.emu.Post(s.user.ID, ch, msgs[i%len(msgs)])
		if err != nil {
			b.Fatal(err)
		}
		s.reply(b, ch, ts)
		lat = append(lat, time.Since(start))
	}
	report(b, lat)
}

// BenchmarkBurst100 posts 100 failure messages at once across 10 channels (Slack limits
// chat.postMessage to about one a second per channel) and measures until every reply is posted.
func BenchmarkBurst100(b *testing.B) {
	s := startStack(b, zap.NewNop(), 10)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var threads [][2]string
		for j := range 100 {
			ch := s.chs[j%len(s.chs)].ID
			ts, err := s.emu.Post(s.user.ID, ch, fmt.Sprintf("coredns OOMKilled and dns lookups time out, attempt %d-%d", i, j))
			if err != nil {
				b.Fatal(err)
			}
			threads = append(threads, [2]string{ch, ts})
		}
		// Counting the emulator's postMessage calls keeps the harness's own cost out of the figure.
		for s.emu.Calls("chat.postMessage") < 100*(i+1) {
			if time.Since(start) > time.Minute {
				b.Fatalf("%d of 100 replies after a minute", s.emu.Calls("chat.postMessage")-100*i)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		for _, th := range threads {
			if n := len(s.emu.Replies(th[0], th[1])); n != 1 {
				b.Fatalf("thread %s has %d replies, want 1", th[1], n)
			}
		}
		b.StartTimer()
	}
	report(b, lat)
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
