package knowledge

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoadSynonyms feeds arbitrary bytes to the parser of a team's synonyms.yaml: a rejection
// is a *LoadError naming the file; an accepted file has no empty group or phrase, and its
// groups compile and expand a message made of their own words without trouble.
func FuzzLoadSynonyms(f *testing.F) {
	builtinSyn, err := builtin.ReadFile("catalog/synonyms.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(builtinSyn)
	for _, s := range []string{
		"groups:\n  - same: [oom, out of memory]\n    implies: [memory]\n", "groups:\n  - same: []\n", "groups: [{same: ['  ']}]\n",
		"groups: {}\n", "groups:\n  - same: [a]\n    extra: 1\n", "", "- a\n", "groups:\n  - same: [the, of]\n",
	} {
		f.Add([]byte(s))
	}
	m, err := newMapping()
	if err != nil {
		f.Fatal(err)
	}
	a := m.AnalyzerNamed(analyzerName)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := source{name: "team", fsys: fstest.MapFS{"synonyms.yaml": {Data: data}}, user: true}
		groups, err := loadSynonyms(src)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || le.File != "team/synonyms.yaml" {
				t.Fatalf("error %T %q, want a *LoadError naming team/synonyms.yaml", err, err)
			}
			return
		}
		var words []string
		for i, g := range groups {
			if len(g.Same) == 0 {
				t.Fatalf("group %d has no words", i)
			}
			for _, w := range append(append([]string{}, g.Same...), g.Implies...) {
				if strings.TrimSpace(w) == "" {
					t.Fatalf("group %d has an empty phrase", i)
				}
				words = append(words, w)
			}
		}
		var terms []string
		for _, tok := range analyze(a, strings.Join(words, " ")) {
			terms = append(terms, tok.term)
		}
		exp := expand(compileSynonyms(a, groups), terms, func(string) bool { return true })
		for term, via := range exp.via {
			if via == "" {
				t.Fatalf("expansion added %q from no phrase", term)
			}
		}
	})
}
