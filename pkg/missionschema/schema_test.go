package missionschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/mission"
)

var update = flag.Bool("update", false, "rewrite docs/schema/mission.v1.json")

var (
	root       = filepath.Join("..", "..")
	schemaFile = filepath.Join(root, "docs", "schema", "mission.v1.json")
	docsFile   = filepath.Join(root, "docs", "missions.md")
	corpus     = filepath.Join(root, "testdata", "missions")
	shipped    = filepath.Join(root, "missions")
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func generate(t *testing.T) []byte {
	t.Helper()
	docs, err := ParseDocs(readFile(t, docsFile))
	if err != nil {
		t.Fatalf("%s: %v", docsFile, err)
	}
	out, err := Generate(docs)
	if err != nil {
		t.Fatalf("the schema cannot be generated; docs/missions.md and the code disagree:\n%v", err)
	}
	return out
}

// The schema in docs/ is the one the code and the docs make today.
func TestSchemaIsUpToDate(t *testing.T) {
	got := generate(t)
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, schemaFile); !bytes.Equal(got, want) {
		t.Errorf("%s is not the schema the code makes; run go test ./pkg/missionschema -update and review the difference", schemaFile)
	}
}

// Each engine compiles the schema's patterns as one family of editors
// does: Go's regexp, and ECMAScript (the JavaScript of VS Code's and
// other YAML language servers).
var engines = map[string]jsonschema.RegexpEngine{
	"go":         nil,
	"ecmascript": ecmaCompile,
}

type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func ecmaCompile(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return (*ecmaRegexp)(re), nil
}

