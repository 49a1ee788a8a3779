package missionschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/mission"
)

// ID is where the schema is published; the shipped missions name it by a
// relative path instead (see docs/missions.md).
const ID = "https://raw.githubusercontent.com/academy-dev/academy/main/docs/schema/mission.v1.json"

// Schema is one JSON Schema (draft-07) node. Only the keywords the mission
// schema uses are here; maps are written sorted, so the output is stable.
type Schema struct {
	Schema      string `json:"$schema,omitempty"`
	ID          string `json:"$id,omitempty"`
	Ref         string `json:"$ref,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Type        any    `json:"type,omitempty"` // a name, or a list of names
	Const       any    `json:"const,omitempty"`
	Enum        []any  `json:"enum,omitempty"`
	Pattern     string `json:"pattern,omitempty"`
	// PatternErrorMessage is what VS Code's and yaml-language-server's
	// validators say instead of the pattern; other validators ignore it.
	PatternErrorMessage  string             `json:"patternErrorMessage,omitempty"`
	MinLength            *int               `json:"minLength,omitempty"`
	MaxLength            *int               `json:"maxLength,omitempty"`
	Minimum              *int               `json:"minimum,omitempty"`
	Maximum              *int               `json:"maximum,omitempty"`
	Not                  *Schema            `json:"not,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	MinItems             *int               `json:"minItems,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	PropertyNames        *Schema            `json:"propertyNames,omitempty"`
	AdditionalProperties any                `json:"additionalProperties,omitempty"` // false, or a *Schema
	MinProperties        *int               `json:"minProperties,omitempty"`
	MaxProperties        *int               `json:"maxProperties,omitempty"`
	Definitions          map[string]*Schema `json:"definitions,omitempty"`
}

// Docs are the descriptions of a mission file's fields, as docs/missions.md
// gives them (see ParseDocs): every field has one, and the schema carries
// it, so an editor shows the documentation as the author types.
type Docs struct {
	// Fields describes the mission's own fields by path: apiVersion,
	// setup.images[].ref, objectives[].hints, …
	Fields map[string]Field
	// Kinds describes each check kind's options, by kind and option.
	Kinds map[string]map[string]Field
}

// Field is one documented field.
type Field struct {
	Description string
	// Required is what the documentation says; Generate checks it.
	Required bool
}

// rule is what the loader checks of a mission field beyond its Go type.
type rule struct {
	required bool
	apply    func(*Schema)
}

func ptr(n int) *int { return &n }

// The loader's rules (mission.Parse) that a schema can say. They are written
// again here because the loader keeps them in code; the tests hold the two
// to agreement, value by value and on the broken missions of
// testdata/missions.
var rules = map[string]rule{
	"apiVersion": {required: true, apply: func(s *Schema) { s.Const = mission.APIVersion }},
	"id":         {required: true, apply: idRule},
	"title":      {required: true, apply: func(s *Schema) { s.MinLength = ptr(1) }},
	"vars": {apply: func(s *Schema) {
		s.MaxProperties = ptr(100)
		s.PropertyNames = &Schema{Pattern: `^[A-Za-z][A-Za-z0-9_]{0,63}$`,
			PatternErrorMessage: "A variable's name is letters, digits and _, starting with a letter, at most 64."}
		s.AdditionalProperties = &Schema{Type: "string", MaxLength: ptr(mission.MaxVarValue)}
	}},
	"setup.images[].ref":  {required: true},
	"setup.images[].from": {required: true, apply: func(s *Schema) { s.Enum = []any{"builtin"} }},
	"objectives":          {required: true, apply: func(s *Schema) { s.MinItems, s.MaxItems = ptr(1), ptr(100) }},
	"objectives[].id":     {required: true, apply: idRule},
	"objectives[].title":  {required: true, apply: func(s *Schema) { s.MinLength = ptr(1) }},
	"objectives[].points": {apply: func(s *Schema) { s.Minimum, s.Maximum = ptr(0), ptr(1000) }},
	"objectives[].hints":  {apply: func(s *Schema) { s.MaxItems = ptr(20) }},
	"objectives[].checks": {required: true, apply: func(s *Schema) { s.MinItems = ptr(1) }},
}

func idRule(s *Schema) {
	s.Pattern = `^[a-z0-9][a-z0-9-]{0,62}$`
	s.PatternErrorMessage = "An id is lowercase letters, digits and dashes, starting with a letter or digit, at most 63."
}

// VarUse matches a use of a variable, {{.name}}, as mission.UsedVars finds
// them. A string that uses one is checked once expanded, so the schema
// accepts it whatever its type's pattern.
const VarUse = `\{\{\s*\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}`

