package postmortem

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"
)

//go:embed templates/*.md.tmpl templates/partials.tmpl
var builtinTemplates embed.FS

const (
	templateExt     = ".md.tmpl"
	defaultTemplate = "google-sre"
	// maxRender bounds what one template may write, so that a custom template that loops (or
	// recurses) fails with an error instead of filling memory. Real postmortems are a few KB.
	maxRender = 1 << 20
)

// Templates are the postmortem templates a team can draft with: the built-in ones and its own.
// A *Templates is safe for concurrent use; it is not changed after LoadTemplates.
type Templates struct {
	sets map[string]*template.Template // name -> a set holding the partials and that template
}

// UnknownTemplateError is Render's error for a template name it does not have.
type UnknownTemplateError struct {
	Name      string
	Available []string
}

func (e *UnknownTemplateError) Error() string {
	return fmt.Sprintf("unknown postmortem template %q; available: %s", e.Name, strings.Join(e.Available, ", "))
}

// LoadTemplates returns the built-in templates plus every "*.md.tmpl" file in dir (dir "" means
// the built-ins only). A file's name without ".md.tmpl" is its template's name; a custom file
// named like a built-in replaces it. A template that does not parse is an error naming its file
// and line. See TemplateData for what a template can use.
func LoadTemplates(dir string) (*Templates, error) {
	partials, err := builtinTemplates.ReadFile("templates/partials.tmpl")
	if err != nil {
		return nil, fmt.Errorf("read built-in partials: %w", err)
	}
	base, err := template.New("partials").Funcs(templateFuncs(time.UTC)).Parse(string(partials))
	if err != nil {
		return nil, fmt.Errorf("parse built-in partials: %w", err)
	}
	t := &Templates{sets: map[string]*template.Template{}}
	add := func(file, text string) error {
		name := strings.TrimSuffix(filepath.Base(file), templateExt)
		set, err := base.Clone()
		if err != nil {
			return fmt.Errorf("template %s: %w", file, err)
		}
		if _, err := set.New(name).Parse(text); err != nil {
			return fmt.Errorf("template %s: %w", file, err)
		}
		t.sets[name] = set
		return nil
	}
	builtins, err := builtinTemplates.ReadDir("templates")
	if err != nil {
		return nil, fmt.Errorf("read built-in templates: %w", err)
	}
	for _, e := range builtins {
		if !strings.HasSuffix(e.Name(), templateExt) {
			continue
		}
		text, err := builtinTemplates.ReadFile("templates/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read built-in template %s: %w", e.Name(), err)
		}
		if err := add(e.Name(), string(text)); err != nil {
			return nil, err
		}
	}
	if dir == "" {
		return t, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read template folder: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), templateExt) || e.Name() == templateExt {
			continue
		}
		path := filepath.Join(dir, e.Name())
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
		if err := add(path, string(text)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Names returns the template names, sorted.
func (t *Templates) Names() []string {
	names := make([]string, 0, len(t.sets))
	for n := range t.sets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Default returns the name of the template drafts use unless a team picks another.
func (t *Templates) Default() string { return defaultTemplate }

// Render executes the named template on p, showing times in loc (nil means UTC). An unknown
// name returns an *UnknownTemplateError. Runs of blank lines in the output are folded to one,
// so that templates can be written for reading.
func (t *Templates) Render(name string, p *Postmortem, loc *time.Location) (string, error) {
	set, ok := t.sets[name]
	if !ok {
		return "", &UnknownTemplateError{Name: name, Available: t.Names()}
	}
	if loc == nil {
		loc = time.UTC
	}
	if p == nil {
		p = &Postmortem{}
	}
	data, err := newTemplateData(name, p, loc)
	if err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	// The set is cloned so that its functions can show times in loc without a lock: Render
	// may run for several channels at once.
	run, err := set.Clone()
	if err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	run.Funcs(templateFuncs(loc))
	w := &cappedBuffer{max: maxRender}
	if err := run.ExecuteTemplate(w, name, data); err != nil {
		if errors.Is(err, errTooLong) {
			return "", fmt.Errorf("render %s: output passed %d bytes: does the template loop?", name, maxRender)
		}
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return tidy(w.String()), nil
}

var errTooLong = errors.New("output too long")

// cappedBuffer is a buffer that refuses to grow past max.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTooLong
	}
	return b.Buffer.Write(p)
}

var blankRunRE = regexp.MustCompile(`\n(?:[ \t]*\n){2,}`)

// tidy folds runs of blank lines and ends the text with one newline.
func tidy(s string) string {
	s = blankRunRE.ReplaceAllString(s, "\n\n")
	return strings.TrimLeft(strings.TrimRight(s, " \t\n"), "\n") + "\n"
}