func compile(t *testing.T, engine jsonschema.RegexpEngine) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(readFile(t, schemaFile)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if engine != nil {
		c.UseRegexpEngine(engine)
	}
	if err := c.AddResource("mission.v1.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mission.v1.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// errNotJSON is a file the YAML reader refuses before any schema is
// applied: an editor shows that as a YAML error.
var errNotJSON = errors.New("not a YAML document that converts to JSON")

// validate checks a mission file, as YAML, against the schema.
func validate(s *jsonschema.Schema, data []byte) error {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("%w: %v", errNotJSON, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return fmt.Errorf("%w: %v", errNotJSON, err)
	}
	return s.Validate(v)
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no mission files in %s (%v)", dir, err)
	}
	return files
}

const modeline = "# yaml-language-server: $schema="

// Every shipped mission, and every mission of the corpus, names the
// schema on its first line, by the path relative to the file.
func TestMissionsNameTheSchema(t *testing.T) {
	for _, dir := range []string{shipped, corpus} {
		for _, f := range yamlFiles(t, dir) {
			first, _, _ := strings.Cut(string(readFile(t, f)), "\n")
			rel, err := filepath.Rel(filepath.Dir(f), schemaFile)
			if err != nil {
				t.Fatal(err)
			}
			if want := modeline + filepath.ToSlash(rel); first != want {
				t.Errorf("%s: first line %q, want %q", f, first, want)
			}
		}
	}
}

// validMissions are the shipped missions and the valid ones of the corpus.
func validMissions(t *testing.T) []string {
	files := yamlFiles(t, shipped)
	for _, f := range yamlFiles(t, corpus) {
		if strings.HasPrefix(filepath.Base(f), "valid-") {
			files = append(files, f)
		}
	}
	return files
}

func TestSchemaAcceptsValidMissions(t *testing.T) {
	examples := docExamples(t)
	for name, engine := range engines {
		s := compile(t, engine)
		for _, f := range validMissions(t) {
			if err := validate(s, readFile(t, f)); err != nil {
				t.Errorf("%s: %s: %v", name, f, err)
			}
		}
		for _, ex := range examples {
			if err := validate(s, []byte(ex.mission)); err != nil {
				t.Errorf("%s: the example of docs/missions.md line %d: %v", name, ex.line, err)
			}
		}
	}
}

// The broken missions of the corpus, by what the schema can do about them.
// Every file of the corpus is named in exactly one list, so a new broken
// mission needs a decision here.
var (
	// The schema rejects these: an editor marks the mistake as it is typed.
	schemaCatches = []string{
		"api-version", "check-not-mapping", "check-two-kinds", "empty-file", "invalid-file-name",
		"invalid-image-reference", "kind-missing-option", "kind-option-type", "kind-unknown-option",
		"many-problems", "missing-title", "mission-id", "no-objectives", "objective-id",
		"objective-without-checks", "objective-without-title", "points-out-of-range",
		"setup-image-from", "setup-image-without-ref", "too-deep", "too-many-hints", "unknown-field",
		"unknown-kind", "variable-name", "variable-too-long", "wrong-type",
	}
	// The YAML reader refuses these before a schema applies.
	yamlCatches = []string{"duplicate-key", "unquoted-variable", "yaml-syntax"}
	// A JSON Schema cannot say these; lint does.
	schemaCannot = map[string]string{
		"anchor-alias":                            "anchors are YAML; the schema sees the values they stand for",
		"yaml-tag":                                "tags are YAML; the schema sees the tagged value",
		"not-utf8":                                "the reader replaces what is not UTF-8",
		"two-documents":                           "YAML allows several documents; each is checked alone",
		"duplicate-objective-id":                  "no keyword compares one field across a list's items",
		"unknown-variable":                        "declared variables are another part of the file",
		"empty-once-expanded":                     "the value is made by expanding variables",
		"invalid-image-reference-from-variable":   "the value is made by expanding variables",
		"setup-image-ref":                         "the value is made by expanding variables",
		"image-absent-with-more":                  "a rule between options, in the kind's code",
		"image-platform":                          "a rule in the kind's code",
		"archive-matches-daemon-without-contains": "a rule between options, in the kind's code",
		// Warnings: academy accepts these missions.
		"objective-without-hints":    "a warning",
		"objective-without-solution": "a warning",
		"unused-variable":            "a warning",
		"variable-uses-variable":     "a warning",
		"file-name-not-id":           "a warning",
	}
)

func TestSchemaCatchesWhatItCan(t *testing.T) {
	listed := map[string]int{}
	for _, n := range schemaCatches {
		listed[n]++
	}
	for _, n := range yamlCatches {
		listed[n]++
	}
	for n := range schemaCannot {
		listed[n]++
	}
	for _, f := range yamlFiles(t, corpus) {
		n := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if !strings.HasPrefix(n, "valid-") && listed[n] != 1 {
			t.Errorf("%s is named in %d lists of this test; name it in one", f, listed[n])
		}
		delete(listed, n)
	}
	for n := range listed {
		t.Errorf("%s.yaml is listed but is not in %s", n, corpus)
	}
	for name, engine := range engines {
		s := compile(t, engine)
		for _, n := range schemaCatches {
			err := validate(s, readFile(t, filepath.Join(corpus, n+".yaml")))
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				t.Errorf("%s: %s.yaml: err = %v, want the schema to reject it", name, n, err)
			}
		}
		for _, n := range yamlCatches {
			if err := validate(s, readFile(t, filepath.Join(corpus, n+".yaml"))); !errors.Is(err, errNotJSON) {
				t.Errorf("%s: %s.yaml: err = %v, want the YAML reader to refuse it", name, n, err)
			}
		}
		for n, why := range schemaCannot {
			if err := validate(s, readFile(t, filepath.Join(corpus, n+".yaml"))); err != nil {
				t.Errorf("%s: %s.yaml was thought beyond the schema (%s), but: %v — move it to schemaCatches", name, n, why, err)
			}
		}
	}
}

// valid is a mission the loader and the schema accept; each case below
// changes one thing, and both must agree on the result.
const valid = `apiVersion: academy/v1
id: demo
title: Demo
vars: {image: my-app:v1}
setup:
  images: [{ref: "{{.image}}", from: builtin}]
objectives:
  - id: tag
    title: Tag it
    points: 1
    hints: [docker tag]
    checks:
      - image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}
`

