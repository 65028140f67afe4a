package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// reader is a bot that reads channels of an emulator without running its Socket Mode loop.
type reader struct {
	emu   *slackemu.Server
	bot   *bot.Bot
	users []slackemu.User
	ch    slackemu.Channel
}

// newReader starts an emulator with two people and #inc-1 (both and the bot), and a bot
// for it; both close when the test ends.
func newReader(tb testing.TB, opts ...slackemu.Option) reader {
	tb.Helper()
	log := zap.NewNop()
	if t, ok := tb.(*testing.T); ok {
		log = zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	}
	emu := slackemu.New(append([]slackemu.Option{
		slackemu.WithLogger(log.Named("emu")),
		slackemu.WithOnUnknown(func(m string) { tb.Errorf("bot called unknown method %s", m) }),
	}, opts...)...)
	if err := emu.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { emu.Close() })
	app := emu.App()
	users := []slackemu.User{emu.AddUser("alice", "Alice Responder"), emu.AddUser("bob", "Bob Oncall")}
	ch := emu.AddChannel("inc-1", users[0].ID, users[1].ID, app.BotUserID)
	b, err := bot.New(bot.Config{AppToken: bot.Secret(app.AppToken), BotToken: bot.Secret(app.BotToken), APIURL: emu.APIURL(), Workers: 1}, &echo{}, log.Named("bot"))
	if err != nil {
		tb.Fatal(err)
	}
	return reader{emu: emu, bot: b, users: users, ch: ch}
}

// posted is a message as a test scripted it.
type posted struct{ TS, ThreadTS string }

// incident scripts total messages into #inc-1 over the two hours before the last one,
// oldest first: threads of perThread replies each, started by evenly spread top-level
// messages, their replies taking every third slot in turn, among later top-level ones.
func (r reader) incident(tb testing.TB, total, threads, perThread int) []posted {
	tb.Helper()
	type thread struct {
		ts   string
		left int
	}
	top := total - threads*perThread
	every := top / threads
	step := 2 * time.Hour / time.Duration(total)
	base := time.Now().Add(-3 * time.Hour)
	var open []*thread
	var out []posted
	topPosted, opened := 0, 0
	for k := 0; len(out) < total; k++ {
		at := slackemu.At(base.Add(time.Duration(k) * step))
		user := r.users[k%2].ID
		if len(open) > 0 && (k%3 == 2 || topPosted == top) {
			th := open[0]
			open = open[1:]
			ts, err := r.emu.Post(user, r.ch.ID, fmt.Sprintf("update %d", k), slackemu.InThread(th.ts), at)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, posted{TS: ts, ThreadTS: th.ts})
			if th.left--; th.left > 0 {
				open = append(open, th)
			}
			continue
		}
		ts, err := r.emu.Post(user, r.ch.ID, fmt.Sprintf("message %d", k), at)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, posted{TS: ts})
		if topPosted%every == 0 && opened < threads {
			open = append(open, &thread{ts: ts, left: perThread})
			opened++
		}
		topPosted++
	}
	return out
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestHistoryReadsThreadsInOrder(t *testing.T) {
	tests := []struct {
		name                       string
		total, threads, perThread  int
		wantPages, wantThreadCalls int
	}{
		// 700 top-level messages take 4 pages of 200; each thread fits in one call.
		{name: "1000 messages, 30 threads", total: 1000, threads: 30, perThread: 10, wantPages: 4, wantThreadCalls: 30},
		// The parent and 450 replies take 3 pages of replies.
		{name: "one long thread", total: 460, threads: 1, perThread: 450, wantPages: 1, wantThreadCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t)
			want := r.incident(t, tt.total, tt.threads, tt.perThread)
			var progress []int
			msgs, err := r.bot.History(ctxFor(t), r.ch.ID, "", func(n int) { progress = append(progress, n) })
			if err != nil {
				t.Fatalf("History() = %v", err)
			}
			got := make([]posted, 0, len(msgs))
			replies := map[string]int{}
			for _, m := range msgs {
				got = append(got, posted{TS: m.TS, ThreadTS: m.ThreadTS})
				replies[m.TS] = m.ReplyCount
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("History() ts and thread_ts, oldest first (-want +got):\n%s", diff)
			}
			threads := 0
			for _, p := range want {
				if p.ThreadTS != "" && replies[p.ThreadTS] != tt.perThread {
					t.Errorf("parent %s ReplyCount = %d, want %d", p.ThreadTS, replies[p.ThreadTS], tt.perThread)
				}
				if replies[p.TS] > 0 {
					threads++
				}
			}
			pages, threadCalls := r.emu.Calls("conversations.history"), r.emu.Calls("conversations.replies")
			if threads != tt.threads || pages != tt.wantPages || threadCalls != tt.wantThreadCalls {
				t.Errorf("%d threads read with %d history pages and %d replies calls, want %d, %d and %d",
					threads, pages, threadCalls, tt.threads, tt.wantPages, tt.wantThreadCalls)
			}
			if len(progress) != pages+threadCalls || progress[len(progress)-1] != tt.total || !slices.IsSorted(progress) || progress[0] == progress[len(progress)-1] {
				t.Errorf("progress = %v, want one growing count per page (%d pages), %d last", progress, pages+threadCalls, tt.total)
			}
		})
	}
}

