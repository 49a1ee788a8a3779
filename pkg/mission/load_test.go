package mission

import (
	"errors"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
)

const valid = `apiVersion: academy/v1
id: demo
title: Demo
vars: {image: my-app:v1, repo: cloudcorp/my-app}
objectives:
  - id: tag
    title: Tag {{.image}}
    points: 2
    solution: docker tag {{ .image }} {{.repo}}:latest
    checks:
      - image: {ref: "{{.repo}}:latest", sameAs: "{{.image}}"}
`

func TestParseValid(t *testing.T) {
	m, err := Parse("demo.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "demo" || len(m.Objectives) != 1 || m.Objectives[0].Points != 2 {
		t.Fatalf("decoded %+v", m)
	}
	if got := m.Objectives[0].Checks[0].Kind; got != "image" {
		t.Errorf("kind = %q, want image", got)
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", strings.Replace(valid, "    points: 2", "    points: 2\n    pionts: 3", 1), "demo.yaml:9:5: "},
		{"duplicate key", strings.Replace(valid, "title: Demo", "title: Demo\ntitle: Again", 1), "demo.yaml:4:1: "},
		{"wrong type", strings.Replace(valid, "points: 2", "points: two", 1), "demo.yaml:8:13: "},
		{"bad apiVersion", strings.Replace(valid, "academy/v1", "academy/v9", 1), `demo.yaml:1:13: apiVersion must be "academy/v1"`},
		{"unknown variable", strings.Replace(valid, "{{.repo}}:latest\"", "{{.rep}}:latest\"", 1), "demo.yaml:11:22: unknown variable rep"},
		{"two kinds in one check", strings.Replace(valid, "sameAs: \"{{.image}}\"}", "sameAs: \"{{.image}}\"}\n        archive: {path: x.tar}", 1), "demo.yaml:11:"},
		{"no checks", strings.Replace(valid, "    checks:\n      - image: {ref: \"{{.repo}}:latest\", sameAs: \"{{.image}}\"}\n", "    checks: []\n", 1), "demo.yaml:10:13: objective tag needs at least one check"},
		{"duplicate objective", valid + "  - id: tag\n    title: Again\n    checks: [{image: {ref: x}}]\n", "demo.yaml:12:9: objective id \"tag\" is used twice"},
		{"not yaml", "objectives: [", "demo.yaml:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("demo.yaml", []byte(tt.yaml))
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *SpecError", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %q, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err spans lines: %q", err)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	m, err := Parse("demo.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	x, err := m.Expand(map[string]string{"repo": "acme/app"})
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Ref    string `yaml:"ref"`
		SameAs string `yaml:"sameAs"`
	}
	if err := x.Objectives[0].Checks[0].Decode(&c); err != nil {
		t.Fatal(err)
	}
	if c.Ref != "acme/app:latest" || c.SameAs != "my-app:v1" {
		t.Errorf("expanded check = %+v", c)
	}
	if got, want := x.Objectives[0].Solution, "docker tag my-app:v1 acme/app:latest"; got != want {
		t.Errorf("solution = %q, want %q", got, want)
	}
	var orig struct {
		Ref    string `yaml:"ref"`
		SameAs string `yaml:"sameAs"`
	}
	if err := m.Objectives[0].Checks[0].Decode(&orig); err != nil || orig.Ref != "{{.repo}}:latest" {
		t.Errorf("Expand changed the original mission: %+v %v", orig, err)
	}
	if _, err := m.Expand(map[string]string{"nope": "x"}); err == nil || !strings.Contains(err.Error(), "image, repo") {
		t.Errorf("unknown override: err = %v, want one listing the variables", err)
	}
}

func TestEmbeddedMissionsParse(t *testing.T) {
	c := NewCatalog(missions.FS)
	ids := c.IDs()
	if len(ids) == 0 {
		t.Fatal("no embedded missions")
	}
	for _, id := range ids {
		m, err := c.Find(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, err := m.Expand(nil); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	z, err := c.Find("zone7")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range z.Objectives {
		got = append(got, o.ID)
	}
	if strings.Join(got, ",") != "multi-tag,digest,export" {
		t.Errorf("zone7 objectives = %v, the contract says multi-tag, digest, export", got)
	}
}

func TestCatalogAddsFoldersAndRefusesClashes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/demo.yaml", valid)
	c := NewCatalog(missions.FS, dir)
	if err := c.CheckDirs(); err != nil {
		t.Fatal(err)
	}
	m, err := c.Find("demo")
	if err != nil {
		t.Fatal(err)
	}
	if m.Title != "Demo" || !strings.HasSuffix(m.Source, "demo.yaml") {
		t.Errorf("found %q from %s, want the folder's demo", m.Title, m.Source)
	}
	if ids := strings.Join(c.IDs(), ","); !strings.Contains(ids, "demo") || !strings.Contains(ids, "zone7") {
		t.Errorf("ids = %s, want the folder's and the embedded ones", ids)
	}

	// A second zone7 is a clash that names both files, whichever is asked for.
	writeFile(t, dir+"/zone7.yaml", strings.Replace(valid, "id: demo", "id: zone7", 1))
	var clash *ClashError
	if _, err := NewCatalog(missions.FS, dir).Find("demo"); !errors.As(err, &clash) ||
		!strings.Contains(err.Error(), "missions/zone7.yaml (embedded)") || !strings.Contains(err.Error(), dir+"/zone7.yaml") {
		t.Errorf("clash: err = %v, want a ClashError naming both files", err)
	}

	var nf *NotFoundError
	if _, err := NewCatalog(missions.FS).Find("zone99"); !errors.As(err, &nf) || !strings.Contains(err.Error(), "zone7") {
		t.Errorf("missing mission: err = %v, want a NotFoundError listing zone7", err)
	}
	if err := NewCatalog(missions.FS, dir+"/nope").CheckDirs(); err == nil {
		t.Error("a missing mission folder was accepted")
	}
	if err := NewCatalog(missions.FS, dir+"/demo.yaml").CheckDirs(); err == nil {
		t.Error("a file given as a mission folder was accepted")
	}
}

// Title, read from the tokens alone, is the title Load gives, for every
// shipped mission and every way a one-line title can be written.
func TestTitleAloneIsTheLoadedTitle(t *testing.T) {
	c := NewCatalog(missions.FS)
	for _, id := range c.IDs() {
		m, err := c.Find(id)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Title(id); got != m.Title {
			t.Errorf("%s: Title = %q, Load gives %q", id, got, m.Title)
		}
	}
	dir := t.TempDir()
	for i, title := range []string{`Demo`, `"Zone 7: a \"quoted\" \u00e9 title"`, `'it''s single-quoted'`, `Demo # with a comment`} {
		writeFile(t, dir+"/demo.yaml", strings.Replace(valid, "title: Demo", "title: "+title, 1))
		c := NewCatalog(missions.FS, dir)
		m, err := c.Find("demo")
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := c.Title("demo"); got != m.Title {
			t.Errorf("title: %s: Title = %q, Load gives %q", title, got, m.Title)
		}
	}
	// A block scalar is not read from the tokens: no title rather than a wrong one.
	writeFile(t, dir+"/demo.yaml", strings.Replace(valid, "title: Demo", "title: >-\n  Demo", 1))
	if got := NewCatalog(missions.FS, dir).Title("demo"); got != "" && got != "Demo" {
		t.Errorf("a block scalar title: Title = %q", got)
	}
	if got := NewCatalog(missions.FS).Title("zone99"); got != "" {
		t.Errorf("a missing mission has title %q", got)
	}
}