func lines(prefix, line string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := range n {
		fmt.Fprintf(&b, line, i)
	}
	return b.String()
}

func TestSchemaAgreesWithLoader(t *testing.T) {
	swap := func(old, new string) string {
		if !strings.Contains(valid, old) {
			t.Fatalf("%q is not in the mission", old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	tests := []struct {
		name, doc string
	}{
		{"valid", valid},
		{"id of 63", swap("id: demo", "id: "+strings.Repeat("a", 63))},
		{"id of 64", swap("id: demo", "id: "+strings.Repeat("a", 64))},
		{"id with a dash first", swap("id: demo", "id: -demo")},
		{"id with a digit first", swap("id: demo", "id: 7demo")},
		{"id with a capital", swap("id: demo", "id: Demo")},
		{"empty title", swap("title: Demo", `title: ""`)},
		{"objective id with _", swap("id: tag", "id: t_ag")},
		{"objective title empty", swap("title: Tag it", `title: ""`)},
		{"points 0", swap("points: 1", "points: 0")},
		{"points 1000", swap("points: 1", "points: 1000")},
		{"points 1001", swap("points: 1", "points: 1001")},
		{"points -1", swap("points: 1", "points: -1")},
		{"20 hints", swap("hints: [docker tag]", lines("hints:", "\n      - hint %d", 20))},
		{"21 hints", swap("hints: [docker tag]", lines("hints:", "\n      - hint %d", 21))},
		{"100 objectives", valid + lines("", "  - {id: o%d, title: O, checks: [{image: {ref: x}}]}\n", 99)},
		{"101 objectives", valid + lines("", "  - {id: o%d, title: O, checks: [{image: {ref: x}}]}\n", 100)},
		{"100 variables", swap("vars: {image: my-app:v1}", lines("vars:\n  image: my-app:v1", "\n  v%d: x", 99))},
		{"101 variables", swap("vars: {image: my-app:v1}", lines("vars:\n  image: my-app:v1", "\n  v%d: x", 100))},
		{"variable name of 64", swap("vars: {image: my-app:v1}", "vars: {image: my-app:v1, a"+strings.Repeat("b", 63)+": x}")},
		{"variable name of 65", swap("vars: {image: my-app:v1}", "vars: {image: my-app:v1, a"+strings.Repeat("b", 64)+": x}")},
		{"variable name with _ first", swap("vars: {image: my-app:v1}", "vars: {image: my-app:v1, _x: x}")},
		{"variable value of 1024", swap("vars: {image: my-app:v1}", "vars: {image: my-app:v1, x: "+strings.Repeat("a", 1024)+"}")},
		{"variable value of 1025", swap("vars: {image: my-app:v1}", "vars: {image: my-app:v1, x: "+strings.Repeat("a", 1025)+"}")},
		{"setup from registry", swap("from: builtin", "from: registry")},
		{"setup without from", swap(", from: builtin", "")},
		{"apiVersion v2", swap("academy/v1", "academy/v2")},
		{"no apiVersion", swap("apiVersion: academy/v1\n", "")},
		{"image ref with a digest", swap(`ref: "cloudcorp/my-app:latest"`, `ref: "localhost:5000/app@sha256:`+strings.Repeat("a", 64)+`"`)},
		{"image ref with a capital", swap(`ref: "cloudcorp/my-app:latest"`, `ref: "cloudcorp/My-app:latest"`)},
		{"image ref with an empty tag", swap(`ref: "cloudcorp/my-app:latest"`, `ref: "cloudcorp/my-app:"`)},
		{"image ref with a short digest", swap(`ref: "cloudcorp/my-app:latest"`, `ref: "app@sha256:abc"`)},
		{"image ref from a variable", swap(`ref: "cloudcorp/my-app:latest"`, `ref: "{{ .image }}"`)},
		{"archive path", swap(`image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, `archive: {path: out/my-app.tar}`)},
		{"archive path absolute", swap(`image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, `archive: {path: /tmp/my-app.tar}`)},
		{"archive path with ..", swap(`image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, `archive: {path: out/../../my-app.tar}`)},
		{"archive path with \\", swap(`image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, `archive: {path: 'out\my-app.tar'}`)},
		{"archive path ..x", swap(`image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, `archive: {path: ..x.tar}`)},
		{"kind without options", swap(`image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, `image:`)},
		{"two kinds", swap(`- image: {ref: "cloudcorp/my-app:latest", sameAs: "{{.image}}"}`, "- image: {ref: x}\n        archive: {path: a.tar}")},
		{"labels", swap(`sameAs: "{{.image}}"`, `labels: {a.b: c}`)},
	}
	schemas := map[string]*jsonschema.Schema{}
	for name, engine := range engines {
		schemas[name] = compile(t, engine)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loaderErr := load(tt.doc)
			for name, s := range schemas {
				schemaErr := validate(s, []byte(tt.doc))
				if (loaderErr == nil) != (schemaErr == nil) {
					t.Errorf("%s: the loader says %v; the schema says %v", name, loaderErr, schemaErr)
				}
			}
		})
	}
}

// load is what academy does with a mission: every error of the file.
func load(doc string) error {
	x, errs := mission.Lint("m.yaml", []byte(doc))
	if len(errs) > 0 {
		return errs
	}
	_, err := check.Compile(x)
	return err
}

// The value types' patterns agree with their Validate methods, in both
// engines, and a use of a variable is accepted in any of them.
func TestValueTypePatterns(t *testing.T) {
	samples := map[reflect.Type][]string{
		reflect.TypeFor[mission.ImageRef](): {
			"my-app:v1", "nginx", "cloudcorp/my-app:1.0.0", "localhost:5000/a/b:c", "[::1]:5000/app",
			"app@sha256:" + strings.Repeat("a", 64), "app:v1@sha256:" + strings.Repeat("0", 64),
			"My-App:v1", ":latest", "app:", "app@sha256:abc", "a b", "app:" + strings.Repeat("t", 129), "app//x", "-app",
		},
		reflect.TypeFor[mission.FileName](): {
			"my-app.tar", "out/my-app.tar", "..x", "x..", "a/./b", "a/../b",
			"/etc/passwd", "../x", "a/../../x", "..", `a\b`, "a\x00b", strings.Repeat("f", 256),
		},
		reflect.TypeFor[mission.ContainerName](): {
			"my-app", "/my-app", "a", "a.b_c-d", "-x", "_x", "a b", strings.Repeat("c", 129),
		},
	}
	// The schema refuses every .. in a file name; the loader only one
	// that leaves the lab's folder.
	stricter := map[string]bool{"a/../b": true}
	for typ := range valueTypes {
		if len(samples[typ]) == 0 {
			t.Errorf("no samples for %s", typ)
		}
	}
	for name, engine := range engines {
		for typ, vt := range valueTypes {
			doc, err := json.Marshal(vt.schema())
			if err != nil {
				t.Fatal(err)
			}
			sch := compileSchema(t, doc, engine)
			for _, s := range samples[typ] {
				valid := reflect.ValueOf(s).Convert(typ).Interface().(interface{ Validate() error }).Validate()
				if got := sch.Validate(s); (got == nil) != (valid == nil) && !(stricter[s] && got != nil) {
					t.Errorf("%s: %s %q: the schema says %v; Validate says %v", name, typ, s, got, valid)
				}
			}
			for _, s := range []string{"{{.x}}", "{{ .image }}:latest", "pre-{{.a_b}}"} {
				if err := sch.Validate(s); err != nil {
					t.Errorf("%s: %s %q, which uses a variable: %v", name, typ, s, err)
				}
			}
		}
		re, err := compileRegexp(VarUse, engine)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"{{.image}}", "x {{ .a }} y", "{{.a_1}}", "{{index .RepoDigests 0}}", "{{.1a}}", "{{image}}", "{.a}", "{{ . a }}"} {
			if got, want := re.MatchString(s), len(mission.UsedVars(s)) > 0; got != want {
				t.Errorf("%s: VarUse matches %q: %v; mission.UsedVars says %v", name, s, got, want)
			}
		}
	}
}

