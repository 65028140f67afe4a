package knowledge

import (
	"slices"
	"testing"
)

// The fast path must never skip a word the regexp would split, and splitting runs of word
// characters apart must find what the regexp finds over the whole text.
func FuzzCompoundFastPath(f *testing.F) {
	for _, s := range []string{"OOMKilled", "nf_conntrack", "KubeNodeNotReady", "plain prose", "DNS", "a1B", "_x", "x_", "see nf_conntrack, then KubeAPIDown.", "éOOMKilled", "a_b-cD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayHoldCompound(s) && compoundRE.MatchString(s) {
			t.Fatalf("fast path skips %q, which the regexp splits", s)
		}
		if got, want := compoundWords(s), compoundRE.FindAllString(s, -1); !slices.Equal(got, want) {
			t.Fatalf("compoundWords(%q) = %q, the regexp finds %q", s, got, want)
		}
	})
}
