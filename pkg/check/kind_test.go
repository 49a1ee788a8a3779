package check

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/mission"
)

// greetingSpec is a kind that exists only in this test: a new kind is one
// type with fields and a Check method, registered by name. Nothing else in
// the mission or check packages knows about it.
type greetingSpec struct {
	Image mission.ImageRef `yaml:"image" check:"required"`
	File  mission.FileName `yaml:"file"`
	Words string           `yaml:"words"`
}

func (s *greetingSpec) Check(context.Context, *Lab) Outcome {
	return Outcome{Status: Pass, Message: string(s.Image) + " " + string(s.File) + " " + s.Words}
}

func init() {
	register(Kind{Name: "greeting-test", Summary: "test only", New: func() Spec { return &greetingSpec{} }})
}

const greetingMission = `apiVersion: academy/v1
id: greet
title: Greet
vars: {img: app:v1, file: out.tar, words: hello}
objectives:
  - id: one
    title: One
    checks:
      - greeting-test: {image: "{{.img}}", file: "{{.file}}", words: "{{.words}} world"}
`

func compileWith(t *testing.T, doc string, vars map[string]string) (*Plan, error) {
	t.Helper()
	m, err := mission.Parse("greet.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	x, err := m.Expand(vars)
	if err != nil {
		return nil, err
	}
	return Compile(x)
}

// A new kind's fields are expanded and validated by their types alone.
func TestNewKindIsExpandedAndValidated(t *testing.T) {
	p, err := compileWith(t, greetingMission, nil)
	assertNoError(t, err)
	got := p.Objectives[0].Checks[0].Spec.(*greetingSpec)
	if got.Image != "app:v1" || got.File != "out.tar" || got.Words != "hello world" {
		t.Errorf("decoded %+v, want every field expanded", got)
	}
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"img": "App:V1"}, `greet.yaml:9:32: image: "App:V1" is not a valid image reference: names are lowercase ("{{.img}}" as written (img = "App:V1"))`},
		{map[string]string{"file": "../../etc/passwd"}, `greet.yaml:9:50: file: "../../etc/passwd" must name a file inside the lab's folder`},
		{map[string]string{"img": ""}, `greet.yaml:9:32: "{{.img}}" is empty once expanded (img = "")`},
	}
	for _, tt := range tests {
		_, err := compileWith(t, greetingMission, tt.vars)
		var se *mission.SpecError
		if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("vars %v: err = %v\nwant prefix %s", tt.vars, err, tt.want)
		}
	}
	_, err = compileWith(t, strings.Replace(greetingMission, `image: "{{.img}}", `, "", 1), nil)
	if err == nil || !strings.Contains(err.Error(), "greet.yaml:9:9: a greeting-test check needs image") {
		t.Errorf("missing required field: err = %v", err)
	}
}

func TestCompileReportsEveryProblemAtItsPlace(t *testing.T) {
	doc := `apiVersion: academy/v1
id: bad
title: Bad
objectives:
  - id: one
    title: One
    checks:
      - imag: {ref: x}
      - image: {ref: x, sameAs: "Not Valid"}
      - archive: {path: a.tar, matchesDaemon: true}
      - image: {ref: x, absent: true, repoDigest: true}
      - answer: {}
      - image: {ref: x, platform: amd64}
      - image: {ref: x, colour: red}
`
	_, err := compileWith(t, doc, nil)
	var errs mission.SpecErrors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v (%T), want SpecErrors", err, err)
	}
	want := []string{
		`greet.yaml:8:9: unknown check kind "imag" (kinds: `,
		`greet.yaml:9:33: sameAs: "Not Valid" is not a valid image reference`,
		`greet.yaml:10:47: matchesDaemon needs contains`,
		`greet.yaml:11:33: absent: an image that must not exist can have nothing else checked`,
		`greet.yaml:12:9: an answer check needs repoDigestOf`,
		`greet.yaml:13:35: platform "amd64": expected os/arch`,
		`greet.yaml:14:25: unknown field "colour"`,
	}
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q\nwant prefix   %q", i, errs[i], w)
		}
	}
}

func TestEmbeddedZone7Compiles(t *testing.T) {
	p := zone7(t)
	qs := p.Questions(nil)
	if len(qs) != 1 || qs[0].Objective != "digest" || !strings.Contains(qs[0].Prompt, "nginx") {
		t.Errorf("questions = %+v, want the digest objective's", qs)
	}
	if qs := p.Questions([]string{"multi-tag"}); len(qs) != 0 {
		t.Errorf("questions of multi-tag = %+v, want none", qs)
	}
}
