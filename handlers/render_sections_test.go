package handlers_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/handlers"
	"github.com/tacoma-bot/tacoma/knowledge"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("reply differs from %s (-want +got):\n%s", path, diff)
	}
}

const (
	dnsMessage    = "coredns OOMKilled and dns lookups time out"
	ledgerMessage = "ledgerd reconciliation stuck on advisory lock, settlement exports late"
)

// teamDNS returns n of the team's postmortems of one DNS failure, told alike; the first tells
// it in dnsMessage's words, so that it ranks first.
func teamDNS(n int) []*knowledge.Story {
	var out []*knowledge.Story
	for i := range n {
		symptom := "coredns pods OOMKilled, payments dns lookups time out after 5 seconds"
		if i == 0 {
			symptom = dnsMessage
		}
		out = append(out, &knowledge.Story{
			ID: fmt.Sprintf("inc-checkout-dns-%d", i+1), Title: fmt.Sprintf("Checkout DNS incident %d", i+1),
			Organization: "Your team, #inc-checkout-dns", Year: 2025, Classes: []string{"dns"},
			Symptoms: []string{symptom}, Origin: knowledge.OriginTeam,
		})
	}
	return out
}

// teamLedger is a postmortem of a failure no public story tells: only the team knows it.
func teamLedger() *knowledge.Story {
	return &knowledge.Story{
		ID: "inc-ledger-2025-03-02", Title: "Ledger reconciliation stuck", Organization: "Your team, #inc-ledger",
		Year: 2025, Classes: []string{"database"},
		Symptoms: []string{"ledgerd reconciliation batch stuck on advisory lock, settlement exports late"},
		Origin:   knowledge.OriginTeam,
	}
}

func withTeam(t *testing.T, cfg handlers.Config, stories ...*knowledge.Story) fixture {
	t.Helper()
	f := newFixture(t, cfg)
	if err := f.idx.Add(stories...); err != nil {
		t.Fatalf("Add() = %v", err)
	}
	return f
}

func mentionMsg(ts, text string) bot.Message {
	m := msg(ts, text)
	m.Mention = true
	return m
}

func TestSuggestionSections(t *testing.T) {
	tests := []struct {
		name string
		team []*knowledge.Story
		give bot.Message
	}{
		{"catalog_only", nil, msg("1.1", dnsMessage)},
		{"team_then_catalog", append(teamDNS(1), teamLedger()), msg("1.1", dnsMessage)},
		{"team_with_similar", teamDNS(13), mentionMsg("1.1", dnsMessage)},
		{"only_team_confident", append(teamDNS(1), teamLedger()), msg("1.1", ledgerMessage)},
		{"mention_shows_weak_lists", append(teamDNS(1), teamLedger()), mentionMsg("1.1", ledgerMessage)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withTeam(t, handlers.Config{MaxResults: 2}, tt.team...)
			r, err := f.h.HandleMessage(t.Context(), tt.give)
			if err != nil || r == nil {
				t.Fatalf("HandleMessage(%q) = %v, %v; want a reply", tt.give.Text, r, err)
			}
			golden(t, text(r))
		})
	}
}

func TestTeamResultSaysHowManyMoreLikeIt(t *testing.T) {
	tests := []struct {
		stories int
		want    string
	}{
		{1, "📓 your team's postmortem · `/tacoma story inc-checkout-dns-N`"},
		{2, "📓 your team's postmortem · 1 more postmortem like it · `/tacoma story inc-checkout-dns-N`"},
		{13, "📓 your team's postmortem · 12 more postmortems like it · `/tacoma story inc-checkout-dns-N`"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.stories), func(t *testing.T) {
			f := withTeam(t, handlers.DefaultConfig(), teamDNS(tt.stories)...)
			r, err := f.h.HandleMessage(t.Context(), mentionMsg("1.1", dnsMessage))
			if err != nil || r == nil {
				t.Fatalf("HandleMessage() = %v, %v; want a reply", r, err)
			}
			// The alike postmortems tie, so any of them may be the one shown.
			var team []string
			for _, s := range r.Sections {
				if strings.HasPrefix(s.Context, "📓") {
					team = append(team, storyNumRE.ReplaceAllString(s.Context, "-N`"))
				}
			}
			if diff := cmp.Diff([]string{tt.want}, team); diff != "" {
				t.Errorf("team context lines with %d alike postmortems (-want +got):\n%s", tt.stories, diff)
			}
		})
	}
}

var storyNumRE = regexp.MustCompile("-[0-9]+`$")

