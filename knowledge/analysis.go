package knowledge

import (
	"regexp"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

const analyzerName = "tacoma"

// stopWords is deliberately small. bleve's English list drops "down", "not", "out", "up", "no",
// "after" and "during", which carry the meaning of incident messages ("node down", "not ready",
// "out of memory", "after the deploy"); BM25's IDF already discounts the frequent words left in.
var stopWords = []any{
	"a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am",
	"to", "of", "in", "on", "at", "by", "for", "with", "and", "or", "but", "as", "from", "into",
	"it", "its", "it's", "this", "that", "these", "those", "there", "here",
	"i", "we", "you", "they", "he", "she", "me", "us", "them", "our", "my", "your", "their",
	"has", "have", "had", "do", "does", "did", "so", "just", "also", "can", "could", "would",
	"should", "will", "any", "some", "what", "which", "who", "whom", "when", "where", "how", "why",
	"if", "then", "than", "about", "seems", "seem", "like", "hey", "hi", "anyone", "guys", "folks",
	"please", "pls", "now", "still", "really", "lot", "lots", "bit", "im", "i'm", "we're", "ive",
	"getting", "get", "got", "see", "seeing", "saw", "looks", "look", "looking", "think", "thing",
	"ok", "okay", "yeah", "yes", "hmm", "lol", "anybody", "somebody", "something", "someone",
	// URL scaffolding in pasted links and alert labels.
	"http", "https", "www",
}

// newMapping builds the index mapping: one custom analyzer for every text field (Unicode words,
// lowercase, a small stop list, Porter stems) and BM25 scoring, which bleve honours only on the
// scorch engine (see NewIndex).
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	if err := m.AddCustomTokenMap("tacoma_stop", map[string]any{"type": tokenmap.Name, "tokens": stopWords}); err != nil {
		return nil, err
	}
	if err := m.AddCustomTokenFilter("tacoma_stop", map[string]any{"type": stop.Name, "stop_token_map": "tacoma_stop"}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, "tacoma_stop", porter.Name},
	}); err != nil {
		return nil, err
	}
	m.DefaultAnalyzer = analyzerName

	text := func(w bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerName
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = w
		f.DocValues = false // nothing sorts or facets on text
		return f
	}
	kw := bleve.NewTextFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store = false
	kw.IncludeTermVectors = false
	kw.IncludeInAll = false
	kw.DocValues = false
	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeTermVectors = false
	stored.IncludeInAll = false
	stored.DocValues = false

	doc := bleve.NewDocumentMapping()
	doc.AddFieldMappingsAt("text", text(true))
	doc.AddFieldMappingsAt("signals", text(true))
	doc.AddFieldMappingsAt(learnedField, text(true))
	doc.AddFieldMappingsAt("alertnames", kw)
	doc.AddFieldMappingsAt("classes", kw)
	doc.AddFieldMappingsAt(storyField, stored)
	m.DefaultMapping = doc
	return m, nil
}

// compoundRE finds words that hide several: CamelCase alert and reason names (OOMKilled,
// KubeNodeNotReady), snake_case metric names (nf_conntrack, container_cpu_cfs_throttled_seconds_total).
var compoundRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[A-Za-z]*[a-z0-9][A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z][A-Za-z0-9]*`)
var camelRE = regexp.MustCompile(`([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])`)

// withCompoundParts returns text followed by the parts of each compound word in it, so that
// "OOMKilled" also matches "OOM killed" and "nf_conntrack" also matches "conntrack". The original
// word stays, so a message that spells it the same way still matches it exactly.
func withCompoundParts(text string) string {
	words := compoundWords(text)
	if len(words) == 0 {
		return text
	}
	var b strings.Builder
	b.WriteString(text)
	for _, w := range words {
		parts := strings.ReplaceAll(w, "_", " ")
		parts = camelRE.ReplaceAllString(parts, "${1}${3} ${2}${4}")
		if parts != w {
			b.WriteString(" \n")
			b.WriteString(parts)
		}
	}
	return b.String()
}

// compoundWords returns what compoundRE finds in text. Every character the pattern matches is
// a letter, a digit or "_", so a match never crosses another character: the regexp, which
// backtracks and cost a third of a build over whole lines, runs only on the runs of such
// characters that can hold a compound word.
func compoundWords(text string) []string {
	var words []string
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && isWordByte(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if run := text[start:i]; mayHoldCompound(run) {
				words = append(words, compoundRE.FindAllString(run, -1)...)
			}
			start = -1
		}
	}
	return words
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// mayHoldCompound reports whether text has what every compoundRE match needs: an underscore, or
// an upper-case letter right after a letter or digit.
func mayHoldCompound(text string) bool {
	for i := 1; i < len(text); i++ {
		c, p := text[i], text[i-1]
		if c == '_' {
			return true
		}
		if c >= 'A' && c <= 'Z' && (p >= 'a' && p <= 'z' || p >= 'A' && p <= 'Z' || p >= '0' && p <= '9') {
			return true
		}
	}
	return false
}

// token is one analyzed term with the words of the input it came from.
type token struct {
	term string
	word string
}

// analyze runs the index's analyzer over text and keeps, for each term, the input word it came
// from, so that reasons can show the responder's own words.
func analyze(a analysis.Analyzer, text string) []token {
	stream := a.Analyze([]byte(text))
	out := make([]token, 0, len(stream))
	for _, t := range stream {
		out = append(out, token{term: string(t.Term), word: text[t.Start:t.End]})
	}
	return out
}
