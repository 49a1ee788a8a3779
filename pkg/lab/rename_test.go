package lab

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/mission"
)

func shipped(t *testing.T, id string) *mission.Mission {
	t.Helper()
	m, err := mission.NewCatalog(missions.FS).Find(id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Mission test rewrites exactly the variables that name images and
// containers, and points those of images from a registry at its own.
func TestRename(t *testing.T) {
	const prefix, reg = "academy-test-0a1b2c3d", "127.0.0.1:5000"
	for _, tt := range []struct {
		mission string
		want    map[string]string
	}{
		{"zone7", map[string]string{
			"image":       prefix + "-my-app:v1",
			"repo":        prefix + "-cloudcorp/my-app",
			"digestImage": reg + "/" + prefix + "-nginx",
		}},
		{"zone7-rollback", map[string]string{
			"repo":      prefix + "-cloudcorp/my-app",
			"container": prefix + "-my-app",
		}},
		{"zone7-airgap", map[string]string{
			"image":    prefix + "-cloudcorp/my-app:2.0.0",
			"previous": prefix + "-cloudcorp/my-app:1.9.0",
		}},
	} {
		t.Run(tt.mission, func(t *testing.T) {
			r, p, err := Rename(shipped(t, tt.mission), prefix, reg)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Vars) != len(tt.want) {
				t.Errorf("rewrote %v, want %v", r.Vars, tt.want)
			}
			for k, v := range tt.want {
				if r.Vars[k] != v {
					t.Errorf("%s = %q, want %q", k, r.Vars[k], v)
				}
			}
			for _, n := range namesOf(p) {
				if !r.Owns(n.value) {
					t.Errorf("%s: %s is not under the prefix", n.where, n.value)
				}
			}
		})
	}
}

// A name written without a variable cannot be given a name of mission
// test's own: the mission is refused before anything runs.
func TestRenameRefusesLiteralNames(t *testing.T) {
	doc := `apiVersion: academy/v1
id: lit
title: Literal
vars: {image: my-app:v1}
objectives:
  - id: one
    title: One
    solution: docker tag {{.image}} nginx:latest
    checks:
      - image: {ref: "nginx:latest", sameAs: "{{.image}}"}
`
	m, err := mission.Parse("lit.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Rename(m, "academy-test-x", "")
	var unowned *UnownedError
	if !errors.As(err, &unowned) || unowned.Name != "nginx:latest" || !strings.Contains(err.Error(), "objective one, check 1 (image) ref") {
		t.Errorf("err = %v, want an UnownedError naming nginx:latest where it is", err)
	}
}

// The corpus's mission with every kind is renamed whole.
func TestRenameEveryKind(t *testing.T) {
	data, err := os.ReadFile("../../testdata/missions/valid-every-kind.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mission.Parse("valid-every-kind.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := Rename(m, "academy-test-x", "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Vars["name"] != "academy-test-x-my-app" || r.Vars["old"] != "academy-test-x-cloudcorp/my-app:0.9" || r.Vars["archive"] != "" {
		t.Errorf("vars = %v", r.Vars)
	}
}
