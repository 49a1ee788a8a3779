package mission

import (
	"github.com/goccy/go-yaml/ast"
)

// APIVersion is the only mission format version this build reads.
const APIVersion = "academy/v1"

// Mission is one lesson: what the learner must make true.
type Mission struct {
	APIVersion string            `yaml:"apiVersion"`
	ID         string            `yaml:"id"`
	Title      string            `yaml:"title"`
	Briefing   string            `yaml:"briefing"`
	Vars       map[string]string `yaml:"vars"`
	Setup      Setup             `yaml:"setup"`
	Objectives []Objective       `yaml:"objectives"`

	// Source names where the mission was loaded from, for messages.
	Source string `yaml:"-"`

	// raw is the file as read: Expand decodes it again with the variables
	// replaced, so no copy of the typed mission is ever walked by hand.
	raw []byte
	// expanded says whether the variables have been replaced.
	expanded bool
}

// Setup is the lab's starting state, made offline by `academy setup`.
type Setup struct {
	Images []SetupImage `yaml:"images"`
}

// SetupImage is an image the lab starts with.
type SetupImage struct {
	Ref  ImageRef `yaml:"ref"`
	From string   `yaml:"from"` // "builtin": made offline by academy
	// Log is the line the image's program writes when it starts, as
	// docker logs shows it: what the release says of itself ("v1.3.0:
	// ERROR 500 on /checkout"). Empty: "REF: running (academy's builtin
	// image; …)".
	Log string `yaml:"log"`
}

// Objective is one task of the lesson; it holds when all its checks pass.
type Objective struct {
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	Points   int      `yaml:"points"`
	Hints    []string `yaml:"hints"`
	Solution string   `yaml:"solution"`
	Checks   []Check  `yaml:"checks"`
}

// Check is one fact to verify, as written: the name of its kind and the
// kind's fields. The mission knows no kind; package check decodes the
// fields into the kind's own type with Decode.
type Check struct {
	// Kind is the check's only key: image, archive, answer, …
	Kind string

	node   ast.Node // the check's key (its kind), for its position
	fields ast.Node // the kind's fields: a mapping, or nil when none
	source string   // the mission file, for messages
	// origins holds, once expanded, the text as written of every string
	// that used variables, and vars their values, for messages.
	origins map[*ast.StringNode]string
	vars    map[string]string
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

// ObjectiveIDs lists the objectives' ids in the mission's order.
func (m *Mission) ObjectiveIDs() []string {
	ids := make([]string, len(m.Objectives))
	for i, o := range m.Objectives {
		ids[i] = o.ID
	}
	return ids
}

// Expanded says whether the mission's variables have been replaced by
// their values (see Expand).
func (m *Mission) Expanded() bool { return m.expanded }
