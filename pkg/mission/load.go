package mission

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits on a mission file. Real missions are a few kilobytes and a few
// levels deep; a hostile one stops here, before the YAML parser (whose cost
// grows with the square of the nesting) sees it.
const (
	// MaxFileSize is the largest mission file read.
	MaxFileSize = 256 << 10
	// maxTokens bounds the YAML tokens of one file.
	maxTokens = 50000
	// maxDepth bounds the nesting of mappings and sequences.
	maxDepth = 24
	// maxObjectives and maxChecks bound the work one mission can ask of
	// the daemon.
	maxObjectives = 100
	maxChecks     = 500
	maxHints      = 20
	maxVars       = 100
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

// SpecErrors are all the problems found in one mission file, in file order.
// It prints as the first of them; `academy mission lint` lists them all.
type SpecErrors []*SpecError

func (es SpecErrors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	return fmt.Sprintf("%s (and %d more: academy mission lint lists them)", es[0].Error(), len(es)-1)
}

// ErrorList is err as a list of problems: itself when it is SpecErrors,
// one when it is a *SpecError, else one without a position in file name.
func ErrorList(name string, err error) SpecErrors {
	var list SpecErrors
	if errors.As(err, &list) {
		return list
	}
	var one *SpecError
	if errors.As(err, &one) {
		return SpecErrors{one}
	}
	return SpecErrors{{File: name, Msg: err.Error()}}
}

// As lets errors.As find the first *SpecError in the list.
func (es SpecErrors) As(target any) bool {
	if t, ok := target.(**SpecError); ok && len(es) > 0 {
		*t = es[0]
		return true
	}
	return false
}

// Parse decodes and validates a mission file strictly; name is used in error
// messages. Variables are not yet replaced: see Expand.
func Parse(name string, data []byte) (m *Mission, err error) {
	// goccy/go-yaml v1.19.2 can panic on some malformed documents (a tag
	// on a sequence entry: see testdata/fuzz/FuzzParse); a mission from a
	// stranger must give an error, never a crash.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &SpecError{File: name, Msg: "not a valid mission document (the YAML decoder failed on it)"}
		}
	}()
	m, file, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	var errs SpecErrors
	m.validate(file, &errs)
	m.validateVarUses(file, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	return m, nil
}

// decode screens, parses and decodes the file into a Mission, keeping the
// syntax tree for positions.
func decode(name string, data []byte) (*Mission, *ast.File, error) {
	tokens, err := screen(name, data)
	if err != nil {
		return nil, nil, err
	}
	file, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, nil, specError(name, err)
	}
	m, err := decodeFile(name, file)
	if err != nil {
		return nil, nil, err
	}
	m.raw = data
	return m, file, nil
}

func decodeFile(name string, file *ast.File) (*Mission, error) {
	var m Mission
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil, &SpecError{File: name, Msg: "the file is empty; a mission starts with apiVersion: " + APIVersion}
	}
	var errs SpecErrors
	if strictErrors(name, file.Docs[0].Body, reflect.TypeFor[Mission](), &errs); len(errs) > 0 {
		return nil, errs
	}
	if err := yaml.NodeToValue(file.Docs[0].Body, &m, yaml.DisallowUnknownField()); err != nil {
		return nil, specError(name, err)
	}
	m.Source = name
	for i := range m.Objectives {
		for j := range m.Objectives[i].Checks {
			m.Objectives[i].Checks[j].source = name
		}
	}
	return &m, nil
}

