package mission

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
)

// lintAgrees checks that Lint finds what Parse and Expand(nil) find: the
// same expanded mission when they accept the file, and their first error
// among its problems when they refuse it.
func lintAgrees(t *testing.T, name string, data []byte) {
	t.Helper()
	x, errs := Lint(name, data)
	for _, e := range errs {
		if strings.Contains(e.Error(), "\n") {
			t.Errorf("%s: a problem spans lines: %q", name, e)
		}
	}
	m, err := Parse(name, data)
	if err == nil {
		m, err = m.Expand(nil)
	}
	if err != nil {
		var first *SpecError
		if !errors.As(err, &first) {
			t.Fatalf("%s: Parse or Expand: %v (%T)", name, err, err)
		}
		if x == nil && len(errs) == 1 {
			// Undecodable: which of several unknown fields the decoder
			// names first varies from run to run.
			return
		}
		for _, e := range errs {
			if *e == *first {
				return
			}
		}
		t.Errorf("%s: Parse and Expand say %q; Lint does not:\n%v", name, first, errs)
		return
	}
	if len(errs) > 0 || x == nil {
		t.Fatalf("%s: Parse and Expand accept it; Lint says %v", name, errs)
	}
	if got, want := render(t, x), render(t, m); got != want {
		t.Errorf("%s: Lint's mission differs from Expand's:\n%s\n%s", name, got, want)
	}
}

// render shows what a mission's users see of it: its fields, and each
// check's kind, fields, and the message at each field (its position and
// the variables behind its value).
func render(t *testing.T, m *Mission) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %q %q %v %+v %v\n", m.APIVersion, m.ID, m.Title, m.Briefing, m.Vars, m.Setup, m.Expanded())
	for _, o := range m.Objectives {
		fmt.Fprintf(&b, "%s %q %d %q %q\n", o.ID, o.Title, o.Points, o.Hints, o.Solution)
		for _, c := range o.Checks {
			var fields map[string]any
			if err := c.Decode(&fields); err != nil {
				t.Fatal(err)
			}
			keys := make([]string, 0, len(fields))
			for k := range fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintf(&b, "  %s %v %s\n", c.Kind, fields, c.Errorf("", "check"))
			for _, k := range keys {
				fmt.Fprintf(&b, "    %s\n", c.Errorf(k, "field"))
			}
		}
	}
	return b.String()
}

func TestLintAgreesWithParseAndExpand(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "missions", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lintAgrees(t, filepath.Base(f), data)
	}
	zone7, err := missions.FS.ReadFile("zone7.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lintAgrees(t, "zone7.yaml", zone7)
}

// Lint goes on where Parse stops: the problems of meaning and the expanded
// mission, whose checks can then be compiled.
func TestLintListsEveryProblem(t *testing.T) {
	doc := `apiVersion: academy/v1
id: demo
title: Demo
vars: {image: my-app:v1, tag: ""}
setup:
  images: [{ref: "{{.image}}", from: registry}]
objectives:
  - id: tag
    title: Tag {{.image}}
    checks:
      - image: {ref: "{{.rep}}:latest", sameAs: "{{.image}}"}
  - id: tag
    title: Again
    points: 9999
    checks:
      - image: {ref: "{{.tag}}"}
`
	x, errs := Lint("demo.yaml", []byte(doc))
	want := []string{
		`demo.yaml:6:38: from must be builtin`,
		`demo.yaml:12:9: objective id "tag" is used twice`,
		`demo.yaml:14:13: points must be between 0 and 1000`,
		`demo.yaml:11:22: unknown variable rep`,
		`demo.yaml:16:22: "{{.tag}}" is empty once expanded (tag = "")`,
	}
	if len(errs) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("problem %d = %q\nwant prefix   %q", i, errs[i], w)
		}
	}
	if x == nil || !x.Expanded() || len(x.Objectives) != 2 {
		t.Fatalf("mission %+v, want the expanded mission", x)
	}
	var c struct {
		Ref    string `yaml:"ref"`
		SameAs string `yaml:"sameAs"`
	}
	if err := x.Objectives[0].Checks[0].Decode(&c); err != nil {
		t.Fatal(err)
	}
	// An undeclared variable leaves its string as written, so what fails
	// there fails at the same place.
	if c.Ref != "{{.rep}}:latest" || c.SameAs != "my-app:v1" {
		t.Errorf("check fields %+v", c)
	}
	if _, errs := Lint("x.yaml", []byte("objectives: [")); len(errs) != 1 || errs[0].Line != 1 {
		t.Errorf("undecodable: %v, want its one error", errs)
	}
}

func TestFileRead(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "demo.yaml"), valid)
	files, err := NewCatalog(missions.FS, dir).Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := f.Read()
		if err != nil || len(data) == 0 {
			t.Errorf("%s: %d bytes, %v", f.Name, len(data), err)
		}
		if f.ID == "demo" && string(data) != valid {
			t.Errorf("%s: read %q", f.Name, data)
		}
	}
}

// FuzzLint: whatever the bytes, Lint agrees with Parse and Expand, and
// never panics.
func FuzzLint(f *testing.F) {
	zone7, err := missions.FS.ReadFile("zone7.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zone7)
	f.Add([]byte(valid))
	f.Add([]byte(strings.Replace(valid, "{{.repo}}", "{{.nope}}", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		lintAgrees(t, "f.yaml", data)
	})
}
