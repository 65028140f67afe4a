package postmortem

import "testing"

func TestClassify(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"rolled back the deploy", KindMitigation},
		{"rolling back now", KindMitigation},
		{"should we roll back?", KindHypothesis},
		{"coredns pods keep restarting", ""},
		{"pods are getting OOMKilled again", ""},
		{"I restarted the coredns deployment", KindMitigation},
		{"bumped the memory limit to 1Gi", KindMitigation},
		{"latency increasing on checkout", ""},
		{"looks like conntrack is full on the nodes", KindHypothesis},
		{"root cause: the webhook timed out", KindHypothesis},
		{"checking the kube-proxy logs", KindAction},
		{"all clear, error rates back", KindResolved},
		{"is it resolved?", ""},
		{"lunch?", ""},
	} {
		if got := classify(c.text); got != c.want {
			t.Errorf("classify(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
