package postmortem_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

var t0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func incident() postmortem.Input {
	return postmortem.Input{
		ChannelID: "C1", ChannelName: "inc-2026-11-25-checkout-dns",
		Entries: []postmortem.Entry{
			{At: at(0), Bot: true, Who: "Alertmanager", Text: "[FIRING:3] CoreDNSErrorsHigh (kube-system coredns)"},
			{At: at(0), Own: true, Who: "Tacoma", Text: "Similar past outages: DNS lookups take 5 seconds"},
			{At: at(2), UserID: "U1", Who: "Ana Lima", Text: "checkout is throwing 502s for customers, looking at it"},
			{At: at(3), UserID: "U2", Who: "Bo Chen", Text: "lookups to the payments service take 5 seconds"},
			{At: at(5), UserID: "U1", Who: "Ana Lima", Text: "I think it's the ndots:5 search path hitting coredns", InThread: true},
			{At: at(6), UserID: "U2", Who: "Bo Chen", Text: "coredns pods keep restarting, OOMKilled"},
			{At: at(7), UserID: "U3", Who: "Cy Diaz", Text: "should we roll back the node pool change?"},
			{At: at(9), Bot: true, Who: "Alertmanager", Text: "[FIRING:1] KubePodCrashLooping (kube-system coredns)"},
			{At: at(12), UserID: "U1", Who: "Ana Lima", Text: "raised the coredns memory limit to 512Mi and scaled it up to 6 replicas"},
			{At: at(20), UserID: "U2", Who: "Bo Chen", Text: "turns out the root cause was the new batch job doing 2k lookups/s"},
			{At: at(31), Bot: true, Who: "Alertmanager", Text: "[RESOLVED] CoreDNSErrorsHigh, KubePodCrashLooping"},
			{At: at(33), UserID: "U3", Who: "Cy Diaz", Text: "error rates back to normal, closing the incident"},
			{At: at(34), UserID: "U3", Who: "Cy Diaz", Text: "thanks all"},
		},
		Similar:    []postmortem.Similar{{ID: "zalando-dns", Title: "DNS outage", Helpful: true}},
		Checklists: []*knowledge.Checklist{{Class: "dns", Fix: []knowledge.Step{{Step: "Set ndots:2"}, {Step: "Run NodeLocal DNSCache"}}}},
		Now:        at(60),
	}
}

func TestBuild(t *testing.T) {
	p := postmortem.Build(incident())
	type ev struct {
		Min       int
		Kind, Who string
	}
	var got []ev
	for _, e := range p.Timeline {
		got = append(got, ev{int(e.At.Sub(t0).Minutes()), e.Kind, e.Who})
	}
	want := []ev{
		{0, postmortem.KindAlert, "Alertmanager"},
		{2, postmortem.KindReport, "Ana Lima"},
		{5, postmortem.KindHypothesis, "Ana Lima"},
		{7, postmortem.KindHypothesis, "Cy Diaz"},
		{9, postmortem.KindAlert, "Alertmanager"},
		{12, postmortem.KindMitigation, "Ana Lima"},
		{20, postmortem.KindHypothesis, "Bo Chen"},
		{31, postmortem.KindResolved, "Alertmanager"},
		{33, postmortem.KindResolved, "Cy Diaz"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("timeline (-want +got):\n%s", d)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"title", p.Title, "Checkout dns incident: CoreDNSErrorsHigh"},
		{"started", p.Started, at(0)},
		{"detected", p.Detected, at(0)},
		{"mitigated", p.Mitigated, at(12)},
		{"resolved", p.Resolved, at(33)},
		{"alerts", p.Alerts, []string{"CoreDNSErrorsHigh", "KubePodCrashLooping"}},
		{"participants", len(p.Participants), 3},
		{"first participant", p.Participants[0], postmortem.Participant{ID: "U1", Name: "Ana Lima", Messages: 3}},
		{"root cause", p.RootCause, "turns out the root cause was the new batch job doing 2k lookups/s"},
		{"classes", p.Classes, []string{"dns"}},
		{"action items", p.ActionItems, []string{"Set ndots:2", "Run NodeLocal DNSCache"}},
		{"status", p.Status, postmortem.Draft},
	}
	for _, c := range checks {
		if d := cmp.Diff(c.want, c.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

func TestBuildStillFiringHasNoResolution(t *testing.T) {
	in := incident()
	in.Entries = in.Entries[:9]
	p := postmortem.Build(in)
	if !p.Resolved.IsZero() {
		t.Errorf("resolved = %v, want zero while alerts still fire", p.Resolved)
	}
}

func TestBuildEmptyChannel(t *testing.T) {
	p := postmortem.Build(postmortem.Input{ChannelName: "random", Now: t0})
	if p.Title != "Random incident" || len(p.Timeline) != 0 || !p.Started.IsZero() {
		t.Errorf("empty channel drafted %+v", p)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 12 * time.Minute: "12m", 72 * time.Minute: "1h 12m",
		2 * time.Hour: "2h", 51 * time.Hour: "2d 3h",
	} {
		if got := postmortem.Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
