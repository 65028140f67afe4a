package handlers_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

type fixture struct {
	h   *handlers.Handler
	idx *knowledge.Index
	st  *store.Store
}

func newFixture(t testing.TB, cfg handlers.Config) fixture {
	t.Helper()
	return newFixtureLog(t, cfg, zaptest.NewLogger(t))
}

// newFixtureLog builds the real catalog, index, store (SQLite) and handler; they are closed when
// the test ends, after anything the test registers later (such as a running bot).
func newFixtureLog(t testing.TB, cfg handlers.Config, log *zap.Logger) fixture {
	t.Helper()
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	// Persisted as tacoma run keeps it: merged segments on disk, as a large history is searched.
	idx, _, err := knowledge.OpenIndex(cat, filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "tacoma.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := handlers.New(cfg, idx, st, log)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{h: h, idx: idx, st: st}
}

func text(r *bot.Reply) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.Text)
	for _, s := range r.Sections {
		b.WriteString("\n" + s.Header + "\n" + s.Title + "\n" + s.Text + "\n" + s.Context)
		for _, btn := range s.Buttons {
			b.WriteString("\n[" + btn.Text + " " + btn.ActionID + " " + btn.Value + "]")
		}
	}
	return b.String()
}

func msg(ts, text string) bot.Message {
	return bot.Message{Channel: "C1", ChannelName: "inc-42", User: "U1", Text: text, TS: ts}
}

func TestSuggestionsSpeakOnlyWhenTheyShould(t *testing.T) {
	const failure = "coredns pods keep getting OOMKilled and every service fails to resolve hostnames"
	tests := []struct {
		name  string
		cfg   handlers.Config
		give  bot.Message
		reply bool
		want  string
	}{
		{"failure description", handlers.DefaultConfig(), msg("1.1", failure), true, "Total DNS outage in Kubernetes cluster"},
		{"small talk", handlers.DefaultConfig(), msg("1.2", "morning all, who is on call?"), false, ""},
		{"other bots' chatter", handlers.DefaultConfig(), bot.Message{Channel: "C1", BotID: "B9", Text: "Build #42 passed: coredns OOMKilled test fixed", TS: "1.3"}, false, ""},
		{"alert posted by another bot", handlers.DefaultConfig(), bot.Message{Channel: "C1", BotID: "B9", TS: "1.4", Attachments: []bot.Attachment{{Title: "[FIRING:2] KubePodCrashLooping kube-system/coredns", Text: "Pod kube-system/coredns is OOMKilled and crash looping"}}}, true, "KubePodCrashLooping"},
		{"channel outside the patterns", handlers.Config{Channels: []string{"inc-*"}, MaxResults: 3, Cooldown: time.Minute}, bot.Message{Channel: "C2", ChannelName: "random", User: "U1", Text: failure, TS: "1.5"}, false, ""},
		{"channel inside the patterns", handlers.Config{Channels: []string{"inc-*"}, MaxResults: 3, Cooldown: time.Minute}, msg("1.6", failure), true, "Total DNS outage"},
		{"mention of small talk still answers", handlers.DefaultConfig(), bot.Message{Channel: "C1", User: "U1", Text: "<@UBOT> hello there", TS: "1.7", Mention: true}, true, "I found no past outage like this"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg)
			r, err := f.h.HandleMessage(t.Context(), tt.give)
			if err != nil {
				t.Fatalf("HandleMessage() = %v", err)
			}
			if (r != nil) != tt.reply {
				t.Fatalf("HandleMessage(%q) replied %v, want %v:\n%s", tt.give.Text, r != nil, tt.reply, text(r))
			}
			if !strings.Contains(text(r), tt.want) {
				t.Errorf("HandleMessage(%q) = %s\nwant it to contain %q", tt.give.Text, text(r), tt.want)
			}
		})
	}
}

func TestSuggestionShowsWhyButtonsAndChecklist(t *testing.T) {
	f := newFixture(t, handlers.DefaultConfig())
	r, err := f.h.HandleMessage(t.Context(), msg("2.1", "nodes flapping NotReady after the api server load balancer changed its IPs"))
	if err != nil || r == nil {
		t.Fatalf("HandleMessage() = %v, %v", r, err)
	}
	got := text(r)
	for _, want := range []string{"Similar past outages", "• ", "[Helpful tacoma_helpful ", "[Not relevant tacoma_not_relevant ", "Checklist: ", "Look first", "/tacoma checklist "} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
}

