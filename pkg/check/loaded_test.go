package check

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testdocker"
	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

const loadedMission = `apiVersion: academy/v1
id: airgap
title: Air gap
vars: {image: "academy-fixture/app:v1", archive: app.tar}
objectives:
  - id: import
    title: Load the image
    checks:
      - loaded: {path: "{{.archive}}", ref: "{{.image}}"}
`

// The loaded check: the daemon's image under the name is the one the
// archive holds, by the ID either image store gives it.
func TestLoaded(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	testlab.Gunzip(t, fixture, plain)
	testlab.Docker25Layout(t, plain, filepath.Join(dir, "app.tar"))
	rep, err := archive.VerifyFile(context.Background(), filepath.Join(dir, "app.tar"), archive.Options{})
	assertNoError(t, err)
	target := string(rep.Images[0].Target)
	if err := os.WriteFile(filepath.Join(dir, "broken.tar"), []byte("not a tar"), 0o644); err != nil {
		t.Fatal(err)
	}
	const ref = "academy-fixture/app:v1"
	named := func(id string) map[string]dockerstate.Image {
		return map[string]dockerstate.Image{ref: {ID: id, RepoTags: []string{ref}}}
	}
	written := time.Now()
	for _, name := range []string{"app.tar", "broken.tar"} {
		if err := os.Chtimes(filepath.Join(dir, name), written, written); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(action, actor string, at time.Time) dockerstate.Event {
		return dockerstate.Event{Type: "image", Action: action, ActorID: actor, Time: at}
	}
	// A removal, then a load: what docker rmi and docker load leave.
	loadEvent := func(action, actor string, at time.Time) []dockerstate.Event {
		return []dockerstate.Event{ev("untag", fixtureID, at.Add(-time.Millisecond)), ev("delete", fixtureID, at.Add(-time.Millisecond)), ev(action, actor, at)}
	}
	for _, tt := range []struct {
		name    string
		vars    map[string]string
		images  map[string]dockerstate.Image
		history []dockerstate.Event
		status  Status
		message string
	}{
		{"loaded, classic store", nil, named(fixtureID), nil, Pass, "academy-fixture/app:v1 is the image app.tar holds (461ecf877906)"},
		{"loaded, containerd store", nil, named(target), nil, Pass, "is the image app.tar holds"},
		{"not loaded", nil, nil, nil, Fail, "academy-fixture/app:v1 is not on this daemon — load it: docker load -i app.tar"},
		{"another image under the name", nil, named(id("4f1c")), nil, Fail,
			"the daemon's academy-fixture/app:v1 is 4f1c00000000, not the image app.tar holds (461ecf877906) — load it: docker rmi academy-fixture/app:v1, then docker load -i app.tar"},
		{"no archive", map[string]string{"archive": "missing.tar"}, named(fixtureID), nil, Fail,
			"missing.tar is not in " + dir + " — export it: docker save -o missing.tar academy-fixture/app:v1"},
		{"not an archive", map[string]string{"archive": "broken.tar"}, named(fixtureID), nil, Fail,
			"broken.tar is not a docker save archive"},
		{"an archive of another image", map[string]string{"image": "cloudcorp/other:v1"}, nil, nil, Fail,
			"app.tar holds academy-fixture/app:v1, not cloudcorp/other:v1"},
		{"docker import instead of load", nil, map[string]dockerstate.Image{ref: {ID: id("81"), RepoTags: []string{ref}, Comment: "Imported from -"}}, nil, Fail,
			"which docker import made, not the image app.tar holds"},
		{"the same image, named before the archive was written: never loaded", nil,
			map[string]dockerstate.Image{ref: {ID: fixtureID, RepoTags: []string{ref}, LastTagTime: time.Unix(1, 0)}}, nil, Fail,
			"has not been loaded since app.tar was written"},
		{"the same image, loaded after the archive was written", nil,
			map[string]dockerstate.Image{ref: {ID: fixtureID, RepoTags: []string{ref}, LastTagTime: time.Now().Add(time.Hour)}}, nil, Pass,
			"is the image app.tar holds"},
		// Where the daemon remembers its events, they decide: Docker 20.10
		// gives a loaded image no LastTagTime at all.
		{"the daemon remembers no load since the archive was written", nil, named(fixtureID), []dockerstate.Event{}, Fail,
			"the daemon has no record of it being removed and then loaded since app.tar was written"},
		{"a load before the archive was written", nil, named(fixtureID), loadEvent("load", fixtureID, written.Add(-time.Minute)), Fail,
			"no record of it being removed and then loaded"},
		{"a load since the archive was written", nil, named(fixtureID), loadEvent("load", fixtureID, written.Add(time.Second)), Pass,
			"is the image app.tar holds (461ecf877906), loaded at"},
		{"Podman's load, by the bare ID", nil, named(fixtureID), loadEvent("loadfromarchive", strings.TrimPrefix(fixtureID, "sha256:"), written.Add(time.Second)), Pass,
			"loaded at"},
		{"Podman's load, which names no image", nil, named(fixtureID), loadEvent("loadfromarchive", "", written.Add(time.Second)), Pass,
			"loaded at"},
		{"a load of another image", nil, named(fixtureID), loadEvent("load", id("4f1c"), written.Add(time.Second)), Fail,
			"no record of it being removed and then loaded"},
		{"a load without a removal before it (the image never left)", nil, named(fixtureID),
			[]dockerstate.Event{ev("load", fixtureID, written.Add(time.Second))}, Fail, "no record of it being removed and then loaded"},
		{"a removal and a load both before the archive was written (set-up's)", nil, named(fixtureID), loadEvent("load", fixtureID, written.Add(-time.Minute)), Fail,
			"no record of it being removed and then loaded"},
		{"a retag after the archive was written is not a load", nil,
			map[string]dockerstate.Image{ref: {ID: fixtureID, RepoTags: []string{ref}, LastTagTime: time.Now().Add(time.Hour)}}, loadEvent("tag", fixtureID, written.Add(time.Second)), Fail,
			"no record of it being removed and then loaded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compileWith(t, loadedMission, tt.vars)
			assertNoError(t, err)
			r := &Runner{Daemon: &fakeDaemon{images: tt.images, history: tt.history}, Dir: dir}
			res, err := r.Run(context.Background(), p, nil)
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != tt.status || !strings.Contains(c.Message, tt.message) {
				t.Errorf("got %s %q, want %s containing %q", c.Status, c.Message, tt.status, tt.message)
			}
			if c.Kind != "loaded" {
				t.Errorf("kind = %s", c.Kind)
			}
		})
	}
}