func compileSchema(t *testing.T, doc []byte, engine jsonschema.RegexpEngine) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if engine != nil {
		c.UseRegexpEngine(engine)
	}
	if err := c.AddResource("s.json", v); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("s.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func compileRegexp(pattern string, engine jsonschema.RegexpEngine) (interface{ MatchString(string) bool }, error) {
	if engine == nil {
		return regexp.Compile(pattern)
	}
	return engine(pattern)
}

// A generator that met a field the docs do not describe, or a type it
// does not know, fails: nothing reaches the schema undocumented.
func TestGenerateRefusesWhatDocsDoNotSay(t *testing.T) {
	docs, err := ParseDocs(readFile(t, docsFile))
	if err != nil {
		t.Fatal(err)
	}
	delete(docs.Fields, "objectives[].hints")
	delete(docs.Kinds["image"], "sameAs")
	docs.Kinds["archive"]["colour"] = Field{Description: "x"}
	f := docs.Fields["title"]
	f.Required = false
	docs.Fields["title"] = f
	_, err = Generate(docs)
	for _, want := range []string{
		"docs do not describe the field objectives[].hints",
		"docs do not describe the option sameAs of the image check",
		"docs describe the option colour of the archive check, which does not exist",
		"docs say the field title is optional; it is required",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant it to say %q", err, want)
		}
	}
}

