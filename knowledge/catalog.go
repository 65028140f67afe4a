package knowledge

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
)

// ErrNotFound is returned for a story id or class the catalog does not have.
var ErrNotFound = errors.New("not found")

// Catalog is the set of stories, checklists and synonyms Tacoma matches against. It is immutable
// once loaded and safe for concurrent use.
type Catalog struct {
	stories    []*Story
	byID       map[string]*Story
	checklists map[string]*Checklist
	synonyms   []SynonymGroup
}

// LoadCatalog loads the embedded catalog and then each of dirs, a team's own catalog folders laid
// out like the embedded one: stories/*.yaml, checklists/*.yaml and an optional synonyms.yaml.
// Every problem in every file is reported at once, each naming its file, line and field.
func LoadCatalog(dirs ...string) (*Catalog, error) {
	sources := []source{{name: "builtin:", fsys: mustSub(builtin, "catalog")}}
	for _, d := range dirs {
		info, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("catalog folder: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("catalog folder %s: not a folder (want stories/, checklists/ or synonyms.yaml inside)", d)
		}
		sources = append(sources, source{name: d, fsys: os.DirFS(d), user: true})
	}
	return loadSources(sources)
}

type source struct {
	name string // shown in errors; a folder path or "builtin:"
	fsys fs.FS
	user bool
}

func (s source) file(name string) string {
	if s.name == "builtin:" {
		return "builtin:" + name
	}
	return path.Join(s.name, name)
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

func loadSources(sources []source) (*Catalog, error) {
	c := &Catalog{byID: map[string]*Story{}, checklists: map[string]*Checklist{}}
	var errs []error
	// Checklists and synonyms of every source come first, so that a team's story may use a class
	// its own checklist defines.
	for _, src := range sources {
		checklists, err := fs.Glob(src.fsys, "checklists/*.yaml")
		if err != nil {
			return nil, err
		}
		for _, f := range checklists {
			errs = append(errs, c.addChecklist(src, f))
		}
		syn, err := loadSynonyms(src)
		errs = append(errs, err)
		c.synonyms = append(c.synonyms, syn...)
		stories, err := fs.Glob(src.fsys, "stories/*.yaml")
		if err != nil {
			return nil, err
		}
		if src.user && len(checklists)+len(stories) == 0 && syn == nil && err == nil {
			errs = append(errs, fmt.Errorf("catalog folder %s: no stories/*.yaml, checklists/*.yaml or synonyms.yaml inside", src.name))
		}
	}
	for _, src := range sources {
		files, _ := fs.Glob(src.fsys, "stories/*.yaml")
		for _, f := range files {
			errs = append(errs, c.addStory(src, f))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(c.stories, func(i, j int) bool { return c.stories[i].ID < c.stories[j].ID })
	return c, nil
}

func (c *Catalog) addChecklist(src source, name string) error {
	file := src.file(name)
	data, err := fs.ReadFile(src.fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	var cl Checklist
	root, err := decodeStrict(file, data, &cl)
	if err != nil {
		return err
	}
	cl.Source = file
	if err := validateChecklist(file, root, &cl); err != nil {
		return err
	}
	if prev, ok := c.checklists[cl.Class]; ok {
		return &LoadError{File: file, Line: keyLine(root, "class"), Field: "class",
			Msg: fmt.Sprintf("class %q already has a checklist in %s", cl.Class, prev.Source)}
	}
	c.checklists[cl.Class] = &cl
	return nil
}

func (c *Catalog) addStory(src source, name string) error {
	file := src.file(name)
	data, err := fs.ReadFile(src.fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	var s Story
	root, err := decodeStrict(file, data, &s)
	if err != nil {
		return err
	}
	s.Source = file
	if err := validateStory(file, root, &s, c.checklists); err != nil {
		return err
	}
	if prev, ok := c.byID[s.ID]; ok {
		return &LoadError{File: file, Line: keyLine(root, "id"), Field: "id",
			Msg: fmt.Sprintf("duplicate id %q (also in %s)", s.ID, prev.Source)}
	}
	c.byID[s.ID] = &s
	c.stories = append(c.stories, &s)
	return nil
}

// Stories returns every story, ordered by id. The caller must not modify them.
func (c *Catalog) Stories() []*Story { return c.stories }

// Story returns the story with the given id, or ErrNotFound.
func (c *Catalog) Story(id string) (*Story, error) {
	s, ok := c.byID[id]
	if !ok {
		return nil, fmt.Errorf("story %q: %w", id, ErrNotFound)
	}
	return s, nil
}

// Checklist returns the checklist of a failure class, or ErrNotFound.
func (c *Catalog) Checklist(class string) (*Checklist, error) {
	cl, ok := c.checklists[class]
	if !ok {
		return nil, fmt.Errorf("checklist %q: %w", class, ErrNotFound)
	}
	return cl, nil
}

// Classes returns every failure class id, sorted.
func (c *Catalog) Classes() []string {
	classes := make([]string, 0, len(c.checklists))
	for k := range c.checklists {
		classes = append(classes, k)
	}
	slices.Sort(classes)
	return classes
}

// Synonyms returns the synonym groups of every source, builtin first.
func (c *Catalog) Synonyms() []SynonymGroup { return c.synonyms }
