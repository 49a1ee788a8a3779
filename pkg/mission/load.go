package mission

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// SpecError is an invalid mission file; its message reads file:line:col: what.
type SpecError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *SpecError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Parse decodes and validates a mission file strictly. name is used in
// error messages.
func Parse(name string, data []byte) (m *Mission, err error) {
	// goccy/go-yaml v1.19.2 can panic on some malformed documents (a tag
	// on a sequence entry: see testdata/fuzz/FuzzParse); a mission from a
	// stranger must give an error, never a crash.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &SpecError{File: name, Msg: "not a valid mission document (the YAML decoder failed on it)"}
		}
	}()
	return parse(name, data)
}

func parse(name string, data []byte) (*Mission, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, specError(name, err)
	}
	var m Mission
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField())
	if err := dec.Decode(&m); err != nil {
		return nil, specError(name, err)
	}
	m.Source = name
	if err := m.validate(); err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			line, col := position(file, pe.path)
			return nil, &SpecError{File: name, Line: line, Column: col, Msg: pe.msg}
		}
		return nil, &SpecError{File: name, Msg: err.Error()}
	}
	return &m, nil
}

func specError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &SpecError{File: name, Line: p.Line, Column: p.Column, Msg: ye.GetMessage()}
	}
	return &SpecError{File: name, Msg: err.Error()}
}

// pathError is a validation error at a YAML path such as $.objectives[1].id.
type pathError struct {
	path, msg string
}

func (e *pathError) Error() string { return e.msg }

func errAt(path, format string, args ...any) error {
	return &pathError{path: path, msg: fmt.Sprintf(format, args...)}
}