// Every registered kind and every option of each is documented and
// written in the corpus's valid-every-kind.yaml, which the schema, the
// loader and lint accept: the schema test covers each option with a real
// value.
func TestEveryOptionIsUsedInTheCorpus(t *testing.T) {
	var doc struct {
		Objectives []struct {
			Checks []map[string]map[string]any
		}
	}
	if err := yaml.Unmarshal(readFile(t, filepath.Join(corpus, "valid-every-kind.yaml")), &doc); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, o := range doc.Objectives {
		for _, c := range o.Checks {
			for kind, opts := range c {
				used[kind] = true
				for opt := range opts {
					used[kind+"."+opt] = true
				}
			}
		}
	}
	for _, k := range check.Kinds() {
		if !used[k.Name] {
			t.Errorf("valid-every-kind.yaml has no %s check", k.Name)
		}
		typ := reflect.TypeOf(k.New()).Elem()
		for i := range typ.NumField() {
			if name := yamlName(typ.Field(i)); name != "" && !used[k.Name+"."+name] {
				t.Errorf("valid-every-kind.yaml uses no %s option of the %s check", name, k.Name)
			}
		}
	}
}

// The limits docs/missions.md states are the loader's: each is taken from
// the loader's own message on a mission just over it.
func TestDocsStateTheLimits(t *testing.T) {
	tests := []struct {
		row, doc string
	}{
		{"file size", valid + "# " + strings.Repeat("x", mission.MaxFileSize) + "\n"},
		{"YAML tokens", valid + "notes: [" + strings.Repeat("1,", 30000) + "]\n"},
		{"nesting of mappings and lists", valid + "notes: " + strings.Repeat("[", 40)},
		{"objectives", valid + lines("", "  - {id: o%d, title: O, checks: [{image: {ref: x}}]}\n", 200)},
		{"checks, in all", valid + lines("", "  - {id: o%d, title: O, checks: [{image: {ref: x}}, {image: {ref: y}}, {image: {ref: z}}, {image: {ref: w}}, {image: {ref: v}}, {image: {ref: u}}]}\n", 95)},
		{"hints per objective", strings.Replace(valid, "hints: [docker tag]", lines("hints:", "\n      - hint %d", 30), 1)},
		{"variables", strings.Replace(valid, "vars: {image: my-app:v1}", lines("vars:\n  image: my-app:v1", "\n  v%d: x", 120), 1)},
		{"a variable's value", strings.Replace(valid, "vars: {image: my-app:v1}", "vars: {image: my-app:v1, x: "+strings.Repeat("a", 2000)+"}", 1)},
		{"points per objective", strings.Replace(valid, "points: 1", "points: 2000", 1)},
	}
	limits := limitsTable(t, string(readFile(t, docsFile)))
	for _, tt := range tests {
		stated, ok := limits[tt.row]
		if !ok {
			t.Errorf("docs/missions.md has no limit %q", tt.row)
			continue
		}
		err := load(tt.doc)
		if err == nil {
			t.Errorf("%s: a mission over the limit loads", tt.row)
			continue
		}
		// The stated value, as the loader says it: "256 KiB", "24 levels", "0 to 1000".
		value := strings.Replace(stated, " to ", " and ", 1)
		value = strings.TrimSuffix(strings.TrimSuffix(value, " levels"), " bytes")
		if !strings.Contains(err.Error(), value) {
			t.Errorf("docs say the %s limit is %s; the loader says: %v", tt.row, stated, err)
		}
	}
}

