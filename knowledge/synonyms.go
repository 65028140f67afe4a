package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// SynonymGroup is a set of words and phrases responders use for the same thing. When a message
// contains any of Same, the others and every Implies entry are added to the search at a lower
// weight. Phrases may have several words: bleve's own synonyms keep only single tokens, so
// expansion happens here, before the query is built.
type SynonymGroup struct {
	Same    []string `yaml:"same" json:"same"`
	Implies []string `yaml:"implies,omitempty" json:"implies,omitempty"`
}

type synonymFile struct {
	Groups []SynonymGroup `yaml:"groups"`
}

func loadSynonyms(src source) ([]SynonymGroup, error) {
	data, err := fs.ReadFile(src.fsys, "synonyms.yaml")
	if err != nil {
		if src.user && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", src.file("synonyms.yaml"), err)
	}
	file := src.file("synonyms.yaml")
	var sf synonymFile
	root, err := decodeStrict(file, data, &sf)
	if err != nil {
		return nil, err
	}
	for i, g := range sf.Groups {
		if len(g.Same) == 0 {
			return nil, &LoadError{File: file, Line: itemLine(root, "groups", i), Field: fmt.Sprintf("groups[%d].same", i), Msg: "at least one word or phrase is required"}
		}
		for _, w := range append(append([]string{}, g.Same...), g.Implies...) {
			if strings.TrimSpace(w) == "" {
				return nil, &LoadError{File: file, Line: itemLine(root, "groups", i), Field: fmt.Sprintf("groups[%d]", i), Msg: "empty word or phrase"}
			}
		}
	}
	if sf.Groups == nil {
		sf.Groups = []SynonymGroup{}
	}
	return sf.Groups, nil
}