// screen refuses, before parsing, what no mission needs and a hostile file
// would use: too many bytes or tokens, deep nesting, anchors and aliases
// (whose expansion is exponential), tags, several documents. It returns
// the file's tokens, for the parser.
func screen(name string, data []byte) (token.Tokens, error) {
	at := func(tk *token.Token, format string, args ...any) error {
		e := &SpecError{File: name, Msg: fmt.Sprintf(format, args...)}
		if tk != nil && tk.Position != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	if len(data) > MaxFileSize {
		return nil, at(nil, "the file is %d bytes; a mission file is at most %d KiB", len(data), MaxFileSize>>10)
	}
	if !utf8.Valid(data) {
		return nil, at(nil, "the file is not UTF-8 text")
	}
	tokens := lexer.Tokenize(string(data))
	if len(tokens) > maxTokens {
		return nil, at(nil, "the file has %d YAML tokens; a mission has at most %d", len(tokens), maxTokens)
	}
	var (
		flow     int   // open [ and {
		block    []int // columns of open block collections
		lastLine int
		content  bool // a token of a document was seen
	)
	for _, tk := range tokens {
		if tk.Position == nil {
			continue
		}
		if tk.Position.Line != lastLine && flow == 0 && tk.Type != token.CommentType {
			lastLine = tk.Position.Line
			for len(block) > 0 && block[len(block)-1] >= tk.Position.Column {
				block = block[:len(block)-1]
			}
		}
		switch tk.Type {
		case token.AnchorType, token.AliasType, token.MergeKeyType:
			return nil, at(tk, "anchors, aliases and merge keys (&, *, <<) are not allowed in mission files; write the value out")
		case token.TagType:
			return nil, at(tk, "YAML tags (%s) are not allowed in mission files", tk.Value)
		case token.DocumentHeaderType:
			if content {
				return nil, at(tk, "a mission file holds one YAML document")
			}
		case token.CommentType:
		default:
			content = true
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType, token.MappingValueType:
			if flow == 0 {
				block = append(block, tk.Position.Column)
			}
		}
		if flow+len(block) > maxDepth {
			return nil, at(tk, "the document nests deeper than %d levels; a mission needs a few", maxDepth)
		}
	}
	return tokens, nil
}

func specError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &SpecError{File: name, Line: p.Line, Column: p.Column, Msg: hintQuotes(ye.GetMessage(), ye.GetToken())}
	}
	var es SpecErrors
	if errors.As(err, &es) {
		return es
	}
	var pe *posError
	if errors.As(err, &pe) {
		e := &SpecError{File: name, Msg: pe.msg}
		if pe.tk != nil && pe.tk.Position != nil {
			e.Line, e.Column = pe.tk.Position.Line, pe.tk.Position.Column
		}
		return e
	}
	return &SpecError{File: name, Msg: err.Error()}
}

// hintQuotes adds the likely fix when a variable was written unquoted:
// ref: {{.image}} is a YAML mapping, not a string.
func hintQuotes(msg string, tk *token.Token) string {
	unquoted := func(t *token.Token) bool { return t != nil && t.Value == "{" && t.Next != nil && t.Next.Value == "{" }
	if tk != nil && (unquoted(tk) || unquoted(tk.Prev)) {
		return msg + ` (quote values that use variables: "{{.image}}")`
	}
	return msg
}

// posError is an error at a token, made while decoding a node.
type posError struct {
	tk  *token.Token
	msg string
}

func (e *posError) Error() string { return e.msg }

// UnmarshalYAML reads a check: a mapping with one key, the kind, whose value
// holds the kind's fields.
func (c *Check) UnmarshalYAML(node ast.Node) error {
	mapping, ok := node.(*ast.MappingNode)
	if !ok || len(mapping.Values) != 1 {
		return &posError{tk: node.GetToken(), msg: "a check has exactly one kind, e.g. - image: {ref: my-app:v1}"}
	}
	kv := mapping.Values[0]
	kind, ok := kv.Key.(*ast.StringNode)
	if !ok || kind.Value == "" {
		return &posError{tk: kv.Key.GetToken(), msg: "a check's key is the name of its kind, e.g. image"}
	}
	c.Kind, c.node = kind.Value, kind
	switch v := kv.Value.(type) {
	case *ast.MappingNode:
		c.fields = v
	case *ast.NullNode:
		c.fields = nil
	default:
		return &posError{tk: kv.Value.GetToken(), msg: fmt.Sprintf("the fields of the %s check are a mapping, e.g. %s: {…}", c.Kind, c.Kind)}
	}
	return nil
}

// pathError is a validation error at a YAML path such as $.objectives[1].id.
type pathError struct {
	path, msg string
}