// limitsTable reads the two-column table under "## Limits".
func limitsTable(t *testing.T, md string) map[string]string {
	_, after, ok := strings.Cut(md, "\n## Limits\n")
	if !ok {
		t.Fatal("docs/missions.md has no Limits section")
	}
	out := map[string]string{}
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		cells := splitRow(line)
		if strings.HasPrefix(line, "|") && len(cells) == 2 {
			out[cells[0]] = cells[1]
		}
	}
	return out
}

// example is a mission made from a YAML example of docs/missions.md.
type example struct {
	line    int
	mission string
}

// docExamples returns the docs' YAML examples as missions: a complete one
// as it is, a list of checks, a checks: or a setup: block in a mission
// made for it.
func docExamples(t *testing.T) []example {
	t.Helper()
	const head = "apiVersion: academy/v1\nid: example\ntitle: Example\nvars: {image: my-app:v1, repo: cloudcorp/my-app, archive: my-app.tar, digestImage: nginx}\n"
	const objective = "objectives:\n  - id: one\n    title: One\n"
	var out []example
	md := string(readFile(t, docsFile))
	for n, rest := 1, md; ; {
		i := strings.Index(rest, "```yaml\n")
		if i < 0 {
			break
		}
		n += strings.Count(rest[:i], "\n") + 1
		rest = rest[i+len("```yaml\n"):]
		j := strings.Index(rest, "```\n")
		block := rest[:j]
		ex := example{line: n + 1}
		switch {
		case strings.Contains(block, "\napiVersion:"), strings.HasPrefix(block, "apiVersion:"):
			ex.mission = block
		case strings.HasPrefix(block, "- "):
			ex.mission = head + objective + "    checks:\n" + indent(block, "      ")
		case strings.HasPrefix(block, "checks:"):
			ex.mission = head + objective + indent(block, "    ")
		case strings.HasPrefix(block, "setup:"):
			ex.mission = head + block + objective + "    checks: [{image: {ref: x}}]\n"
		case strings.HasPrefix(block, "# yaml-language-server:"):
			ex.mission = "" // the modeline alone
		default:
			t.Errorf("docs/missions.md line %d: a YAML example this test cannot place in a mission", ex.line)
		}
		n += strings.Count(block, "\n")
		rest = rest[j:]
		if ex.mission != "" {
			out = append(out, ex)
		}
	}
	if len(out) < 5 {
		t.Fatalf("found %d YAML examples in docs/missions.md", len(out))
	}
	return out
}

func indent(s, by string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(by + l)
		}
	}
	return b.String()
}

// Every example of the docs is a mission academy accepts.
func TestDocExamplesLoad(t *testing.T) {
	for _, ex := range docExamples(t) {
		if err := load(ex.mission); err != nil {
			var list mission.SpecErrors
			if errors.As(err, &list) {
				var msgs []string
				for _, e := range list {
					msgs = append(msgs, e.Error())
				}
				sort.Strings(msgs)
				err = errors.New(strings.Join(msgs, "; "))
			}
			t.Errorf("docs/missions.md line %d: %v\n%s", ex.line, err, ex.mission)
		}
	}
}