// What each kind says its objective leaves in the lab, and needs from a
// registry.
func TestArtifactsAndPulls(t *testing.T) {
	p := zone7(t)
	got, err := p.Artifacts(nil)
	assertNoError(t, err)
	want := []Artifact{
		{ArtifactTag, "cloudcorp/my-app:latest"},
		{ArtifactTag, "cloudcorp/my-app:1.0.0"},
		{ArtifactFile, "my-app.tar"},
	}
	if len(got) != len(want) {
		t.Fatalf("artifacts = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("artifact %d = %v, want %v", i, got[i], want[i])
		}
	}
	only, err := p.Artifacts([]string{"digest"})
	assertNoError(t, err)
	if len(only) != 0 {
		t.Errorf("the digest objective leaves %v; it only reads", only)
	}
	if _, err := p.Artifacts([]string{"nope"}); err == nil {
		t.Error("an unknown objective gave no error")
	}
	if pulls := p.Pulls(); len(pulls) != 1 || pulls[0] != "nginx" {
		t.Errorf("pulls = %v, want [nginx] once (two checks name it)", pulls)
	}

	r, err := compileWith(t, rollbackMission, nil)
	assertNoError(t, err)
	arts, err := r.Artifacts(nil)
	assertNoError(t, err)
	if len(arts) != 1 || arts[0] != (Artifact{ArtifactContainer, "my-app"}) {
		t.Errorf("rollback artifacts = %v, want the container my-app once (absent leaves nothing)", arts)
	}
	l, err := compileWith(t, loadedMission, nil)
	assertNoError(t, err)
	if arts, _ := l.Artifacts(nil); len(arts) != 1 || arts[0] != (Artifact{ArtifactTag, "academy-fixture/app:v1"}) {
		t.Errorf("loaded artifacts = %v", arts)
	}
}

