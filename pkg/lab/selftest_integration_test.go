package lab

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/mission"
)

func testOptions(t *testing.T, l *realLab, out *bytes.Buffer) TestOptions {
	t.Helper()
	docker, err := LookDocker()
	if err != nil {
		if os.Getenv("ACADEMY_REQUIRE_DOCKER") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return TestOptions{Out: out, Dir: t.TempDir(), Docker: CLIFor(docker, l.d.Target(), os.Environ()), CommandTimeout: time.Minute}
}

// leftovers lists what is still on the daemon under the lab's prefix.
func (l *realLab) leftovers(t *testing.T) []string {
	t.Helper()
	var out []string
	imgs, err := l.d.Images(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range imgs {
		for _, n := range append(append([]string(nil), i.RepoTags...), i.RepoDigests...) {
			if l.Owns(n) {
				out = append(out, "image "+n)
			}
		}
	}
	ctrs, err := l.d.Containers(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ctrs {
		if l.Owns(c.Name) {
			out = append(out, "container "+c.Name)
		}
	}
	return out
}

// Every shipped mission behaves: each objective fails on a fresh lab and
// passes after its solution, alone and all together; and the test leaves
// nothing behind.
func TestMissionTestEveryShippedMission(t *testing.T) {
	files, err := mission.NewCatalog(missions.FS).Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.ID, func(t *testing.T) {
			l := newRealLab(t)
			m, err := f.Load()
			if err != nil {
				t.Fatal(err)
			}
			prep, err := Prepare(m, l.Prefix)
			if err != nil {
				t.Fatal(err)
			}
			defer prep.Close()
			var out bytes.Buffer
			res, err := prep.Run(ctx(t), l.d, l.w, testOptions(t, l, &out))
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if len(res.Problems) > 0 {
				t.Errorf("%s misbehaves: %+v\n%s", f.ID, res.Problems, out.String())
			}
			for _, o := range m.Objectives {
				if !strings.Contains(out.String(), "✓ "+o.ID+" fails") {
					t.Errorf("the output does not show %s failing on a fresh lab:\n%s", o.ID, out.String())
				}
			}
			if left := l.leftovers(t); len(left) > 0 {
				t.Errorf("mission test left %v", left)
			}
			if res.Removed.Names == 0 {
				t.Error("the clean-up removed nothing; set-up made names")
			}
		})
	}
}

const misbehaving = `apiVersion: academy/v1
id: misbehaving
title: Misbehaving
vars: {image: my-app:v1, repo: cloudcorp/my-app}
setup:
  images:
    - {ref: "{{.image}}", from: builtin}
objectives:
  - id: already
    title: Passes before anything is done
    solution: docker image inspect {{.image}}
    checks:
      - image: {ref: "{{.image}}"}
  - id: wrong
    title: The solution makes another name
    solution: docker tag {{.image}} {{.repo}}:oops
    checks:
      - image: {ref: "{{.repo}}:latest", sameAs: "{{.image}}"}
  - id: broken
    title: The solution fails
    solution: docker rmi {{.repo}}:never-made
    checks:
      - image: {ref: "{{.repo}}:never", sameAs: "{{.image}}"}
  - id: undone
    title: A later solution undoes it
    solution: docker tag {{.image}} {{.repo}}:gone
    checks:
      - image: {ref: "{{.repo}}:gone", sameAs: "{{.image}}"}
  - id: undoer
    title: Removes what undone made
    solution: docker rmi {{.repo}}:gone && docker tag {{.image}} {{.repo}}:undoer
    checks:
      - image: {ref: "{{.repo}}:undoer", sameAs: "{{.image}}"}
`

// A mission that misbehaves is told objective by objective: one that passes
// on a fresh lab, one whose solution does not meet it, one whose solution
// fails, one that a later solution undoes.
func TestMissionTestFindsMisbehaviour(t *testing.T) {
	l := newRealLab(t)
	m, err := mission.Parse("misbehaving.yaml", []byte(misbehaving))
	if err != nil {
		t.Fatal(err)
	}
	prep, err := Prepare(m, l.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	var out bytes.Buffer
	res, err := prep.Run(ctx(t), l.d, l.w, testOptions(t, l, &out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := map[string]string{
		"already": "passes on a fresh lab",
		"wrong":   "fails after its solution: " + l.Prefix + "-cloudcorp/my-app:latest does not exist",
		"broken":  "its solution failed: docker rmi " + l.Prefix + "-cloudcorp/my-app:never-made: exit code 1",
		"undone":  "no longer passes once every solution has run",
	}
	got := map[string]string{}
	for _, p := range res.Problems {
		got[p.Objective] += p.Message
	}
	for id, msg := range want {
		if !strings.Contains(got[id], msg) {
			t.Errorf("objective %s: problem %q, want one containing %q\n%s", id, got[id], msg, out.String())
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok && id != "broken" {
			t.Errorf("objective %s has a problem it should not: %s", id, got[id])
		}
	}
	if left := l.leftovers(t); len(left) > 0 {
		t.Errorf("mission test left %v", left)
	}
}

// Ctrl-C in the middle of a solution: the docker CLI is stopped, and
// everything made so far, a running container included, is removed.
func TestMissionTestCleansUpWhenInterrupted(t *testing.T) {
	l := newRealLab(t)
	doc := `apiVersion: academy/v1
id: forever
title: A solution that never ends
vars: {image: my-app:v1, name: my-app}
setup:
  images:
    - {ref: "{{.image}}", from: builtin}
objectives:
  - id: run
    title: Run it attached
    solution: docker run --name {{.name}} --network none {{.image}}
    checks:
      - container: {name: "{{.name}}", running: true}
`
	m, err := mission.Parse("forever.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	prep, err := Prepare(m, l.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer prep.Close()
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	go func() {
		// Interrupt once the container runs: the docker CLI is attached to
		// it and would wait for ever.
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			if ct, err := l.d.Container(ctx(t), l.Prefix+"-my-app"); err == nil && ct.Running {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	var out bytes.Buffer
	_, err = prep.Run(c, l.d, l.w, testOptions(t, l, &out))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Interrupted: cleaning up") || !strings.Contains(out.String(), "1 container removed") {
		t.Errorf("the output does not say it cleaned up:\n%s", out.String())
	}
	if left := l.leftovers(t); len(left) > 0 {
		t.Errorf("an interrupted mission test left %v", left)
	}
}

// What cannot be tested is refused before anything runs.
func TestPrepareRefuses(t *testing.T) {
	for _, tt := range []struct{ solution, want string }{
		{"docker save {{.image}} | gzip > x.tar.gz", "objective one: its solution uses |"},
		{"", "objective one: its solution is missing"},
		{"cp a b", `runs "cp"`},
	} {
		doc := strings.Replace(`apiVersion: academy/v1
id: refuse
title: Refuse
vars: {image: my-app:v1}
objectives:
  - id: one
    title: One
    solution: "SOLUTION"
    checks:
      - image: {ref: "{{.image}}"}
`, "SOLUTION", tt.solution, 1)
		m, err := mission.Parse("refuse.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Prepare(m, "academy-test-x")
		var se *SolutionError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want a SolutionError containing %q", tt.solution, err, tt.want)
		}
	}
}
