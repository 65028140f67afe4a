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
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
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
	// renderTimeout bounds one Render. A template can loop without writing anything ({{range
	// 100000000}}{{end}}, ranges nested over the timeline), which maxRender cannot catch, and
	// text/template has no cancellation: such a render is abandoned, not stopped. Its goroutine
	// runs on until the loop ends or it next writes, and the template is refused from then on,
	// so that one bad file costs at most one busy goroutine rather than one per draft.
	renderTimeout = 2 * time.Second
)

// Templates are the postmortem templates a team can draft with: the built-in ones and its own.
// A *Templates is safe for concurrent use.
type Templates struct {
	sets map[string]*template.Template // name -> a set holding the partials and that template; not changed after LoadTemplates

	mu      sync.Mutex
	runaway map[string]bool // templates whose render passed renderTimeout; see there
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
	t := &Templates{sets: map[string]*template.Template{}, runaway: map[string]bool{}}
	add := func(file, text string) error {
		name := strings.TrimSuffix(filepath.Base(file), templateExt)
		set, err := base.Clone()
		if err != nil {
			return fmt.Errorf("template %s: %w", file, err)
		}
		tpl, err := set.New(name).Parse(text)
		if err != nil {
			return fmt.Errorf("template %s: %w", file, err)
		}
		if err := checkRanges(tpl); err != nil {
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
	if t.isRunaway(name) {
		return "", fmt.Errorf("render %s: %w", name, errRunaway)
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
	done := make(chan error, 1) // buffered: an abandoned render must still be able to finish
	go func() { done <- run.ExecuteTemplate(w, name, data) }()
	timer := time.NewTimer(renderTimeout)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		w.abandoned.Store(true)
		t.mu.Lock()
		t.runaway[name] = true
		t.mu.Unlock()
		return "", fmt.Errorf("render %s: %w", name, errRunaway)
	}
	if err != nil {
		if errors.Is(err, errTooLong) {
			return "", fmt.Errorf("render %s: output passed %d bytes: does the template loop?", name, maxRender)
		}
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return tidy(w.String()), nil
}

var errRunaway = fmt.Errorf("took longer than %v, so it is not used until the templates are loaded again: does the template loop?", renderTimeout)

func (t *Templates) isRunaway(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.runaway[name]
}

var errTooLong = errors.New("output too long")

var errAbandoned = errors.New("render abandoned")

// cappedBuffer is a buffer that refuses to grow past max, and refuses every write once its
// render was abandoned, which ends a timed-out render at its next write.
type cappedBuffer struct {
	bytes.Buffer
	max       int
	abandoned atomic.Bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.abandoned.Load() {
		return 0, errAbandoned
	}
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

// maxRangeCount bounds `range N` over a number in a template: a postmortem never needs more, and
// a larger count is a loop that would spin a CPU until the render deadline.
const maxRangeCount = 10000

// checkRanges refuses `range` over a number literal above maxRangeCount, at load time, where
// the deadline in Render is only the last line of defence.
func checkRanges(t *template.Template) error {
	var cur *parse.Tree
	var walk func(n parse.Node) error
	walk = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.RangeNode:
			for _, cmd := range n.Pipe.Cmds {
				for _, arg := range cmd.Args {
					if num, ok := arg.(*parse.NumberNode); ok && (!num.IsInt || num.Int64 > maxRangeCount) {
						loc, _ := cur.ErrorContext(num)
						return fmt.Errorf("%s: range over %s: at most %d iterations", loc, num.Text, maxRangeCount)
					}
				}
			}
			if err := walk(n.List); err != nil {
				return err
			}
			return walk(n.ElseList)
		case *parse.IfNode:
			if err := walk(n.List); err != nil {
				return err
			}
			return walk(n.ElseList)
		case *parse.WithNode:
			if err := walk(n.List); err != nil {
				return err
			}
			return walk(n.ElseList)
		}
		return nil
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			cur = tt.Tree
			if err := walk(tt.Tree.Root); err != nil {
				return err
			}
		}
	}
	return nil
}