func TestSpeaksUnaskedWhenEitherListIsConfident(t *testing.T) {
	tests := []struct {
		name        string
		team        []*knowledge.Story
		give        string
		wantReply   bool
		wantHeaders []string
	}{
		{"only the team's is confident", []*knowledge.Story{teamLedger()}, ledgerMessage, true, []string{"Your team's postmortems"}},
		{"neither is confident", []*knowledge.Story{teamLedger()}, "morning all, who is on call?", false, nil},
		{"both are confident", teamDNS(1), dnsMessage, true, []string{"Your team's postmortems", "Similar past outages", "Checklist: DNS"}},
		{"only the catalog's, no team", nil, dnsMessage, true, []string{"Similar past outages", "Checklist: DNS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withTeam(t, handlers.DefaultConfig(), tt.team...)
			r, err := f.h.HandleMessage(t.Context(), msg("1.1", tt.give))
			if err != nil {
				t.Fatalf("HandleMessage(%q) = %v", tt.give, err)
			}
			if (r != nil) != tt.wantReply {
				t.Fatalf("HandleMessage(%q) replied %v, want %v:\n%s", tt.give, r != nil, tt.wantReply, text(r))
			}
			if diff := cmp.Diff(tt.wantHeaders, headers(r)); diff != "" {
				t.Errorf("HandleMessage(%q) headers (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func headers(r *bot.Reply) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, s := range r.Sections {
		if s.Header != "" {
			out = append(out, s.Header)
		}
	}
	return out
}

func TestTeamPostmortemsAreNotRepeatedInAThread(t *testing.T) {
	f := withTeam(t, handlers.Config{MaxResults: 2}, teamDNS(3)...)
	first, err := f.h.HandleMessage(t.Context(), msg("2.1", dnsMessage))
	if err != nil || first == nil {
		t.Fatalf("first HandleMessage() = %v, %v", first, err)
	}
	shown := teamShown(first)
	if len(shown) != 1 {
		t.Fatalf("first reply shows the team's postmortems %v, want one:\n%s", shown, text(first))
	}
	again := mentionMsg("2.2", dnsMessage)
	again.ThreadTS = "2.1"
	second, err := f.h.HandleMessage(t.Context(), again)
	if err != nil || second == nil {
		t.Fatalf("mention in the thread = %v, %v; want an answer", second, err)
	}
	// The matcher folds a class into its best postmortem, so the thread has seen them all.
	if again := teamShown(second); len(again) != 0 {
		t.Errorf("after %v, the mention shows the team's postmortems %v again:\n%s", shown, again, text(second))
	}
}

// teamShown returns the ids of the team's postmortems a reply shows.
func teamShown(r *bot.Reply) []string {
	var ids []string
	for _, s := range r.Sections {
		if strings.HasPrefix(s.Context, "📓") && len(s.Buttons) > 0 {
			ids = append(ids, s.Buttons[0].Value)
		}
	}
	return ids
}

func TestSearchCommandSections(t *testing.T) {
	tests := []struct {
		name string
		team []*knowledge.Story
		give string
	}{
		{"catalog_only", nil, "search " + dnsMessage},
		{"team_and_catalog", teamDNS(3), "search --share " + dnsMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withTeam(t, handlers.DefaultConfig(), tt.team...)
			r, err := f.h.HandleCommand(t.Context(), bot.Command{Command: "/tacoma", Text: tt.give, User: "U1", Channel: "C1"})
			if err != nil || r == nil {
				t.Fatalf("HandleCommand(%q) = %v, %v", tt.give, r, err)
			}
			golden(t, fmt.Sprintf("in channel: %v\n%s", r.InChannel, text(r)))
		})
	}
}

func TestMetricsObserveTheBestOfBothLists(t *testing.T) {
	f := withTeam(t, handlers.DefaultConfig(), teamLedger())
	reg := prometheus.NewRegistry()
	f.h.UseMetrics(handlers.NewMetrics(reg))
	if _, err := f.h.HandleMessage(t.Context(), msg("3.1", ledgerMessage)); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "tacoma_match_top_evidence" {
			for _, m := range mf.GetMetric() {
				sum += m.GetHistogram().GetSampleSum()
			}
		}
	}
	// The catalog's best holds little of the message; the team's postmortem holds it all.
	if sum < knowledge.MinEvidence {
		t.Errorf("tacoma_match_top_evidence observed %.2f, want the team's postmortem's evidence, at least %v", sum, knowledge.MinEvidence)
	}
}