func TestHistoryWaitsOutFaults(t *testing.T) {
	tests := []struct {
		name   string
		method string
		inject func(*slackemu.Server, string)
	}{
		{"429 on history", "conversations.history", func(s *slackemu.Server, m string) { s.RateLimitNext(m, 1, time.Second) }},
		{"429 on replies", "conversations.replies", func(s *slackemu.Server, m string) { s.RateLimitNext(m, 1, time.Second) }},
		{"500 on history", "conversations.history", func(s *slackemu.Server, m string) { s.FailNextHTTP(m, http.StatusInternalServerError) }},
		{"500 on replies", "conversations.replies", func(s *slackemu.Server, m string) { s.FailNextHTTP(m, http.StatusInternalServerError) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t)
			want := r.incident(t, 12, 1, 3)
			tt.inject(r.emu, tt.method)
			msgs, err := r.bot.History(ctxFor(t), r.ch.ID, "", nil)
			if err != nil || len(msgs) != len(want) {
				t.Fatalf("History() = %d messages, %v, want %d", len(msgs), err, len(want))
			}
			if got := r.emu.Calls(tt.method); got != 2 {
				t.Errorf("%s called %d times, want 2: the failed call and its retry", tt.method, got)
			}
		})
	}
}

func TestHistoryRefusesChannelsWithoutTheBot(t *testing.T) {
	r := newReader(t)
	public := r.emu.AddChannel("random", r.users[0].ID)
	private := r.emu.AddPrivateChannel("leads", r.users[0].ID)
	tests := []struct {
		name    string
		channel string
		wantIs  error
		want    string
	}{
		{name: "public", channel: public.ID, wantIs: bot.ErrNotInChannel, want: "/invite"},
		{name: "private", channel: private.ID, want: "channel_not_found"},
	}
	for _, tt := range tests {
		msgs, err := r.bot.History(ctxFor(t), tt.channel, "", nil)
		if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) || !strings.Contains(err.Error(), tt.want) || msgs != nil {
			t.Errorf("%s: History() = %v, %v, want an error is %v saying %q", tt.name, msgs, err, tt.wantIs, tt.want)
		}
	}
}

func TestHistoryOldest(t *testing.T) {
	r := newReader(t)
	all := r.incident(t, 40, 2, 5)
	// Bound the read just after the first reply: the rest of that thread is after the
	// bound, but its parent is not, so, as documented, History does not find it.
	from := 0
	for all[from].ThreadTS == "" {
		from++
	}
	from++
	var want []posted
	skipped := 0
	for _, p := range all[from:] {
		if p.ThreadTS != "" && p.ThreadTS < all[from].TS {
			skipped++
			continue
		}
		want = append(want, p)
	}
	msgs, err := r.bot.History(ctxFor(t), r.ch.ID, all[from].TS, nil)
	if err != nil {
		t.Fatalf("History() = %v", err)
	}
	var got []posted
	for _, m := range msgs {
		got = append(got, posted{TS: m.TS, ThreadTS: m.ThreadTS})
	}
	if diff := cmp.Diff(want, got); diff != "" || skipped == 0 {
		t.Errorf("History(oldest %s), %d replies under an older parent (-want +got):\n%s", all[from].TS, skipped, diff)
	}
}

