package knowledge

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

const (
	// alertnameEvidence counts an exact alert name like several rare shared words.
	alertnameEvidence = 5.0
	maxReasonLines    = 3
	maxReasonWords    = 4
	// minReasonGain is the IDF a further line must add to be shown: about one rare word.
	minReasonGain = 1.0
	maxQuoteRunes = 90
)

// explain says why s matched: the alert names it shares with the query, and the few lines of the
// story (symptoms and errors first) that hold most of the query's distinctive words, each with
// the query's own words that matched. It is computed only for the hits shown, from the story
// text, never with bleve's per-hit explanations, which cost seconds on a large index.
func (x *Index) explain(s *Story, all []analyzedLine, q *compiledQuery) (why []string, coverage, evidence float64) {
	named := map[string]bool{} // alert lines already given as an exact alert-name match
	for _, a := range s.Alerts {
		if written, ok := q.alertnames[strings.ToLower(a)]; ok {
			why = append(why, fmt.Sprintf("alert %s is one this failure fires", written))
			evidence += alertnameEvidence
			named[a] = true
		}
	}

	var lines []storyLine
	for _, l := range all {
		if l.field == "alerts" && named[l.text] {
			continue
		}
		terms := map[string]bool{}
		for _, t := range l.terms {
			_, own := q.terms[t]
			_, syn := q.via[t]
			if own || syn {
				terms[t] = true
			}
		}
		if len(terms) > 0 {
			lines = append(lines, storyLine{field: l.field, text: l.text, terms: terms})
		}
	}

	covered := map[string]bool{}
	gain := func(l storyLine) float64 {
		g := 0.0
		for t := range l.terms {
			if !covered[t] {
				g += x.termWeight(t, q) * fieldWeight(l.field)
			}
		}
		return g
	}
	for range maxReasonLines {
		best, bestGain := -1, 0.0
		for i, l := range lines {
			// The tolerance makes ties go to the earlier line: gains are float sums over maps,
			// whose order varies from run to run.
			if g := gain(l); g > bestGain+1e-9 {
				best, bestGain = i, g
			}
		}
		if best < 0 || bestGain < minReasonGain {
			break
		}
		l := lines[best]
		why = append(why, x.reasonLine(l.field, l.text, l.terms, q))
		for t := range l.terms {
			covered[t] = true
		}
	}

	total, got := 0.0, 0.0
	for t := range q.terms {
		w := x.termWeight(t, q)
		total += w
		if covered[t] || anyHas(lines, t) {
			got += w
		}
	}
	evidence += got
	if total > 0 {
		coverage = got / total
	}
	return why, coverage, evidence
}

// storyLine is one line of a story with the query terms it holds.
type storyLine struct {
	field, text string
	terms       map[string]bool
}

func anyHas(lines []storyLine, t string) bool {
	for _, l := range lines {
		if l.terms[t] {
			return true
		}
	}
	return false
}

func (x *Index) reasonLine(field, text string, terms map[string]bool, q *compiledQuery) string {
	// The rarest words first, so the line says what matters; ties in a fixed order so the same
	// query always reads the same. A synonym source that is also one of the user's words is not
	// repeated.
	keys := make([]string, 0, len(terms))
	for t := range terms {
		keys = append(keys, t)
	}
	sort.Slice(keys, func(i, j int) bool {
		wi, wj := x.termWeight(keys[i], q), x.termWeight(keys[j], q)
		if wi != wj {
			return wi > wj
		}
		return keys[i] < keys[j]
	})
	var own, syn []string
	seen := map[string]bool{}
	for _, t := range keys {
		w, ok := q.terms[t]
		if !ok || len(own) == maxReasonWords {
			continue
		}
		if kv, fromLabel := q.labelOf[t]; fromLabel {
			w = kv // an alert label reads better as container=coredns than as coredns
		}
		if lw := strings.ToLower(w); !seen[lw] {
			seen[lw] = true
			seen[strings.ToLower(q.terms[t])] = true
			own = append(own, lw)
		}
	}
	for _, t := range keys {
		via, ok := q.via[t]
		if !ok || len(syn) == maxReasonWords/2 || seen[strings.ToLower(via)] {
			continue
		}
		seen[strings.ToLower(via)] = true
		syn = append(syn, via)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %q", singular(field), quote(text))
	if len(own) > 0 {
		b.WriteString(" matches " + strings.Join(own, ", "))
	}
	if len(syn) > 0 {
		if len(own) > 0 {
			b.WriteString(";")
		}
		b.WriteString(" related to your " + strings.Join(syn, ", "))
	}
	return b.String()
}

// termWeight is the BM25 IDF of a term over every story known: a word every story has explains
// nothing.
func (x *Index) termWeight(t string, q *compiledQuery) float64 {
	n, df := float64(q.weights.n()), float64(q.weights.df(t))
	w := math.Log(1 + (n-df+0.5)/(df+0.5))
	if _, own := q.terms[t]; !own {
		w *= expansionBoost
	}
	return w
}

func fieldWeight(field string) float64 {
	switch field {
	case "alerts", "symptoms", "errors", "metrics", learnedField:
		return 1
	case "title", "components":
		return 0.8
	default:
		return 0.6
	}
}

func singular(field string) string {
	switch field {
	case "symptoms":
		return "symptom"
	case "errors":
		return "error"
	case "metrics":
		return "metric"
	case "lessons":
		return "lesson"
	case "components":
		return "component"
	case "alerts":
		return "alert"
	case learnedField:
		return "marked helpful for"
	}
	return field
}

func quote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxQuoteRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxQuoteRunes])) + "…"
}