// valueType is how the schema says one of the mission's value types.
type valueType struct {
	description string
	mistake     string // what a value that fails the pattern is not
	pattern     string // of a valid value; a use of a variable is also accepted
	not         string // a pattern no valid value matches
	maxLength   int
}

// Patterns are written in the syntax that Go's regexp and ECMAScript (the
// editors') read alike.
var valueTypes = map[reflect.Type]valueType{
	reflect.TypeFor[mission.ImageRef](): {
		description: "An image reference as docker takes it: my-app:v1, cloudcorp/my-app, localhost:5000/app@sha256:….",
		mistake:     "Not an image reference docker takes (NAME[:TAG][@DIGEST], names lowercase), nor a use of a variable ({{.image}}).",
		pattern:     imageRefPattern(),
	},
	reflect.TypeFor[mission.FileName](): {
		description: "A file in the lab's folder (--dir), relative and without ..: my-app.tar, out/my-app.tar.",
		mistake:     "Not a file name relative to the lab's folder (no leading /, no \\).",
		pattern:     `^[^/\\\x00][^\\\x00]*$`,
		not:         `(^|/)\.\.(/|$)`,
		maxLength:   255,
	},
	reflect.TypeFor[mission.ContainerName](): {
		description: "A container name as docker run --name takes it: letters, digits, _ . and -, starting with a letter or digit.",
		mistake:     "Not a container name: letters, digits, _ . and -, starting with a letter or digit, at most 128.",
		pattern:     `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`,
	},
}

// imageRefPattern is distribution/reference's own pattern (the one the
// daemon applies), with its one POSIX class spelled out for ECMAScript.
func imageRefPattern() string {
	return strings.ReplaceAll(reference.ReferenceRegexp.String(), "[[:xdigit:]]", "[0-9a-fA-F]")
}