// seen is what TestHistoryFields checks of each message.
type seen struct {
	Text, User, BotName string
	Reply, Own, Edited  bool
	Mention             bool
	ReplyCount          int
	Buttons             []bot.Button
	Files               []string
	ChannelName         string
}

func TestHistoryFields(t *testing.T) {
	r := newReader(t)
	ctx := ctxFor(t)
	alice := r.users[0].ID
	if _, err := r.emu.Post(alice, r.ch.ID, "deploy started"); err != nil {
		t.Fatal(err)
	}
	suggestion := &bot.Reply{Text: "Similar: DNS outage", Sections: []bot.Section{{
		Title: "DNS outage 2024", Buttons: []bot.Button{{Text: "Helpful", ActionID: "tacoma_helpful", Value: "inc-42", Style: "primary"}},
	}}}
	chID, ts, err := r.bot.Post(ctx, r.ch.ID, suggestion)
	if err != nil {
		t.Fatal(err)
	}
	suggestion.Text = "Similar: DNS outage (seen)"
	if err := r.bot.Update(ctx, chID, ts, suggestion); err != nil {
		t.Fatal(err)
	}
	if _, err := r.emu.Post(alice, r.ch.ID, "<@"+r.emu.App().BotUserID+"> is it DNS?", slackemu.InThread(ts)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.emu.UploadAsUser(alice, r.ch.ID, "latency.png", []byte("\x89PNG"), "p99 graph"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.emu.PostAsBot("alertmanager", r.ch.ID, "[FIRING:1] HighLatency", nil); err != nil {
		t.Fatal(err)
	}
	msgs, err := r.bot.History(ctx, r.ch.ID, "", nil)
	if err != nil {
		t.Fatalf("History() = %v", err)
	}
	var got []seen
	for _, m := range msgs {
		s := seen{Text: m.Text, User: m.User, BotName: m.BotName, Reply: m.ThreadTS != "", Own: m.Own, Edited: m.Edited != "",
			Mention: m.Mention, ReplyCount: m.ReplyCount, Buttons: m.Buttons, ChannelName: m.ChannelName}
		for _, f := range m.Files {
			s.Files = append(s.Files, fmt.Sprintf("%s %s %s %d %t", f.Name, f.Title, f.Mimetype, f.Size, strings.HasPrefix(f.URL, "http")))
		}
		got = append(got, s)
	}
	want := []seen{
		{Text: "deploy started", User: alice, ChannelName: "inc-1"},
		{Text: "Similar: DNS outage (seen)", User: r.emu.App().BotUserID, BotName: "tacoma", Own: true, Edited: true, ReplyCount: 1,
			Buttons: []bot.Button{{Text: "Helpful", ActionID: "tacoma_helpful", Value: "inc-42", Style: "primary"}}, ChannelName: "inc-1"},
		{Text: "<@" + r.emu.App().BotUserID + "> is it DNS?", User: alice, Reply: true, Mention: true, ChannelName: "inc-1"},
		{Text: "p99 graph", User: alice, Files: []string{"latency.png latency.png image/png 4 true"}, ChannelName: "inc-1"},
		{Text: "[FIRING:1] HighLatency", BotName: "alertmanager", ChannelName: "inc-1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("History() (-want +got):\n%s", diff)
	}
}

// BenchmarkHistory2000 reads a 2,000-message channel (1,600 top-level, 400 replies in 40
// threads) through the emulator with its default rate limits. Each read gets a fresh
// emulator, so it starts with full rate-limit buckets, as a read after a quiet spell does.
func BenchmarkHistory2000(b *testing.B) {
	var calls int
	for range b.N {
		b.StopTimer()
		r := newReader(b)
		want := r.incident(b, 2000, 40, 10)
		b.StartTimer()
		msgs, err := r.bot.History(b.Context(), r.ch.ID, "", nil)
		b.StopTimer()
		if err != nil || len(msgs) != len(want) {
			b.Fatalf("History() = %d messages, %v, want %d", len(msgs), err, len(want))
		}
		calls = r.emu.Calls("conversations.history") + r.emu.Calls("conversations.replies")
		r.emu.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/read")
	b.ReportMetric(float64(calls), "calls/read")
}
