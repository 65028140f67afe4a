package knowledge_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

func ids(res []knowledge.Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Story.ID
	}
	return out
}

// TestSearchFindsTheFailure covers the failures the issue names, in responders' words.
func TestSearchFindsTheFailure(t *testing.T) {
	idx := newIndex(t)
	tests := []struct {
		give string
		want []string // any of these in the top 3
	}{
		{"coredns pods OOMKilled and every lookup times out", []string{"zalando-dns-outage-2019"}},
		{"dns lookups from pods take 5 seconds, ndots:5 in resolv.conf", []string{"zalando-dns-outage-2019", "toyota-dns-storm-2018", "datadog-10-ways-2019", "zalando-kubecon-2019"}},
		{"p99 went up but CPU is at 30%, container_cpu_cfs_throttled_periods_total climbing", []string{"omio-cpu-throttling-2020"}},
		{"nodes went NotReady right after the load balancer in front of the API server changed its IPs", []string{"turnitin-elb-outage-2018", "salemove-us-issue-2017", "zalando-hamburg-meetup-2019", "nordstrom-101-ways-2017"}},
		{"failed calling webhook: context deadline exceeded, nothing can be created and nodes are being deleted", []string{"jetstack-admission-webhook-2019"}},
		{"nf_conntrack: table full, dropping packet", []string{"loveholidays-conntrack-2020"}},
		{"outgoing connections from pods sometimes take 1s or 3s to connect on EKS", []string{"prezi-snat-conntrack-2019", "mindtickle-missing-packet-eks"}},
		{"pods pending because the subnet ran out of IP addresses, autoscaler cannot add nodes", []string{"loveholidays-gke-ip-exhaustion-2020"}},
		{"502s at the ingress during every rolling deploy", []string{"ravelin-ingress-endpoints-2019", "xing-bad-and-ugly-2019", "devopshof-lb-draining-2019"}},
	}
	for _, tt := range tests {
		res, err := idx.Search(t.Context(), tt.give, 3)
		if err != nil {
			t.Fatalf("Search(%q) = %v", tt.give, err)
		}
		if got := ids(res); !slices.ContainsFunc(got, func(id string) bool { return slices.Contains(tt.want, id) }) {
			t.Errorf("Search(%q) = %v, want one of %v in the top 3", tt.give, got, tt.want)
		}
		if len(res) > 0 && len(res[0].Why) == 0 {
			t.Errorf("Search(%q): top result %s has no reasons", tt.give, res[0].Story.ID)
		}
	}
}

func TestSearchReasonsQuoteTheStoryAndTheQuery(t *testing.T) {
	idx := newIndex(t)
	res, err := idx.Search(t.Context(), "kubectl shows OOMKilled for coredns", 1)
	if err != nil || len(res) == 0 {
		t.Fatalf("Search() = %v, %v", res, err)
	}
	why := strings.Join(res[0].Why, "\n")
	if !strings.Contains(why, "oomkilled") || !strings.Contains(why, "coredns") {
		t.Errorf("Why = %q, want the query's words oomkilled and coredns", why)
	}
	if !strings.Contains(why, `"`) {
		t.Errorf("Why = %q, want a quoted line of the story", why)
	}
}

func TestMatchAlertUsesAlertName(t *testing.T) {
	idx := newIndex(t)
	data, err := os.ReadFile("alert/testdata/am-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	g, err := alert.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := idx.MatchAlert(t.Context(), g, 3)
	if err != nil {
		t.Fatalf("MatchAlert() = %v", err)
	}
	if len(res) == 0 || !res[0].Confident() {
		t.Fatalf("MatchAlert() = %v, want a confident match", ids(res))
	}
	if why := strings.Join(res[0].Why, "\n"); !strings.Contains(why, "alert KubePodCrashLooping") {
		t.Errorf("Why = %q, want the alert name named", why)
	}
}

func TestSearchEdgeCases(t *testing.T) {
	idx := newIndex(t)
	if _, err := idx.Search(t.Context(), "the and of", 3); !errors.Is(err, knowledge.ErrEmptyQuery) {
		t.Errorf("Search(stop words) = %v, want ErrEmptyQuery", err)
	}
	for _, give := range []string{`ndots:5 "unterminated`, "-oom +x ~ ^ /re/ field:value", "ǅ 😀 \x00", strings.Repeat("dns ", 5000)} {
		if _, err := idx.Search(t.Context(), give, 3); err != nil && !errors.Is(err, knowledge.ErrEmptyQuery) {
			t.Errorf("Search(%.30q) = %v, want results or ErrEmptyQuery", give, err)
		}
	}
	res, err := idx.Search(t.Context(), "morning all, who is on call?", 3)
	if err == nil && len(res) > 0 && res[0].Confident() {
		t.Errorf("Search(small talk) top = %s with evidence %.2f, want no confident match", res[0].Story.ID, res[0].Evidence)
	}
}

// TestEvaluationFloor keeps the measured quality from sliding. It is a regression guard set
// below the figures measured when it was written (README "Evaluation" has them), not the
// targets: `tacoma eval` reports the figures themselves.
func TestEvaluationFloor(t *testing.T) {
	const minHit3, minMRR, minQuiet = 0.80, 0.70, 0.90
	idx := newIndex(t)
	for _, f := range []string{"../eval/messages-dev.yaml", "../eval/messages-heldout.yaml", "../eval/alerts-dev.yaml", "../eval/alerts-heldout.yaml", "../eval/smalltalk.yaml"} {
		set, err := knowledge.LoadEvalSet(f)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := idx.Evaluate(t.Context(), set)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Scored > 0 && (rep.Hit3 < minHit3 || rep.MRR < minMRR) {
			t.Errorf("%s: hit@3 %.3f, MRR %.3f; want at least %.2f and %.2f", f, rep.Hit3, rep.MRR, minHit3, minMRR)
		}
		if rep.Scored < rep.Cases && rep.Quiet < minQuiet {
			t.Errorf("%s: quiet %.3f, want at least %.2f", f, rep.Quiet, minQuiet)
		}
	}
}
