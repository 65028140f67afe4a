package scale_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/scale"
)

func TestPostmortemsDeterministic(t *testing.T) {
	tests := []struct {
		name   string
		seed   uint64
		n      int
		sameAs func() []*postmortem.Postmortem
	}{
		{"same seed twice", 7, 300, func() []*postmortem.Postmortem { return scale.Postmortems(7, 300) }},
		{"prefix of a longer run", 7, 100, func() []*postmortem.Postmortem { return scale.Postmortems(7, 500)[:100] }},
		{"one at a time", 42, 50, func() []*postmortem.Postmortem {
			var out []*postmortem.Postmortem
			for i := range 50 {
				out = append(out, scale.Postmortem(42, i))
			}
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := encode(t, scale.Postmortems(tt.seed, tt.n)), encode(t, tt.sameAs())
			if got != want {
				t.Errorf("Postmortems(%d, %d) differs between runs", tt.seed, tt.n)
			}
		})
	}
}

func TestPostmortemsSeedsDiffer(t *testing.T) {
	a, b := encode(t, scale.Postmortems(1, 20)), encode(t, scale.Postmortems(2, 20))
	if a == b {
		t.Error("Postmortems(1, 20) = Postmortems(2, 20), want different documents")
	}
}

func TestPostmortemsCount(t *testing.T) {
	tests := []struct{ n, want int }{{-1, 0}, {0, 0}, {1, 1}, {999, 999}}
	for _, tt := range tests {
		if got := len(scale.Postmortems(3, tt.n)); got != tt.want {
			t.Errorf("len(Postmortems(3, %d)) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestSeqStopsEarly(t *testing.T) {
	n := 0
	for range scale.Seq(3, 1000) {
		if n++; n == 10 {
			break
		}
	}
	if n != 10 {
		t.Errorf("Seq yielded %d before the break, want 10", n)
	}
}

func TestPostmortemsWellFormed(t *testing.T) {
	const n = 5000
	ids := map[string]bool{}
	patterns := map[string]bool{}
	for _, p := range scale.Patterns() {
		patterns[p] = true
	}
	for _, p := range scale.Postmortems(11, n) {
		if ids[p.ID] {
			t.Fatalf("ID %s is used twice", p.ID)
		}
		ids[p.ID] = true
		if !patterns[patternOf(p.ID)] {
			t.Errorf("ID %s names no pattern of %v", p.ID, scale.Patterns())
		}
		for _, problem := range problems(p) {
			t.Errorf("%s: %s", p.ID, problem)
		}
		if t.Failed() {
			return
		}
	}
}

// problems lists what makes p a trivial or broken document.
func problems(p *postmortem.Postmortem) []string {
	var out []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	check(len(p.Timeline) >= 6 && len(p.Timeline) <= 20, "timeline has %d events, want 6-20", len(p.Timeline))
	check(len(strings.Fields(p.Title)) >= 3, "title %q is too short", p.Title)
	for name, text := range map[string]string{"summary": p.Summary, "impact": p.Impact, "root cause": p.RootCause, "resolution": p.Resolution, "trigger": p.Trigger, "detection": p.Detection} {
		check(len(strings.Fields(text)) >= 5, "%s %q is too short", name, text)
	}
	check(len(p.Alerts) > 0 && len(p.Services) > 0 && len(p.ActionItems) > 0 && len(p.Lessons) > 0, "alerts, services, action items or lessons missing")
	check(len(p.Participants) >= 2, "%d participants, want at least 2", len(p.Participants))
	check(p.Severity != "" && p.Status == postmortem.Final, "severity %q, status %q", p.Severity, p.Status)
	check(p.Started.Year() >= 2020 && p.Started.Year() <= 2024, "started %v, want 2020-2024", p.Started)
	check(!p.Detected.Before(p.Started) && p.Mitigated.After(p.Detected) && p.Resolved.After(p.Mitigated), "times out of order: %v %v %v %v", p.Started, p.Detected, p.Mitigated, p.Resolved)
	for i, e := range p.Timeline {
		check(e.Text != "" && e.Who != "", "event %d has no text or author", i)
		check(i == 0 || !e.At.Before(p.Timeline[i-1].At), "event %d is earlier than the one before", i)
	}
	return out
}

func TestPostmortemsNoSlotLeft(t *testing.T) {
	for _, p := range scale.Postmortems(5, 3000) {
		texts := []string{p.Title, p.Summary, p.Impact, p.RootCause, p.Trigger, p.Detection, p.Resolution}
		texts = append(append(append(texts, p.ActionItems...), p.Lessons...), p.Alerts...)
		for _, e := range p.Timeline {
			texts = append(texts, e.Text)
		}
		for _, s := range texts {
			if strings.ContainsAny(s, "{}") {
				t.Fatalf("%s: unfilled template in %q", p.ID, s)
			}
		}
	}
}

func TestPostmortemsDistribution(t *testing.T) {
	const n = 20000
	count := map[string]int{}
	for p := range scale.Seq(9, n) {
		count[patternOf(p.ID)]++
	}
	if len(count) != len(scale.Patterns()) {
		t.Errorf("%d patterns used, want all %d", len(count), len(scale.Patterns()))
	}
	for name, c := range count {
		if share := float64(c) / n; share > 0.10 {
			t.Errorf("pattern %s has %.1f%% of documents, want at most 10%%", name, 100*share)
		}
	}
}

func TestPostmortemsNotNearDuplicates(t *testing.T) {
	const n = 2000
	summaries, timelines := map[string]bool{}, map[string]bool{}
	for _, p := range scale.Postmortems(13, n) {
		summaries[p.Summary] = true
		var b strings.Builder
		for _, e := range p.Timeline {
			b.WriteString(e.Text + "\n")
		}
		timelines[b.String()] = true
	}
	tests := []struct {
		what     string
		distinct int
	}{{"summaries", len(summaries)}, {"timelines", len(timelines)}}
	for _, tt := range tests {
		if tt.distinct < n*99/100 {
			t.Errorf("%d distinct %s in %d documents, want at least 99%%", tt.distinct, tt.what, n)
		}
	}
}

// patternOf reads the pattern from an ID "<yyyy-mm-dd>-<pattern>-<number>".
func patternOf(id string) string {
	if len(id) < 12 {
		return ""
	}
	rest := id[11:]
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return ""
	}
	return rest[:i]
}

func encode(t *testing.T, ps []*postmortem.Postmortem) string {
	t.Helper()
	data, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
