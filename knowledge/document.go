package knowledge

import (
	"encoding/json"
	"strings"

	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// notInAll are the fields the cross-field "_all" leaves out: exact names and the stored story.
var notInAll = []string{"alertnames", "classes", "kind", storyField}

// document builds what bleve indexes for s, field by field as the mapping would, except that
// "_all" keeps no term positions: nothing searches phrases or highlights, and positions were
// a third of the cost of writing a segment.
func (x *Index) document(s *Story) *document.Document {
	d := x.doc(s)
	doc := document.NewDocument(s.ID)
	text := func(name, value string) {
		doc.AddField(document.NewTextFieldCustom(name, nil, []byte(value), index.IndexField, x.analyzer))
	}
	keywords := func(name string, values []string) {
		for i, v := range values {
			doc.AddField(document.NewTextFieldCustom(name, []uint64{uint64(i)}, []byte(v), index.IndexField, x.keyword))
		}
	}
	// Title, components and prose are only searched through "_all": one field for the three
	// gives "_all" the same terms and lengths and writes a third of the postings.
	text("text", d.Title+"\n"+d.Components+"\n"+d.Prose)
	text("signals", d.Signals)
	text(learnedField, d.Learned)
	keywords("alertnames", d.Alertnames)
	keywords("classes", d.Classes)
	keywords("kind", []string{d.Kind})
	if d.Story != "" {
		doc.AddField(document.NewTextFieldWithIndexingOptions(storyField, nil, []byte(d.Story), index.StoreField))
	}
	doc.AddField(document.NewCompositeFieldWithIndexingOptions("_all", true, nil, notInAll, index.IndexField))
	return doc
}

// doc is what the index holds of s as text, with what responders taught.
func (x *Index) doc(s *Story) indexDoc {
	d := storyDoc(s)
	if s.Team() {
		raw, _ := json.Marshal(s) // a Story has only strings, numbers and lists of them
		d.Story = string(raw)
	}
	x.mu.RLock()
	d.Learned = withCompoundParts(strings.Join(x.learned[s.ID], "\n"))
	x.mu.RUnlock()
	return d
}
