package check

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/academy-dev/academy/pkg/mission"
)

// Spec is one check of a mission, decoded into its kind's own type and
// validated. A kind is one file: its spec type, with the fields a mission
// writes, and this method.
type Spec interface {
	// Check evaluates the spec in the learner's lab. It only reads.
	Check(ctx context.Context, lab *Lab) Outcome
}

// Optional behaviour a spec may add.
type (
	// validator checks what the field types cannot: rules between fields.
	// Errors come from c.Errorf, so they carry the field's position.
	validator interface {
		Validate(c *mission.Check) error
	}
	// relater is a spec whose advice depends on the other checks of its
	// objective (two archive checks of one file: one docker save makes
	// both hold).
	relater interface {
		relate(siblings []Spec)
	}
	// Asker is a spec that needs an answer from the learner.
	Asker interface {
		// Question is what to ask, in one line.
		Question() string
	}
)

// Kind is a kind of check, registered by name.
type Kind struct {
	// Name is the key a mission writes: image, archive, answer, ….
	Name string
	// Summary says in one line what the kind checks, for docs and lint.
	Summary string
	// New returns a pointer to a zero spec to decode a check into.
	New func() Spec
}

// kinds is filled once, by each kind's init, and only read after.
var kinds = map[string]Kind{}

// register makes a kind available by name; each kind's file calls it from
// init.
func register(k Kind) {
	if _, dup := kinds[k.Name]; dup {
		panic("check: kind " + k.Name + " registered twice")
	}
	kinds[k.Name] = k
}

// Kinds lists the registered kinds, sorted by name.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func kindNames() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// Plan is a mission whose checks are decoded and validated: what Run
// evaluates, and what lint approves.
type Plan struct {
	Mission    *mission.Mission
	Objectives []Objective
}

// Objective is one objective of a plan.
type Objective struct {
	*mission.Objective
	Checks []Planned
}

// Planned is one check of a plan: its kind and its spec.
type Planned struct {
	Kind string
	Spec Spec
}

// Compile decodes every check of the expanded mission m into its kind's spec
// and validates it: fields of the mission's value types (an image reference,
// a file name) must hold valid values, required fields must be given, and
// the kind's own rules must hold. Every problem is reported, each with its
// position, as mission.SpecErrors.
func Compile(m *mission.Mission) (*Plan, error) {
	if !m.Expanded() {
		return nil, fmt.Errorf("mission %s: checks are compiled once its variables are expanded", m.ID)
	}
	p := &Plan{Mission: m, Objectives: make([]Objective, len(m.Objectives))}
	var errs mission.SpecErrors
	for i := range m.Objectives {
		o := &m.Objectives[i]
		p.Objectives[i] = Objective{Objective: o, Checks: make([]Planned, len(o.Checks))}
		for j := range o.Checks {
			spec, err := compile(&o.Checks[j])
			if err != nil {
				errs = append(errs, mission.ErrorList("", err)...)
				continue
			}
			p.Objectives[i].Checks[j] = Planned{Kind: o.Checks[j].Kind, Spec: spec}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, o := range p.Objectives {
		specs := make([]Spec, len(o.Checks))
		for j, c := range o.Checks {
			specs[j] = c.Spec
		}
		for _, c := range o.Checks {
			if r, ok := c.Spec.(relater); ok {
				r.relate(specs)
			}
		}
	}
	return p, nil
}

func compile(c *mission.Check) (Spec, error) {
	k, ok := kinds[c.Kind]
	if !ok {
		return nil, c.Errorf("", "unknown check kind %q (kinds: %s)", c.Kind, kindNames())
	}
	spec := k.New()
	if err := c.Decode(spec); err != nil {
		return nil, err
	}
	// The fields' own rules and the kind's rules between fields are both
	// reported: an author fixes everything in one go.
	var errs mission.SpecErrors
	if err := validateFields(c, spec); err != nil {
		errs = append(errs, mission.ErrorList("", err)...)
	}
	if v, ok := spec.(validator); ok {
		if err := v.Validate(c); err != nil {
			errs = append(errs, mission.ErrorList("", err)...)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return spec, nil
}

// article is "an" before a vowel, "a" otherwise: "an image check".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// valueType is a field type that knows its valid values (mission.ImageRef,
// mission.FileName, …).
type valueType interface{ Validate() error }

// validateFields applies the rules every kind shares, read from the spec's
// struct: a field tagged check:"required" must be given, and a field whose
// type is a valueType must hold a valid value.
func validateFields(c *mission.Check, spec Spec) error {
	v := reflect.ValueOf(spec).Elem()
	t := v.Type()
	var errs mission.SpecErrors
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		fv := v.Field(i)
		if fv.IsZero() {
			if f.Tag.Get("check") == "required" {
				errs = append(errs, c.Errorf("", "%s %s check needs %s", article(c.Kind), c.Kind, name))
			}
			continue
		}
		if val, ok := fv.Interface().(valueType); ok {
			if err := val.Validate(); err != nil {
				errs = append(errs, c.Errorf(name, "%s: %v", name, err))
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Questions lists, in mission order, the objectives among only (all when
// only is empty) that ask the learner for an answer, with what to ask.
func (p *Plan) Questions(only []string) []Question {
	var qs []Question
	for _, o := range p.Objectives {
		if len(only) > 0 && !contains(only, o.ID) {
			continue
		}
		for _, c := range o.Checks {
			if a, ok := c.Spec.(Asker); ok {
				qs = append(qs, Question{Objective: o.ID, Title: o.Title, Prompt: a.Question(), spec: c.Spec})
			}
		}
	}
	return qs
}

// Question is an answer an objective needs from the learner.
type Question struct {
	Objective string // the objective's id, the key of --answer
	Title     string
	Prompt    string

	spec Spec
}

// answerable is an Asker that can tell, before asking, whether an answer
// could be checked at all.
type answerable interface {
	Answerable(ctx context.Context, lab *Lab) bool
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