// position finds the line and column of the node at path, or of its
// nearest ancestor that exists.
func position(file *ast.File, path string) (int, int) {
	for path != "" {
		if p, err := yaml.PathString(path); err == nil {
			if node, err := p.FilterFile(file); err == nil && node != nil {
				tk := node.GetToken()
				return tk.Position.Line, tk.Position.Column
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return 0, 0
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func (m *Mission) validate() error {
	if m.APIVersion != APIVersion {
		return errAt("$.apiVersion", "apiVersion must be %q, not %q", APIVersion, m.APIVersion)
	}
	if !idPattern.MatchString(m.ID) {
		return errAt("$.id", "id %q must be lowercase letters, digits and dashes", m.ID)
	}
	if m.Title == "" {
		return errAt("$.title", "title is required")
	}
	if len(m.Objectives) == 0 {
		return errAt("$.objectives", "a mission needs at least one objective")
	}
	seen := map[string]bool{}
	for i, o := range m.Objectives {
		at := fmt.Sprintf("$.objectives[%d]", i)
		if !idPattern.MatchString(o.ID) {
			return errAt(at+".id", "objective id %q must be lowercase letters, digits and dashes", o.ID)
		}
		if seen[o.ID] {
			return errAt(at+".id", "objective id %q is used twice", o.ID)
		}
		seen[o.ID] = true
		if o.Title == "" {
			return errAt(at, "objective %s needs a title", o.ID)
		}
		if o.Points < 0 {
			return errAt(at+".points", "points cannot be negative")
		}
		if len(o.Checks) == 0 {
			return errAt(at+".checks", "objective %s needs at least one check", o.ID)
		}
		for j, c := range o.Checks {
			if err := c.validate(fmt.Sprintf("%s.checks[%d]", at, j)); err != nil {
				return err
			}
		}
	}
	return m.validateVars()
}

func (c Check) validate(at string) error {
	n := 0
	for _, set := range []bool{c.Image != nil, c.Archive != nil, c.Answer != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errAt(at, "a check has exactly one kind: image, archive or answer")
	}
	switch {
	case c.Image != nil && c.Image.Ref == "":
		return errAt(at+".image", "an image check needs ref")
	case c.Archive != nil && c.Archive.Path == "":
		return errAt(at+".archive", "an archive check needs path")
	case c.Archive != nil && c.Archive.MatchesDaemon && c.Archive.Contains == "":
		return errAt(at+".archive", "matchesDaemon needs contains: the tag to compare")
	case c.Answer != nil && c.Answer.RepoDigestOf == "":
		return errAt(at+".answer", "an answer check needs repoDigestOf")
	}
	return nil
}

// varRef matches a variable use such as {{.image}} or {{ .image }}.
var varRef = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// validateVars makes sure every {{.name}} used is declared.
func (m *Mission) validateVars() error {
	var err error
	m.walkStrings(func(path string, s *string) {
		for _, match := range varRef.FindAllStringSubmatch(*s, -1) {
			if _, ok := m.Vars[match[1]]; !ok && err == nil {
				err = errAt(path, "unknown variable %s; declare it under vars", match[1])
			}
		}
	})
	return err
}

// walkStrings visits every string field that may hold variables.
func (m *Mission) walkStrings(visit func(path string, s *string)) {
	m.walkSetup(visit)
	for i := range m.Objectives {
		o := &m.Objectives[i]
		at := fmt.Sprintf("$.objectives[%d]", i)
		visit(at+".title", &o.Title)
		visit(at+".solution", &o.Solution)
		for h := range o.Hints {
			visit(fmt.Sprintf("%s.hints[%d]", at, h), &o.Hints[h])
		}
		for j := range o.Checks {
			c := &o.Checks[j]
			cat := fmt.Sprintf("%s.checks[%d]", at, j)
			switch {
			case c.Image != nil:
				visit(cat+".image.ref", &c.Image.Ref)
				visit(cat+".image.sameAs", &c.Image.SameAs)
			case c.Archive != nil:
				visit(cat+".archive.path", &c.Archive.Path)
				visit(cat+".archive.contains", &c.Archive.Contains)
			case c.Answer != nil:
				visit(cat+".answer.prompt", &c.Answer.Prompt)
				visit(cat+".answer.repoDigestOf", &c.Answer.RepoDigestOf)
			}
		}
	}
}

func (m *Mission) walkSetup(visit func(path string, s *string)) {
	visit("$.title", &m.Title)
	visit("$.briefing", &m.Briefing)
	for i := range m.Setup.Images {
		visit(fmt.Sprintf("$.setup.images[%d].ref", i), &m.Setup.Images[i].Ref)
	}
}

// Expand returns a copy of the mission with every {{.name}} replaced by its
// value, overrides (from --var) taking precedence over the file's vars. An
// override for a variable the mission does not declare is an error.
func (m *Mission) Expand(overrides map[string]string) (*Mission, error) {
	vars := make(map[string]string, len(m.Vars))
	for k, v := range m.Vars {
		vars[k] = v
	}
	for k, v := range overrides {
		if _, ok := vars[k]; !ok {
			return nil, fmt.Errorf("mission %s has no variable %q (it has: %s)", m.ID, k, strings.Join(m.VarNames(), ", "))
		}
		vars[k] = v
	}
	out := m.clone()
	out.Vars = vars
	out.walkStrings(func(_ string, s *string) {
		*s = varRef.ReplaceAllStringFunc(*s, func(use string) string {
			return vars[varRef.FindStringSubmatch(use)[1]]
		})
	})
	return out, nil
}

// VarNames lists the mission's variables, sorted.
func (m *Mission) VarNames() []string {
	names := make([]string, 0, len(m.Vars))
	for k := range m.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// clone copies the mission deeply enough that expanding the copy leaves the
// original untouched.
func (m *Mission) clone() *Mission {
	out := *m
	out.Setup.Images = append([]SetupImage(nil), m.Setup.Images...)
	out.Objectives = make([]Objective, len(m.Objectives))
	for i, o := range m.Objectives {
		o.Hints = append([]string(nil), o.Hints...)
		checks := make([]Check, len(o.Checks))
		for j, c := range o.Checks {
			if c.Image != nil {
				v := *c.Image
				c.Image = &v
			}
			if c.Archive != nil {
				v := *c.Archive
				c.Archive = &v
			}
			if c.Answer != nil {
				v := *c.Answer
				c.Answer = &v
			}
			checks[j] = c
		}
		o.Checks = checks
		out.Objectives[i] = o
	}
	return &out
}

// Objective returns the objective with the given id.
func (m *Mission) Objective(id string) (*Objective, bool) {
	for i := range m.Objectives {
		if m.Objectives[i].ID == id {
			return &m.Objectives[i], true
		}
	}
	return nil, false
}
