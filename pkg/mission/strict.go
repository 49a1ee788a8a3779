package mission

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// strictErrors walks node against the Go type t it will be decoded into,
// in the file's order, and reports every key t has no field for (with the
// closest field when one is near) and every scalar of the wrong type
// (points: "3", title: 5), each at its place. The YAML decoder finds some
// of these too, but names one unknown key at random, in Go's words.
func strictErrors(name string, node ast.Node, t reflect.Type, errs *SpecErrors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node == nil || t.Implements(nodeUnmarshaler) || reflect.PointerTo(t).Implements(nodeUnmarshaler) {
		return // a check: its kind decodes its own fields
	}
	if _, null := node.(*ast.NullNode); null {
		return
	}
	at := func(n ast.Node, format string, args ...any) {
		tk := n.GetToken()
		*errs = append(*errs, &SpecError{File: name, Line: line(tk), Column: column(tk), Msg: fmt.Sprintf(format, args...)})
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := node.(*ast.MappingNode)
		if !ok {
			at(node, "expected a mapping (key: value lines), not %s", describeNode(node))
			return
		}
		fields := yamlFields(t)
		for _, kv := range m.Values {
			key, _ := kv.Key.(*ast.StringNode)
			if key == nil {
				at(kv.Key, "a key is a name, not %s", describeNode(kv.Key))
				continue
			}
			f, ok := fields[key.Value]
			if !ok {
				at(kv.Key, "unknown field %q%s", key.Value, didYouMean(key.Value, keys(fields)))
				continue
			}
			strictErrors(name, kv.Value, f, errs)
		}
	case reflect.Map:
		m, ok := node.(*ast.MappingNode)
		if !ok {
			at(node, "expected a mapping (key: value lines), not %s", describeNode(node))
			return
		}
		for _, kv := range m.Values {
			strictErrors(name, kv.Value, t.Elem(), errs)
		}
	case reflect.Slice:
		s, ok := node.(*ast.SequenceNode)
		if !ok {
			at(node, "expected a list (- item lines, or [a, b]), not %s", describeNode(node))
			return
		}
		for _, v := range s.Values {
			strictErrors(name, v, t.Elem(), errs)
		}
	case reflect.String:
		switch node.(type) {
		case *ast.StringNode, *ast.LiteralNode:
		case *ast.MappingNode:
			if tk := node.GetToken(); tk.Value == "{" && tk.Next != nil && tk.Next.Value == "{" {
				at(node, `expected text: {{ starts a YAML mapping — quote values that use variables: "{{.name}}"`)
				return
			}
			at(node, "expected text, not %s", describeNode(node))
		default:
			at(node, "expected text, not %s — quote it: \"%s\"", describeNode(node), node.GetToken().Value)
		}
	case reflect.Int:
		if _, ok := node.(*ast.IntegerNode); !ok {
			at(node, "expected a whole number, not %s", describeNode(node))
		}
	case reflect.Bool:
		if _, ok := node.(*ast.BoolNode); !ok {
			at(node, "expected true or false, not %s", describeNode(node))
		}
	}
}

var nodeUnmarshaler = reflect.TypeFor[interface{ UnmarshalYAML(ast.Node) error }]()

// yamlFields maps the YAML keys of a struct to their fields' types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || key == "-" {
			continue
		}
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		fields[key] = f.Type
	}
	return fields
}

func keys(m map[string]reflect.Type) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// describeNode says what a node is, in an author's words, with its text.
func describeNode(n ast.Node) string {
	v := n.GetToken().Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return fmt.Sprintf("the text %q", v)
	case *ast.IntegerNode, *ast.FloatNode:
		return "the number " + v
	case *ast.BoolNode:
		return v
	case *ast.NullNode:
		return "nothing"
	}
	return fmt.Sprintf("%q", v)
}

// didYouMean suggests the closest of names to a misspelt one: " (did you
// mean points?)", or "" when none is close.
func didYouMean(got string, names []string) string {
	best, bestD := "", 3 // at most two edits away
	for _, n := range names {
		if d := distance(strings.ToLower(got), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return " (fields here: " + strings.Join(names, ", ") + ")"
	}
	return " (did you mean " + best + "?)"
}

// distance is the edit distance in which swapping two neighbours counts as
// one edit (pionts is one edit from points), on short names only.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// Distance is the edit distance between two short names, for suggestions
// ("did you mean") elsewhere; names over 64 bytes are never close.
func Distance(a, b string) int { return distance(a, b) }
