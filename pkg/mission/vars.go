package mission

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

var (
	// varRef matches a variable use such as {{.image}} or {{ .image }}.
	// Anything else between braces, such as the Go template of a docker
	// --format flag in a hint, is left as written.
	varRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`) })
	// varName is what a variable may be called.
	varName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`) })
)

// MaxVarValue bounds one variable's value, from the file or from --var.
const MaxVarValue = 1024

// stringNodes calls visit for every string scalar of the document, keys
// included, with block scalars (|, >) seen through to their text.
func stringNodes(file *ast.File, visit func(*ast.StringNode)) {
	for _, doc := range file.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) {
			if s, ok := n.(*ast.StringNode); ok {
				visit(s)
			}
		}), doc)
	}
}

type visitorFunc func(ast.Node)

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	f(n)
	return f
}

// usedVars lists the variables s uses, in order of first use.
func usedVars(s string) []string {
	var names []string
	for _, match := range varRef().FindAllStringSubmatch(s, -1) {
		if !contains(names, match[1]) {
			names = append(names, match[1])
		}
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validateVarUses makes sure every {{.name}} used is declared.
func (m *Mission) validateVarUses(file *ast.File, errs *SpecErrors) {
	stringNodes(file, func(s *ast.StringNode) {
		for _, name := range usedVars(s.Value) {
			if _, ok := m.Vars[name]; !ok {
				p := s.GetToken().Position
				*errs = append(*errs, &SpecError{File: m.Source, Line: p.Line, Column: p.Column,
					Msg: fmt.Sprintf("unknown variable %s; declare it under vars", name)})
			}
		}
	})
	for _, name := range m.VarNames() {
		if len(m.Vars[name]) > MaxVarValue {
			collector{name: m.Source, file: file, errs: errs}.at("$.vars."+name, "variable %s is longer than %d bytes", name, MaxVarValue)
		}
	}
}

// UnknownVarError is an override (--var) for a variable the mission does not
// declare.
type UnknownVarError struct {
	Mission, Name string
	Known         []string
}

func (e *UnknownVarError) Error() string {
	return fmt.Sprintf("mission %s has no variable %q (it has: %s)", e.Mission, e.Name, strings.Join(e.Known, ", "))
}

// Expand returns the mission with every {{.name}} replaced by its value,
// overrides (from --var) taking precedence over the file's vars. The
// replacement is made on the document, before it becomes typed values, so
// every string of every check kind is expanded without the kind's help.
//
// A string that was not empty as written but is empty once expanded (an
// unset shell variable behind --var image=) is an error: it would silently
// turn a check into a weaker one.
func (m *Mission) Expand(overrides map[string]string) (*Mission, error) {
	if m.expanded {
		return nil, fmt.Errorf("mission %s is already expanded", m.ID)
	}
	vars := make(map[string]string, len(m.Vars))
	for k, v := range m.Vars {
		vars[k] = v
	}
	for k, v := range overrides {
		if _, ok := vars[k]; !ok {
			return nil, &UnknownVarError{Mission: m.ID, Name: k, Known: m.VarNames()}
		}
		if len(v) > MaxVarValue {
			return nil, fmt.Errorf("--var %s: the value is longer than %d bytes", k, MaxVarValue)
		}
		vars[k] = v
	}
	out, empty, invalid, err := m.expand(vars)
	switch {
	case err != nil:
		return nil, err
	case len(empty)+len(invalid) > 0:
		return nil, append(empty, invalid...)
	}
	return out, nil
}

// expand is Expand's work, going on past every problem so that lint can
// list them all: it returns the expanded mission (nil when the document
// cannot be decoded), the strings that became empty, and what the
// expanded mission breaks. A string that became empty, or that uses a
// variable vars lacks, is left as written, so whatever else fails at it
// fails at its place, where the cause is already reported.
func (m *Mission) expand(vars map[string]string) (out *Mission, empty, invalid SpecErrors, err error) {
	file, err := parser.ParseBytes(m.raw, 0)
	if err != nil {
		return nil, nil, nil, specError(m.Source, err)
	}
	origins := map[*ast.StringNode]string{}
	stringNodes(file, func(s *ast.StringNode) {
		if !varRef().MatchString(s.Value) {
			return
		}
		orig, undeclared := s.Value, false
		value := varRef().ReplaceAllStringFunc(orig, func(use string) string {
			v, ok := vars[varRef().FindStringSubmatch(use)[1]]
			undeclared = undeclared || !ok
			return v
		})
		blank := strings.TrimSpace(value) == ""
		if blank && !undeclared {
			p := s.GetToken().Position
			empty = append(empty, &SpecError{File: m.Source, Line: p.Line, Column: p.Column,
				Msg: fmt.Sprintf("%s is empty once expanded%s", quoteShort(orig), describeVars(orig, vars))})
		}
		if blank || undeclared {
			return
		}
		s.Value = value
		origins[s] = orig
	})
	out, err = decodeFile(m.Source, file)
	if err != nil {
		return nil, empty, nil, err
	}
	out.raw, out.expanded, out.Vars = m.raw, true, vars
	out.validate(file, &invalid)
	for i, img := range out.Setup.Images {
		if err := img.Ref.Validate(); err != nil {
			collector{name: m.Source, file: file, errs: &invalid}.at(fmt.Sprintf("$.setup.images[%d].ref", i), "setup image: %v", err)
		}
	}
	for i := range out.Objectives {
		for j := range out.Objectives[i].Checks {
			c := &out.Objectives[i].Checks[j]
			c.origins, c.vars = origins, vars
		}
	}
	return out, empty, invalid, nil
}

// describeVars says what the variables of a written string were set to, for
// a message about its expanded value: ` (image = "")`.
func describeVars(orig string, vars map[string]string) string {
	names := usedVars(orig)
	if len(names) == 0 {
		return ""
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s = %q", n, vars[n])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Sprintf("%q", s)
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
