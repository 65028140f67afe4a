package deploy_test

import (
	"bufio"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, ...
	Args string
}

// stage is one FROM and the instructions up to the next.
type stage struct {
	From string // the image, with ARG defaults substituted
	Name string // after AS, if any
	Body []instruction
}

// dockerfile is the little of Dockerfile syntax these tests need: comments, parser directives,
// backslash continuations, global ARG defaults and stages. It is not a general parser.
type dockerfile struct {
	Args   map[string]string // global ARGs (before the first FROM) and their defaults
	Stages []stage
}

func parseDockerfile(t *testing.T, file string) dockerfile {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ins []instruction
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") { // also drops comments inside a continuation, as Docker does
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		ins = append(ins, instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	df := dockerfile{Args: map[string]string{}}
	for _, in := range ins {
		switch {
		case in.Cmd == "ARG" && len(df.Stages) == 0:
			for _, a := range strings.Fields(in.Args) {
				name, def, _ := strings.Cut(a, "=")
				df.Args[name] = def
			}
		case in.Cmd == "FROM":
			var st stage
			for _, w := range strings.Fields(in.Args) {
				switch {
				case strings.HasPrefix(w, "--"):
				case st.From == "":
					st.From = os.Expand(w, func(k string) string { return df.Args[k] })
				case !strings.EqualFold(w, "AS"):
					st.Name = w
				}
			}
			df.Stages = append(df.Stages, st)
		case len(df.Stages) > 0:
			last := &df.Stages[len(df.Stages)-1]
			last.Body = append(last.Body, in)
		}
	}
	if len(df.Stages) == 0 {
		t.Fatalf("%s: no FROM", file)
	}
	return df
}

// all returns the arguments of every instruction cmd in the stage.
func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.Body {
		if in.Cmd == cmd {
			out = append(out, in.Args)
		}
	}
	return out
}

// shellWords splits a command line into words, honouring double and single quotes. Enough for
// the Dockerfile's build command; no escapes or expansions.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// dockerignore holds .dockerignore patterns in order. A path is excluded when the last pattern
// that matches it, or one of its parent folders, is not a "!" exception (BuildKit's rule).
type dockerignore []ignorePattern

type ignorePattern struct {
	parts  []string // the cleaned pattern split at "/"; "**" matches any number of segments
	negate bool
}

func parseDockerignore(t *testing.T, file string) dockerignore {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var d dockerignore
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{}
		if s, ok := strings.CutPrefix(line, "!"); ok {
			p.negate, line = true, s
		}
		p.parts = strings.Split(strings.TrimPrefix(path.Clean(line), "/"), "/")
		d = append(d, p)
	}
	return d
}

// excluded reports whether the slash-separated path, relative to the context root, is left out
// of the build context.
func (d dockerignore) excluded(p string) bool {
	segs := strings.Split(p, "/")
	out := false
	for _, pat := range d {
		for n := 1; n <= len(segs); n++ {
			if matchSegments(pat.parts, segs[:n]) {
				out = !pat.negate
				break
			}
		}
	}
	return out
}

func matchSegments(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchSegments(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, err := path.Match(pat[0], segs[0])
	return err == nil && ok && matchSegments(pat[1:], segs[1:])
}

// goDirective returns go.mod's go line, e.g. "1.26.8".
func goDirective(t *testing.T, gomod string) string {
	t.Helper()
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\S+)\s*$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no go line", gomod)
	}
	return string(m[1])
}
