package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadError reports a problem in a catalog file, with the line and field it concerns, so that a
// team editing its own entries can go straight to the mistake.
type LoadError struct {
	File  string
	Line  int    // 0 when the problem has no single line
	Field string // dotted path such as "symptoms[2]"; empty for the whole file
	Msg   string
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
var unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type`)

// decodeStrict decodes one YAML document into v, rejecting unknown fields, and returns the
// document's node tree so that later checks can name lines. Every decoding problem becomes a
// *LoadError; several are joined.
func decodeStrict(file string, data []byte, v any) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, nil, err.Error())
	}
	if len(doc.Content) == 0 {
		return nil, &LoadError{File: file, Msg: "file is empty"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &LoadError{File: file, Line: root.Line, Msg: "want a mapping of field: value at the top level"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	var te *yaml.TypeError
	switch {
	case err == nil:
		return root, nil
	case errors.As(err, &te):
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, yamlErrorFor(file, root, msg, v))
		}
		return nil, errors.Join(errs...)
	default:
		return nil, yamlError(file, root, err.Error())
	}
}

func yamlError(file string, root *yaml.Node, msg string) *LoadError {
	// A quoted value may hold line breaks; one problem stays on one line.
	msg = strings.ReplaceAll(msg, "\n", `\n`)
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return &LoadError{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	return &LoadError{File: file, Line: line, Field: fieldAtLine(root, line, ""), Msg: m[2]}
}

func yamlErrorFor(file string, root *yaml.Node, msg string, v any) *LoadError {
	e := yamlError(file, root, msg)
	if m := unknownFieldRE.FindStringSubmatch(e.Msg); m != nil {
		e.Field = m[1]
		e.Msg = "unknown field; known fields are " + strings.Join(yamlFields(v), ", ")
	}
	return e
}

// yamlFields lists the YAML keys a struct accepts, for "unknown field" messages.
func yamlFields(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// fieldAtLine returns the dotted path of the key or list item that starts on line.
func fieldAtLine(n *yaml.Node, line int, path string) string {
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := joinPath(path, k.Value)
			if found := fieldAtLine(val, line, p); found != "" {
				return found
			}
			if k.Line == line || val.Line == line {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if found := fieldAtLine(item, line, p); found != "" {
				return found
			}
			if item.Line == line {
				return p
			}
		}
	}
	return ""
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keyLine returns the line of a top-level key, or of the mapping itself when the key is absent.
func keyLine(root *yaml.Node, key string) int {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i].Line
		}
	}
	return root.Line
}

// itemLine returns the line of item i of a top-level list key.
func itemLine(root *yaml.Node, key string, i int) int {
	for j := 0; j+1 < len(root.Content); j += 2 {
		if root.Content[j].Value == key && root.Content[j+1].Kind == yaml.SequenceNode {
			if items := root.Content[j+1].Content; i < len(items) {
				return items[i].Line
			}
		}
	}
	return keyLine(root, key)
}

// ExplainYAML rewrites an error yaml.v3 gave decoding data so that each problem names the file,
// the line and the dotted key it concerns ("tacoma.yaml:3: slack.workers: cannot unmarshal ..."),
// for configuration files outside the catalog.
func ExplainYAML(file string, data []byte, err error) error {
	var doc yaml.Node
	var root *yaml.Node
	if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, yamlError(file, root, msg))
		}
		return errors.Join(errs...)
	}
	return yamlError(file, root, err.Error())
}