// Generate returns the JSON Schema of mission files: the structure and
// types of mission.Mission, every kind registered in package check with its
// options (check:"required" ones required), the loader's rules, and the
// descriptions of docs. A field the docs do not describe, a description of
// a field that does not exist, or a requiredness the docs state wrongly is
// an error: the schema and the docs cannot drift from the code.
func Generate(docs Docs) ([]byte, error) {
	g := &gen{docs: docs, defs: map[string]*Schema{}, used: map[string]bool{}}
	root := g.object(reflect.TypeFor[mission.Mission](), "")
	root.Schema = "http://json-schema.org/draft-07/schema#"
	root.ID = ID
	root.Title = "academy mission (apiVersion " + mission.APIVersion + ")"
	root.Description = "A hands-on Docker lesson checked by academy; see docs/missions.md. Strings may use variables, {{.name}}, declared under vars."
	root.Definitions = g.defs
	for path := range rules {
		if !g.used["rule "+path] {
			g.errorf("a rule is written for %s, which the mission has no field for", path)
		}
	}
	for path := range docs.Fields {
		if !g.used["field "+path] {
			g.errorf("docs describe the field %s, which the mission has not", path)
		}
	}
	for kind, opts := range docs.Kinds {
		for opt := range opts {
			if !g.used["option "+kind+"."+opt] {
				g.errorf("docs describe the option %s of the %s check, which does not exist", opt, kind)
			}
		}
	}
	if len(g.errs) > 0 {
		sort.Strings(g.errs)
		return nil, errors.New(strings.Join(g.errs, "\n"))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type gen struct {
	docs Docs
	defs map[string]*Schema
	used map[string]bool // rules, fields and options met
	errs []string
}

func (g *gen) errorf(format string, args ...any) {
	g.errs = append(g.errs, fmt.Sprintf(format, args...))
}

// yamlName is a field's name in a mission file; "" for a field that is not
// written there.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if !f.IsExported() || name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// object is the schema of a struct of the mission, at path.
func (g *gen) object(t reflect.Type, path string) *Schema {
	s := &Schema{Type: "object", Properties: map[string]*Schema{}, AdditionalProperties: false}
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		p := name
		if path != "" {
			p = path + "." + name
		}
		fs := g.typ(f.Type, p)
		r, hasRule := rules[p]
		if hasRule {
			g.used["rule "+p] = true
			if r.apply != nil {
				r.apply(fs)
			}
			if r.required {
				s.Required = append(s.Required, name)
			}
		}
		d, ok := g.docs.Fields[p]
		g.used["field "+p] = true
		switch {
		case !ok:
			g.errorf("docs do not describe the field %s", p)
		case d.Required != r.required:
			g.errorf("docs say the field %s is %s; it is %s", p, requiredWord(d.Required), requiredWord(r.required))
		}
		describe(fs, d.Description)
		s.Properties[name] = fs
	}
	return s
}

func requiredWord(b bool) string {
	if b {
		return "required"
	}
	return "optional"
}

// describe puts a description on s, before what its type says. A $ref
// cannot carry one beside it in draft-07, so it moves into an allOf.
func describe(s *Schema, d string) {
	switch {
	case d == "":
	case s.Ref != "":
		*s = Schema{Description: d, AllOf: []*Schema{{Ref: s.Ref}}}
	case s.Description == "":
		s.Description = d
	default:
		s.Description = d + " " + s.Description
	}
}

// typ is the schema of a Go type at path.
func (g *gen) typ(t reflect.Type, path string) *Schema {
	if vt, ok := valueTypes[t]; ok {
		return vt.schema()
	}
	if t.Implements(reflect.TypeFor[interface{ Validate() error }]()) {
		g.errorf("%s is of the value type %s, which the schema does not describe: add it to valueTypes", path, t)
		return &Schema{Type: "string"}
	}
	switch {
	case t == reflect.TypeFor[mission.Check]():
		return g.checks()
	case t.Kind() == reflect.String:
		return &Schema{Type: "string"}
	case t.Kind() == reflect.Bool:
		return &Schema{Type: "boolean"}
	case t.Kind() == reflect.Int:
		return &Schema{Type: "integer"}
	case t.Kind() == reflect.Slice:
		return &Schema{Type: "array", Items: g.typ(t.Elem(), path+"[]")}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return &Schema{Type: "object", AdditionalProperties: g.typ(t.Elem(), path+".*")}
	case t.Kind() == reflect.Struct:
		name := strings.ToLower(t.Name()[:1]) + t.Name()[1:]
		if _, done := g.defs[name]; !done {
			g.defs[name] = nil // a struct met again refers to the first
			g.defs[name] = g.object(t, path)
		}
		return &Schema{Ref: "#/definitions/" + name}
	}
	g.errorf("%s is a %s, which the schema generator does not know", path, t)
	return &Schema{}
}

func (vt valueType) schema() *Schema {
	s := &Schema{Type: "string", Description: vt.description, MinLength: ptr(1)}
	if vt.pattern != "" {
		s.Pattern = "(?:" + vt.pattern + ")|" + VarUse
		s.PatternErrorMessage = vt.mistake
	}
	if vt.not != "" {
		s.Not = &Schema{Pattern: vt.not}
	}
	if vt.maxLength > 0 {
		s.MaxLength = ptr(vt.maxLength)
	}
	return s
}

// checks is the schema of one check: one key, its kind, whose value holds
// the kind's options.
func (g *gen) checks() *Schema {
	const name = "check"
	if _, done := g.defs[name]; !done {
		s := &Schema{
			Description:          "One check: its kind is its only key, the kind's options its value.",
			Type:                 "object",
			Properties:           map[string]*Schema{},
			AdditionalProperties: false,
			MinProperties:        ptr(1),
			MaxProperties:        ptr(1),
		}
		g.defs[name] = s
		for _, k := range check.Kinds() {
			def := "kind." + k.Name
			g.defs[def] = g.kind(k)
			s.Properties[k.Name] = &Schema{Ref: "#/definitions/" + def}
		}
	}
	return &Schema{Ref: "#/definitions/" + name}
}

// kind is the schema of a kind's options, read from its spec type.
func (g *gen) kind(k check.Kind) *Schema {
	t := reflect.TypeOf(k.New()).Elem()
	s := &Schema{Description: k.Summary, Type: "object", Properties: map[string]*Schema{}, AdditionalProperties: false}
	docs, ok := g.docs.Kinds[k.Name]
	if !ok {
		g.errorf("docs do not describe the %s check", k.Name)
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		at := k.Name + "." + name
		fs := g.typ(f.Type, at)
		required := f.Tag.Get("check") == "required"
		if required {
			s.Required = append(s.Required, name)
		}
		g.used["option "+at] = true
		d, ok := docs[name]
		switch {
		case !ok:
			g.errorf("docs do not describe the option %s of the %s check", name, k.Name)
		case d.Required != required:
			g.errorf("docs say the option %s of the %s check is %s; it is %s", name, k.Name, requiredWord(d.Required), requiredWord(required))
		}
		describe(fs, d.Description)
		s.Properties[name] = fs
	}
	if len(s.Required) == 0 {
		// With nothing required, `- kind:` alone is a check.
		s.Type = []string{"object", "null"}
	}
	return s
}
