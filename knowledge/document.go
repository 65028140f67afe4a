package knowledge

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// notInAll are the fields the cross-field "_all" leaves out: exact names and the stored story.
var notInAll = []string{"alertnames", "classes", storyField}

// document builds what bleve indexes for s, with what responders taught. Symptoms, errors,
// alert and metric names go in "signals", apart from the prose, so that queries can weigh what
// responders see above how the story was later explained. Fields are built here rather than by
// the mapping so that "_all" keeps no term positions: nothing searches phrases or highlights,
// and positions were a third of the cost of writing a segment.
func (x *Index) document(s *Story) *document.Document {
	doc := document.NewDocument(s.ID)
	text := func(name, value string) {
		doc.AddField(document.NewTextFieldCustom(name, nil, []byte(value), index.IndexField, x.analyzer))
	}
	keywords := func(name string, values []string) {
		for i, v := range values {
			doc.AddField(document.NewTextFieldCustom(name, []uint64{uint64(i)}, []byte(v), index.IndexField, x.keyword))
		}
	}
	lines := func(ls ...string) string { return withCompoundParts(strings.Join(ls, "\n")) }
	// Title, components and prose are only searched through "_all": one field for the three
	// gives "_all" the same terms and lengths and writes a third of the postings.
	prose := append([]string{s.Summary, s.Cause, s.Impact, s.Fix}, s.Lessons...)
	text("text", lines(s.Title)+"\n"+lines(s.Components...)+"\n"+lines(prose...))
	text("signals", lines(slices.Concat(s.Symptoms, s.Errors, s.Alerts, s.Metrics)...))
	x.mu.RLock()
	text(learnedField, lines(x.learned[s.ID]...))
	x.mu.RUnlock()
	names := make([]string, len(s.Alerts))
	for i, a := range s.Alerts {
		names[i] = strings.ToLower(a)
	}
	keywords("alertnames", names)
	keywords("classes", s.Classes)
	if s.Team() {
		raw, _ := json.Marshal(s) // a Story has only strings, numbers and lists of them
		doc.AddField(document.NewTextFieldWithIndexingOptions(storyField, nil, raw, index.StoreField))
	}
	doc.AddField(document.NewCompositeFieldWithIndexingOptions("_all", true, nil, notInAll, index.IndexField))
	return doc
}