// position finds the line and column of the node at path, or of its
// nearest ancestor that exists.
func position(file *ast.File, path string) (int, int) {
	for path != "" && path != "$" {
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
	return 1, 1 // the document itself: what is missing belongs at its top
}

// collector gathers validation errors with their positions.
type collector struct {
	name string
	file *ast.File
	errs *SpecErrors
}

func (c collector) at(path, format string, args ...any) {
	line, col := position(c.file, path)
	*c.errs = append(*c.errs, &SpecError{File: c.name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// MaxLog bounds a setup image's log line.
const MaxLog = 200

// checkLog refuses a log line that is long, or holds what a terminal would
// obey: docker logs prints it raw.
func checkLog(log string) error {
	if len(log) > MaxLog {
		return fmt.Errorf("at most %d bytes, one line", MaxLog)
	}
	for _, r := range log {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("one line of printable text: %U is not", r)
		}
	}
	return nil
}

var idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`) })

func (m *Mission) validate(file *ast.File, errs *SpecErrors) {
	c := collector{name: m.Source, file: file, errs: errs}
	if m.APIVersion != APIVersion {
		c.at("$.apiVersion", "apiVersion must be %q, not %q", APIVersion, m.APIVersion)
	}
	if !idPattern().MatchString(m.ID) {
		c.at("$.id", "id %q must be lowercase letters, digits and dashes", m.ID)
	}
	if m.Title == "" {
		c.at("$.title", "title is required")
	}
	oneLine := func(path, what, v string) {
		if strings.ContainsAny(strings.TrimRight(v, "\n"), "\n\r\u2028\u2029") {
			c.at(path, "%s is one line (a line break would show as a line of academy's own)", what)
		}
	}
	oneLine("$.title", "the title", m.Title)
	if len(m.Vars) > maxVars {
		c.at("$.vars", "a mission has at most %d variables", maxVars)
	}
	for _, name := range m.VarNames() {
		if !varName().MatchString(name) {
			c.at("$.vars."+name, "variable name %q must be letters, digits and _, starting with a letter", name)
		}
	}
	for i, img := range m.Setup.Images {
		at := fmt.Sprintf("$.setup.images[%d]", i)
		if img.Ref == "" {
			c.at(at, "a setup image needs ref")
		}
		if img.From != "builtin" {
			c.at(at+".from", "from must be builtin (an image academy makes offline), not %q", img.From)
		}
		if err := checkLog(img.Log); err != nil {
			c.at(at+".log", "log: %v", err)
		}
	}
	switch {
	case len(m.Objectives) == 0:
		c.at("$.objectives", "a mission needs at least one objective")
	case len(m.Objectives) > maxObjectives:
		c.at("$.objectives", "a mission has at most %d objectives", maxObjectives)
	}
	seen := map[string]int{} // objective id → its index
	checks := 0
	for i, o := range m.Objectives {
		at := fmt.Sprintf("$.objectives[%d]", i)
		if !idPattern().MatchString(o.ID) {
			c.at(at+".id", "objective id %q must be lowercase letters, digits and dashes", o.ID)
		}
		if first, dup := seen[o.ID]; dup {
			line, _ := position(file, fmt.Sprintf("$.objectives[%d].id", first))
			c.at(at+".id", "objective id %q is used twice (first on line %d)", o.ID, line)
		} else {
			seen[o.ID] = i
		}
		if o.Title == "" {
			c.at(at, "objective %s needs a title", o.ID)
		}
		oneLine(at+".title", "an objective's title", o.Title)
		oneLine(at+".solution", "a solution", o.Solution)
		for h, hint := range o.Hints {
			oneLine(fmt.Sprintf("%s.hints[%d]", at, h), "a hint", hint)
		}
		if o.Points < 0 || o.Points > 1000 {
			c.at(at+".points", "points must be between 0 and 1000")
		}
		if len(o.Hints) > maxHints {
			c.at(at+".hints", "an objective has at most %d hints", maxHints)
		}
		if len(o.Checks) == 0 {
			c.at(at+".checks", "objective %s needs at least one check", o.ID)
		}
		checks += len(o.Checks)
	}
	if checks > maxChecks {
		c.at("$.objectives", "a mission has at most %d checks in all, not %d", maxChecks, checks)
	}
}
