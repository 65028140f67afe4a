package knowledge

import (
	"errors"
	"testing"
)

// FuzzLoadStory feeds arbitrary bytes to the parser of a team's catalog files: it must never
// panic, and every rejection must be a *LoadError naming the file.
func FuzzLoadStory(f *testing.F) {
	seeds := []string{
		"id: a-b\ntitle: t\nurl: https://x.example/\nclasses: [dns]\nsymptoms: [slow]\n",
		"id: a\nyear: twenty\n",
		"- just\n- a list\n",
		"id: [\n",
		"symptoms:\n  - \n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	checklists := map[string]*Checklist{"dns": {Class: "dns"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Story
		root, err := decodeStrict("stories/fuzz.yaml", data, &s)
		if err == nil {
			err = validateStory("stories/fuzz.yaml", root, &s, checklists)
		}
		if err == nil {
			return
		}
		var le *LoadError
		if !errors.As(err, &le) || le.File != "stories/fuzz.yaml" {
			t.Fatalf("error %T %q, want a *LoadError naming the file", err, err)
		}
	})
}
