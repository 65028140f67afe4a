package knowledge

import "testing"

// The fast path must never skip a word the regexp would split.
func FuzzCompoundFastPath(f *testing.F) {
	for _, s := range []string{"OOMKilled", "nf_conntrack", "KubeNodeNotReady", "plain prose", "DNS", "a1B", "_x", "x_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayHoldCompound(s) && compoundRE.MatchString(s) {
			t.Fatalf("fast path skips %q, which the regexp splits", s)
		}
	})
}