// On the real daemon: the image academy names is the archive's, but it is
// loaded only once docker load has read the archive, whatever the engine
// tells of it (Docker 20.10 gives a loaded image no LastTagTime).
func TestLoadedOnRealDaemon(t *testing.T) {
	lab := testlab.New(t)
	image := lab.Name("my-app:2.0.0")
	lab.Build(image, "loaded "+lab.Prefix)
	dir := t.TempDir()
	lab.Save(filepath.Join(dir, "app.tar"), image)
	d, err := dockerstate.Open(dockerstate.Options{})
	assertNoError(t, err)
	defer d.Close()
	p, err := compileWith(t, loadedMission, map[string]string{"image": image})
	assertNoError(t, err)
	run := func() Outcome {
		t.Helper()
		res, err := (&Runner{Daemon: d, Dir: dir}).Run(context.Background(), p, nil)
		assertNoError(t, err)
		return res.Objectives[0].Checks[0]
	}
	// Podman's event log cannot say what was loaded when: there the image
	// under its name is all academy can go by.
	if engine := testdocker.Describe(t); engine.Product != testdocker.Podman {
		if c := run(); c.Status != Fail || !strings.Contains(c.Message, "no record of it being removed and then loaded since app.tar was written") {
			t.Errorf("saved, never loaded: %s %q", c.Status, c.Message)
		}
	}
	lab.Untag(image)
	if out, err := exec.Command("docker", "load", "-q", "-i", filepath.Join(dir, "app.tar")).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	if c := run(); c.Status != Pass {
		t.Errorf("removed, then loaded from the archive: %s %q", c.Status, c.Message)
	}
}

// An archive dated in the future cannot move the span of events to look
// at, and events that cannot be read are no evidence: the check is then
// in error, never passed by default.
func TestLoadedEvidenceCannotBeDodged(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	testlab.Gunzip(t, fixture, plain)
	testlab.Docker25Layout(t, plain, filepath.Join(dir, "app.tar"))
	const ref = "academy-fixture/app:v1"
	images := map[string]dockerstate.Image{ref: {ID: fixtureID, RepoTags: []string{ref}}}
	run := func(d *fakeDaemon) Outcome {
		t.Helper()
		p, err := compileWith(t, loadedMission, nil)
		assertNoError(t, err)
		res, err := (&Runner{Daemon: d, Dir: dir}).Run(context.Background(), p, nil)
		assertNoError(t, err)
		return res.Objectives[0].Checks[0]
	}
	tomorrow := time.Now().Add(24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "app.tar"), tomorrow, tomorrow); err != nil {
		t.Fatal(err)
	}
	// setup's own load, an hour ago: before now, so out of the span.
	setupLoad := []dockerstate.Event{{Type: "image", Action: "load", ActorID: fixtureID, Time: time.Now().Add(-time.Hour)}}
	if c := run(&fakeDaemon{images: images, history: setupLoad}); c.Status != Fail || !strings.Contains(c.Message, "no record of it being removed and then loaded") {
		t.Errorf("an archive dated tomorrow: %s %q, want a fail", c.Status, c.Message)
	}
	if c := run(&fakeDaemon{images: images, history: []dockerstate.Event{}, historyErr: errors.New("the daemon closed the event stream")}); c.Status != Error || !strings.Contains(c.Message, "could not read the daemon's events") {
		t.Errorf("events that cannot be read: %s %q, want an error", c.Status, c.Message)
	}
}
