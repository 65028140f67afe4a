package knowledge

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)

func validateStory(file string, root *yaml.Node, s *Story, checklists map[string]*Checklist) error {
	var errs []error
	bad := func(field string, line int, format string, args ...any) {
		errs = append(errs, &LoadError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if !slugRE.MatchString(s.ID) {
		bad("id", keyLine(root, "id"), "want a slug of lowercase letters, digits and dashes, such as acme-dns-outage-2024; got %q", s.ID)
	}
	if strings.TrimSpace(s.Title) == "" {
		bad("title", keyLine(root, "title"), "required")
	}
	if err := checkURL(s.URL); err != nil {
		bad("url", keyLine(root, "url"), "%v", err)
	}
	if s.Year != 0 && (s.Year < 1970 || s.Year > 2100) {
		bad("year", keyLine(root, "year"), "want a four-digit year, got %d", s.Year)
	}
	if len(s.Classes) == 0 {
		bad("classes", keyLine(root, "classes"), "at least one failure class is required; known classes: %s", knownClasses(checklists))
	}
	for i, c := range s.Classes {
		if _, ok := checklists[c]; !ok {
			bad(fmt.Sprintf("classes[%d]", i), itemLine(root, "classes", i), "unknown class %q; known classes: %s (or add checklists/%s.yaml)", c, knownClasses(checklists), c)
		}
	}
	if len(s.Symptoms) == 0 {
		bad("symptoms", keyLine(root, "symptoms"), "at least one symptom is required: how the failure looked to responders")
	}
	for _, list := range []struct {
		key   string
		items []string
	}{{"symptoms", s.Symptoms}, {"errors", s.Errors}, {"alerts", s.Alerts}, {"metrics", s.Metrics}, {"components", s.Components}, {"lessons", s.Lessons}} {
		for i, item := range list.items {
			if strings.TrimSpace(item) == "" {
				bad(fmt.Sprintf("%s[%d]", list.key, i), itemLine(root, list.key, i), "empty item")
			}
		}
	}
	return errors.Join(errs...)
}

func checkURL(raw string) error {
	if raw == "" {
		return errors.New("required: the link to the write-up")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL, got %q", raw)
	}
	return nil
}

func validateChecklist(file string, root *yaml.Node, cl *Checklist) error {
	var errs []error
	bad := func(field string, line int, format string, args ...any) {
		errs = append(errs, &LoadError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if !slugRE.MatchString(cl.Class) {
		bad("class", keyLine(root, "class"), "want a slug of lowercase letters, digits and dashes; got %q", cl.Class)
	}
	if want := strings.TrimSuffix(file[strings.LastIndex(file, "/")+1:], ".yaml"); cl.Class != want {
		bad("class", keyLine(root, "class"), "class %q must match the file name %s.yaml", cl.Class, want)
	}
	if strings.TrimSpace(cl.Name) == "" {
		bad("name", keyLine(root, "name"), "required")
	}
	for _, sec := range []struct {
		key   string
		steps []Step
	}{{"look", cl.Look}, {"mitigate", cl.Mitigate}, {"fix", cl.Fix}} {
		if len(sec.steps) == 0 {
			bad(sec.key, keyLine(root, sec.key), "at least one step is required")
		}
		for i, st := range sec.steps {
			if strings.TrimSpace(st.Step) == "" {
				bad(fmt.Sprintf("%s[%d].step", sec.key, i), itemLine(root, sec.key, i), "required")
			}
		}
	}
	return errors.Join(errs...)
}

func knownClasses(checklists map[string]*Checklist) string {
	c := &Catalog{checklists: checklists}
	return strings.Join(c.Classes(), ", ")
}
