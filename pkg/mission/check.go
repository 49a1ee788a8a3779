package mission

import (
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Decode decodes the check's fields strictly into v, a pointer to its kind's
// spec: an unknown field, a duplicate key or a wrong type is a *SpecError at
// its line and column.
func (c *Check) Decode(v any) error {
	if c.fields == nil {
		return nil
	}
	var errs SpecErrors
	if strictErrors(c.source, c.fields, reflect.TypeOf(v), &errs); len(errs) > 0 {
		return errs
	}
	if err := yaml.NodeToValue(c.fields, v, yaml.DisallowUnknownField()); err != nil {
		return specError(c.source, err)
	}
	return nil
}

// Has says whether the check's fields include name, as written.
func (c *Check) Has(name string) bool { return c.field(name) != nil }

// Errorf returns a *SpecError at the value of the named field (at the check
// itself when field is "" or not written). When that value was made from
// variables, the message says which, with their values, so a bad --var is
// found at once.
func (c *Check) Errorf(field, format string, args ...any) *SpecError {
	msg := fmt.Sprintf(format, args...)
	tk := c.node.GetToken()
	if n := c.field(field); n != nil {
		tk = n.GetToken()
		if s, ok := n.(*ast.StringNode); ok {
			if orig, ok := c.origins[s]; ok {
				msg += fmt.Sprintf(" (%s as written%s)", quoteShort(orig), describeVars(orig, c.vars))
			}
		}
	}
	return &SpecError{File: c.source, Line: line(tk), Column: column(tk), Msg: msg}
}

// field returns the value node of the named field, or nil.
func (c *Check) field(name string) ast.Node {
	m, ok := c.fields.(*ast.MappingNode)
	if !ok || name == "" {
		return nil
	}
	for _, kv := range m.Values {
		if k, ok := kv.Key.(*ast.StringNode); ok && k.Value == name {
			return kv.Value
		}
	}
	return nil
}

func line(tk *token.Token) int {
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Line
}

func column(tk *token.Token) int {
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Column
}
