package lint

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/mission"
)

// Problem is one thing wrong with a mission file, at its place.
type Problem struct {
	File         string
	Line, Column int // 0 when the problem is the whole file's
	Msg          string
	// Warning marks what academy accepts but a learner, or the author's
	// self-test, would miss; the rest are errors, which academy refuses.
	Warning bool
}

// String reads file:line:col: what, with "warning: " before what for a
// warning.
func (p Problem) String() string {
	at := p.File
	if p.Line > 0 {
		at = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	if p.Warning {
		return at + ": warning: " + p.Msg
	}
	return at + ": " + p.Msg
}

// Source says where a mission file comes from, for the rules that depend
// on it.
type Source struct {
	// ID is the id the file's name gives the mission (zone7 for
	// zone7.yaml); "" when it gives none, as standard input.
	ID string
	// Catalog says academy finds the file by its name: an id that differs
	// is then an error (the catalog refuses the file), else a warning.
	Catalog bool
}

// Mission lints one mission file; name is shown in every problem.
//
// A file whose YAML cannot be decoded has that one problem: nothing of its
// meaning can be read until it is fixed. Otherwise every problem is listed,
// in the order of the file: those that make academy refuse the mission
// (mission.Lint's and check.Compile's), then the warnings.
func Mission(name string, data []byte, src Source) []Problem {
	x, errs := mission.Lint(name, data)
	problems := fromSpecErrors(name, errs, false)
	if x == nil {
		return problems
	}
	held := map[[2]int]bool{}
	for _, p := range problems {
		held[[2]int{p.Line, p.Column}] = true
	}
	// A check field built from an undeclared or empty variable is invalid
	// once expanded; the variable, already named at that place, is the
	// problem.
	if _, err := check.Compile(x); err != nil {
		for _, p := range fromSpecErrors(name, mission.ErrorList("", err), false) {
			if p.Line == 0 || !held[[2]int{p.Line, p.Column}] {
				problems = append(problems, p)
			}
		}
	}
	for _, p := range problems {
		held[[2]int{p.Line, p.Column}] = true
	}
	// A warning where an error is waits until the error is fixed.
	for _, w := range warnings(name, data, x, src) {
		if w.Line == 0 || !held[[2]int{w.Line, w.Column}] {
			problems = append(problems, w)
		}
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i], problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return problems
}

// IDFromName is the id a mission file's name gives it: zone7 for
// course/zone7.yaml; "" when the name is not a mission file's.
func IDFromName(file string) string {
	base := filepath.Base(file)
	for _, ext := range []string{".yaml", ".yml"} {
		if id, ok := strings.CutSuffix(base, ext); ok {
			return id
		}
	}
	return ""
}

func fromSpecErrors(name string, errs mission.SpecErrors, warning bool) []Problem {
	out := make([]Problem, 0, len(errs))
	for _, e := range errs {
		file := e.File
		if file == "" {
			file = name
		}
		out = append(out, Problem{File: file, Line: e.Line, Column: e.Column, Msg: e.Msg, Warning: warning})
	}
	return out
}

// warnings finds what academy accepts but a learner or the self-test would
// miss. x is the mission as expanded; data the file as written.
func warnings(name string, data []byte, x *mission.Mission, src Source) []Problem {
	tree, err := parser.ParseBytes(data, 0)
	if err != nil || len(tree.Docs) == 0 {
		return nil // mission.Lint decoded it; this cannot happen
	}
	root, _ := tree.Docs[0].Body.(*ast.MappingNode)
	var out []Problem
	warn := func(n ast.Node, format string, args ...any) {
		p := Problem{File: name, Msg: fmt.Sprintf(format, args...), Warning: true}
		if n != nil {
			if tk := n.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Column = tk.Position.Line, tk.Position.Column
			}
		}
		out = append(out, p)
	}

	if src.ID != "" && x.ID != src.ID {
		warn(value(root, "id"), "the id is %q but the file is named for %q: academy finds a mission by its file name, so name the file %s.yaml or make the id %s",
			x.ID, src.ID, x.ID, src.ID)
		out[len(out)-1].Warning = !src.Catalog
	}

	vars, _ := value(root, "vars").(*ast.MappingNode)
	used := map[string]bool{}
	if root != nil {
		for _, kv := range root.Values {
			if scalar(kv.Key) == "vars" {
				continue // a variable's value is not expanded: see below
			}
			ast.Walk(visitor(func(n ast.Node) {
				if s, ok := n.(*ast.StringNode); ok {
					for _, v := range mission.UsedVars(s.Value) {
						used[v] = true
					}
				}
			}), kv.Value)
		}
	}
	if vars != nil {
		for _, kv := range vars.Values {
			key, val := scalar(kv.Key), scalar(kv.Value)
			if !used[key] {
				warn(kv.Key, "variable %s is declared but never used", key)
			}
			if uses := mission.UsedVars(val); len(uses) > 0 {
				warn(kv.Value, "the value of %s uses {{.%s}}, but variables are not expanded inside variables: it stays as written", key, uses[0])
			}
		}
	}

	objectives, _ := value(root, "objectives").(*ast.SequenceNode)
	for i, o := range x.Objectives {
		var at ast.Node
		if objectives != nil && i < len(objectives.Values) {
			at = objectives.Values[i]
			if id := value(asMapping(at), "id"); id != nil {
				at = id
			}
		}
		if len(o.Hints) == 0 {
			warn(at, "objective %s has no hints: academy hint has nothing for a learner who is stuck", o.ID)
		}
		if strings.TrimSpace(o.Solution) == "" {
			warn(at, "objective %s has no solution: a learner who asks for it gets nothing, and academy mission test cannot show the objective can be met", o.ID)
		}
	}
	return out
}

// value returns the value of key in m, or nil.
func value(m *ast.MappingNode, key string) ast.Node {
	if m == nil {
		return nil
	}
	for _, kv := range m.Values {
		if scalar(kv.Key) == key {
			return kv.Value
		}
	}
	return nil
}

func asMapping(n ast.Node) *ast.MappingNode {
	m, _ := n.(*ast.MappingNode)
	return m
}

// scalar is a scalar node's text as the decoder reads it.
func scalar(n ast.Node) string {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value
	case nil:
		return ""
	}
	return strings.TrimSpace(n.String())
}

type visitor func(ast.Node)

func (f visitor) Visit(n ast.Node) ast.Visitor {
	f(n)
	return f
}
