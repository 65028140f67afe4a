package postmortem_test

import (
	"testing"
	"time"

	_ "time/tzdata" // the golden files use Europe/Berlin wherever the tests run

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// dnsStart is when the fixture incident began: a Tuesday in winter, so Berlin is on CET.
var dnsStart = time.Date(2025, 2, 11, 13, 52, 0, 0, time.UTC)

func dnsMinute(m int) time.Time { return dnsStart.Add(time.Duration(m) * time.Minute) }

// dnsIncident is a full draft: the CoreDNS and ndots:5 outage every template is tested on.
func dnsIncident() *postmortem.Postmortem {
	return &postmortem.Postmortem{
		ID:          "2025-02-11-checkout-dns",
		Title:       "Checkout DNS timeouts: CoreDNS overwhelmed by ndots:5 lookups",
		Status:      postmortem.Draft,
		Source:      postmortem.FromSlack,
		Channel:     "C07DNS1234",
		ChannelName: "inc-2025-02-11-checkout-dns",
		Template:    "google-sre",
		Severity:    "SEV2",
		Started:     dnsMinute(0),
		Detected:    dnsMinute(3),
		Mitigated:   dnsMinute(78),
		Resolved:    dnsMinute(115),
		Summary: "Checkout requests timed out for 78 minutes because CoreDNS could not keep up with lookups " +
			"from a new batch job. Every pod used the default ndots:5, so each external name cost five queries.",
		Impact:     "About 18% of checkout requests failed with 502 or timed out between 14:52 and 16:10 CET; 2,300 orders were retried by customers.",
		RootCause:  "The pods' resolv.conf had ndots:5, so lookups of external names walked the search path first. A batch job that resolves payments.example.net 2,000 times a second multiplied into 10,000 queries a second, above what two CoreDNS replicas serve.",
		Trigger:    "The nightly reconciliation job was moved to daytime and scaled from 2 to 20 workers.",
		Detection:  "CoreDNSErrorsHigh fired three minutes in; Ana Lima connected it with the checkout 502s.",
		Resolution: "Raised the CoreDNS memory limit to 512Mi and scaled it to 6 replicas.\nSet ndots:2 on the batch job.",
		Timeline: []postmortem.Event{
			{At: dnsMinute(0), Kind: postmortem.KindAlert, Who: "Alertmanager", Text: "[FIRING:3] CoreDNSErrorsHigh (kube-system coredns)"},
			{At: dnsMinute(3), Kind: postmortem.KindReport, Who: "Ana Lima", Text: "checkout is throwing 502s for customers, looking at it"},
			{At: dnsMinute(6), Kind: postmortem.KindAction, Who: "Bo Chen", Text: "lookups to payments take 5 seconds | checked from a debug pod"},
			{At: dnsMinute(9), Kind: postmortem.KindHypothesis, Who: "Ana Lima", Text: "I think it's the ndots:5 search path hitting coredns"},
			{At: dnsMinute(14), Kind: postmortem.KindAlert, Who: "Alertmanager", Text: "[FIRING:1] KubePodCrashLooping (kube-system coredns)"},
			{At: dnsMinute(31), Kind: postmortem.KindAction, Who: "Cy Diaz", Text: "coredns pods OOMKilled at 170Mi"},
			{At: dnsMinute(52), Kind: postmortem.KindMitigation, Who: "Ana Lima", Text: "raised the coredns memory limit to 512Mi"},
			{At: dnsMinute(78), Kind: postmortem.KindMitigation, Who: "Bo Chen", Text: "scaled coredns to 6 replicas; error rate dropping"},
			{At: dnsMinute(96), Kind: postmortem.KindHypothesis, Who: "Bo Chen", Text: "root cause: the batch job does 2k lookups/s of payments.example.net"},
			{At: dnsMinute(112), Kind: postmortem.KindResolved, Who: "Alertmanager", Text: "[RESOLVED] CoreDNSErrorsHigh, KubePodCrashLooping"},
			{At: dnsMinute(115), Kind: postmortem.KindResolved, Who: "Cy Diaz", Text: "error rates back to normal, closing the incident"},
		},
		Participants: []postmortem.Participant{
			{ID: "U01ANA", Name: "Ana Lima", Messages: 14},
			{ID: "U02BO", Name: "Bo Chen", Messages: 9},
			{ID: "U03CY", Name: "Cy Diaz", Messages: 4},
		},
		Alerts:   []string{"CoreDNSErrorsHigh", "KubePodCrashLooping"},
		Services: []string{"coredns", "checkout", "payments"},
		Classes:  []string{"dns"},
		Similar: []postmortem.Similar{
			{ID: "zalando-2019-dns", Title: "DNS lookups take 5 seconds after ndots:5", URL: "https://example.com/postmortems/zalando-dns", Helpful: true},
			{ID: "2024-07-coredns-oom", Title: "CoreDNS OOMKilled during node pool upgrade"},
		},
		ActionItems: []string{
			"Set ndots:2 in the default pod dnsConfig",
			"Run NodeLocal DNSCache on every node",
			"Alert on CoreDNS memory above 80% of its limit",
		},
		Lessons: []string{"The DNS dashboard showed the query rate minutes before checkout failed."},
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("LoadLocation: %v", err)
	}
	return loc
}