func TestNoRepeatsAndCooldownInAThread(t *testing.T) {
	f := newFixture(t, handlers.Config{MaxResults: 2, Cooldown: time.Hour})
	first, err := f.h.HandleMessage(t.Context(), msg("3.1", "coredns OOMKilled, dns lookups time out everywhere"))
	if err != nil || first == nil {
		t.Fatalf("first HandleMessage() = %v, %v", first, err)
	}
	inThread := msg("3.2", "coredns OOMKilled again, dns lookups still time out")
	inThread.ThreadTS = "3.1"
	if r, _ := f.h.HandleMessage(t.Context(), inThread); r != nil {
		t.Fatalf("second message in the thread within the cool-down got a reply:\n%s", text(r))
	}
	inThread.TS, inThread.Mention = "3.3", true
	again, err := f.h.HandleMessage(t.Context(), inThread)
	if err != nil || again == nil {
		t.Fatalf("mention in the thread = %v, %v; want an answer", again, err)
	}
	for _, s := range first.Sections {
		for _, b := range s.Buttons {
			if strings.Contains(text(again), "[Helpful tacoma_helpful "+b.Value+"]") {
				t.Errorf("story %s suggested twice in one thread", b.Value)
			}
		}
	}
}

func TestFeedbackIsRecorded(t *testing.T) {
	f := newFixture(t, handlers.DefaultConfig())
	if _, err := f.h.HandleMessage(t.Context(), msg("4.1", "coredns OOMKilled, dns lookups time out")); err != nil {
		t.Fatal(err)
	}
	r, err := f.h.HandleAction(t.Context(), bot.Action{ActionID: handlers.ActionHelpful, Value: "zalando-dns-outage-2019", User: "U7", Channel: "C1", MessageTS: "4.2", ThreadTS: "4.1"})
	if err != nil || !strings.Contains(text(r), "marked helpful") {
		t.Fatalf("HandleAction() = %s, %v", text(r), err)
	}
	all, err := f.st.Feedback(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].StoryID != "zalando-dns-outage-2019" || all[0].Verdict != knowledge.Helpful || all[0].User != "U7" || !strings.Contains(all[0].Query, "coredns") {
		t.Errorf("feedback = %+v, want one helpful verdict by U7 on the DNS outage, with the query", all)
	}
	if r, _ := f.h.HandleAction(t.Context(), bot.Action{ActionID: handlers.ActionNotRelevant, Value: "no-such-story", Channel: "C1"}); !strings.Contains(text(r), "nothing was recorded") {
		t.Errorf("feedback on an unknown story = %s", text(r))
	}
}

func TestCommands(t *testing.T) {
	f := newFixture(t, handlers.DefaultConfig())
	tests := []struct {
		give      string
		want      string
		inChannel bool
	}{
		{"", "`/tacoma search TEXT`", false},
		{"help", "`/tacoma story ID`", false},
		{"frobnicate", "I don't know `/tacoma frobnicate`", false},
		{"search", "What should I look for?", false},
		{"search the and of", "too common to search on", false},
		{"search pods OOMKilled and coredns cannot resolve", "Total DNS outage in Kubernetes cluster", false},
		{"search --share conntrack table full dropping packets", "Kubernetes Networking Problems Due to the Conntrack", true},
		{"story", "Which story?", false},
		{"story nope", "No story with id `nope`", false},
		{"story jetstack-admission-webhook-2019", "What responders saw", false},
		{"checklist", "`dns`: DNS", false},
		{"checklist dns", "Fix afterwards", false},
		{"checklist dnss", "No failure class `dnss`", false},
		{"postmortem", "need Tacoma's store", false},
	}
	for _, tt := range tests {
		r, err := f.h.HandleCommand(t.Context(), bot.Command{Command: "/tacoma", Text: tt.give, User: "U1", Channel: "C1"})
		if err != nil || r == nil {
			t.Fatalf("HandleCommand(%q) = %v, %v", tt.give, r, err)
		}
		if !strings.Contains(text(r), tt.want) {
			t.Errorf("HandleCommand(%q) = %s\nwant it to contain %q", tt.give, text(r), tt.want)
		}
		if r.InChannel != tt.inChannel {
			t.Errorf("HandleCommand(%q).InChannel = %v, want %v", tt.give, r.InChannel, tt.inChannel)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	err := handlers.Config{Channels: []string{"inc-[", "ok-*"}, MaxResults: 0, Cooldown: -time.Second}.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want three problems")
	}
	for _, want := range []string{`suggest.channels[0]: bad pattern "inc-["`, "suggest.max_results: want 1 to 10, got 0", "suggest.cooldown: must not be negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
}
