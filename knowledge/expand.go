package knowledge

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
)

// compiledGroup is a SynonymGroup analyzed once, so that a message can be scanned for its
// phrases term by term.
type compiledGroup struct {
	same    []phrase
	implies []phrase
}

type phrase struct {
	text  string
	terms []string
	words []string // the surface word of each term, to rebuild query text from kept terms
}

func compileSynonyms(a analysis.Analyzer, groups []SynonymGroup) []compiledGroup {
	compile := func(texts []string) []phrase {
		out := make([]phrase, 0, len(texts))
		for _, t := range texts {
			toks := analyze(a, t)
			if len(toks) == 0 {
				continue // only stop words; nothing to match
			}
			p := phrase{text: t}
			for _, tok := range toks {
				p.terms = append(p.terms, tok.term)
				p.words = append(p.words, tok.word)
			}
			out = append(out, p)
		}
		return out
	}
	out := make([]compiledGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, compiledGroup{same: compile(g.Same), implies: compile(g.Implies)})
	}
	return out
}

// expansion is what the synonym dictionary adds to a message.
type expansion struct {
	text string
	// via maps each added term to the phrase of the message that brought it in.
	via map[string]string
}

// expand finds the dictionary's phrases in the message's terms and returns the other members
// of each group found, keeping only the terms keep accepts: a phrase such as "response time"
// must bring in "response", not "time", which every story has.
func expand(groups []compiledGroup, terms []string, keep func(term string) bool) expansion {
	exp := expansion{via: map[string]string{}}
	own := make(map[string]bool, len(terms))
	for _, t := range terms {
		own[t] = true
	}
	var b strings.Builder
	for _, g := range groups {
		found := ""
		for _, p := range g.same {
			if containsSeq(terms, p.terms) {
				found = p.text
				break
			}
		}
		if found == "" {
			continue
		}
		for _, list := range [][]phrase{g.same, g.implies} {
			for _, p := range list {
				for i, t := range p.terms {
					if own[t] || !keep(t) {
						continue
					}
					if _, dup := exp.via[t]; dup {
						continue
					}
					exp.via[t] = found
					b.WriteString(p.words[i])
					b.WriteString(" ")
				}
			}
		}
	}
	exp.text = b.String()
	return exp
}

// containsSeq reports whether seq occurs in terms as a contiguous run.
func containsSeq(terms, seq []string) bool {
	if len(seq) == 0 || len(seq) > len(terms) {
		return false
	}
outer:
	for i := 0; i+len(seq) <= len(terms); i++ {
		for j, s := range seq {
			if terms[i+j] != s {
				continue outer
			}
		}
		return true
	}
	return false
}
