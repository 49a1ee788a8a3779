package check

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/builtin"
	"github.com/academy-dev/academy/pkg/mission"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// containerDaemon is a fakeDaemon that also has containers, by name.
type containerDaemon struct {
	*fakeDaemon
	containers map[string]dockerstate.Container
	byID       map[string]dockerstate.Image // images found by their ID
}

func (f *containerDaemon) Container(_ context.Context, name string) (dockerstate.Container, error) {
	c, ok := f.containers[name]
	if !ok {
		return dockerstate.Container{}, fmt.Errorf("container %s: %w", name, dockerstate.ErrNotFound)
	}
	return c, nil
}

func (f *containerDaemon) Image(ctx context.Context, ref string) (dockerstate.Image, error) {
	if img, ok := f.byID[ref]; ok {
		return img, nil
	}
	return f.fakeDaemon.Image(ctx, ref)
}

const rollbackMission = `apiVersion: academy/v1
id: rollback
title: Roll back
vars: {good: "cloudcorp/my-app:v1.2.0", name: my-app}
objectives:
  - id: rollback
    title: Run the previous version
    checks:
      - container: {name: "{{.name}}", running: true, image: "{{.good}}", maxRestarts: 0}
  - id: gone
    title: No old container
    checks:
      - container: {name: old-app, absent: true}
  - id: exists
    title: A container, in any state
    checks:
      - container: {name: "{{.name}}"}
`

func TestContainer(t *testing.T) {
	good := image("9a2e", "cloudcorp/my-app:v1.2.0")
	bad := image("4f1c", "cloudcorp/my-app:v1.3.0")
	running := func(img dockerstate.Image) dockerstate.Container {
		return dockerstate.Container{ID: "c0ffee", Name: "my-app", ImageID: img.ID, Image: img.RepoTags[0], Running: true, Status: "running"}
	}
	exited := running(good)
	exited.Running, exited.Status = false, "exited"
	neverRan := running(good)
	neverRan.Running, neverRan.Status, neverRan.Error = false, "created", "could not find bridge docker0"
	crashing := running(good)
	crashing.RestartCount = 3
	byPrefix := running(good)
	byPrefix.Name = "something-else"
	retagged := image("4f1c", "cloudcorp/my-app:v1.2.0", "cloudcorp/my-app:v1.3.0")
	retagged.Labels = map[string]string{builtin.LabelBuiltin: "cloudcorp/my-app:v1.3.0"}
	child := image("c41d", "cloudcorp/my-app:v1.2.0")
	child.Labels, child.Layers = map[string]string{builtin.LabelBuiltin: "cloudcorp/my-app:v1.3.0"}, 2 // built FROM v1.3.0
	academys := good
	academys.Labels = map[string]string{builtin.LabelBuiltin: "docker.io/cloudcorp/my-app:v1.2.0"}

	tests := []struct {
		name      string
		container *dockerstate.Container
		v120      dockerstate.Image // what cloudcorp/my-app:v1.2.0 names now
		status    Status
		message   string
	}{
		{"no container", nil, good, Fail,
			"no container is named my-app — start one: docker run -d --name my-app cloudcorp/my-app:v1.2.0"},
		{"found by an ID prefix only", &byPrefix, good, Fail, "no container is named my-app"},
		{"the broken version", ptr(running(bad)), good, Fail,
			"my-app runs 4f1c00000000 (cloudcorp/my-app:v1.3.0), not cloudcorp/my-app:v1.2.0 (9a2e00000000) — replace it: docker rm -f my-app, then docker run -d --name my-app cloudcorp/my-app:v1.2.0"},
		{"the right image, retagged away since", ptr(running(good)), image("77aa", "cloudcorp/my-app:v1.2.0"), Fail,
			"my-app runs 9a2e00000000 (started from cloudcorp/my-app:v1.2.0), not cloudcorp/my-app:v1.2.0 (77aa00000000)"},
		{"the broken version retagged as the good one", ptr(running(bad)), retagged, Fail,
			"academy's image of cloudcorp/my-app:v1.3.0 retagged as cloudcorp/my-app:v1.2.0"},
		{"stopped", &exited, good, Fail, "my-app is exited, not running — start it: docker start my-app"},
		{"created, but the daemon could not start it", &neverRan, good, Fail,
			"my-app is created, not running: the daemon could not start it (could not find bridge docker0) — fix that, then remove it and run it again: docker rm my-app"},
		{"restarting", &crashing, good, Fail, "my-app has restarted 3 times (at most 0 allowed)"},
		{"running the right image", ptr(running(good)), good, Pass, "my-app runs cloudcorp/my-app:v1.2.0 (9a2e00000000)"},
		{"the learner's build FROM academy's image, labels inherited", ptr(running(child)), child, Pass, "my-app runs cloudcorp/my-app:v1.2.0"},
		{"academy's own image, by its qualified label", ptr(running(academys)), academys, Pass, "my-app runs cloudcorp/my-app:v1.2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compileWith(t, rollbackMission, nil)
			assertNoError(t, err)
			d := &containerDaemon{
				fakeDaemon: &fakeDaemon{images: map[string]dockerstate.Image{"cloudcorp/my-app:v1.2.0": tt.v120}},
				containers: map[string]dockerstate.Container{},
				byID:       map[string]dockerstate.Image{good.ID: good, bad.ID: bad},
			}
			if tt.name == "the right image, retagged away since" {
				d.byID[good.ID] = dockerstate.Image{ID: good.ID} // no name left
			}
			if tt.container != nil {
				d.containers["my-app"] = *tt.container
			}
			res, err := (&Runner{Daemon: d}).Run(context.Background(), p, []string{"rollback"})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != tt.status || !strings.Contains(c.Message, tt.message) {
				t.Errorf("got %s %q, want %s containing %q", c.Status, c.Message, tt.status, tt.message)
			}
			if c.Kind != "container" || c.Subject != "my-app" {
				t.Errorf("kind, subject = %s, %s", c.Kind, c.Subject)
			}
		})
	}
}

func TestContainerAbsentAndExists(t *testing.T) {
	p, err := compileWith(t, rollbackMission, nil)
	assertNoError(t, err)
	old := dockerstate.Container{ID: "0ld", Name: "old-app", Status: "exited"}
	for _, tt := range []struct {
		name       string
		containers map[string]dockerstate.Container
		objective  string
		status     Status
		message    string
	}{
		{"absent, and it is", nil, "gone", Pass, "no container is named old-app"},
		{"absent, but it is there", map[string]dockerstate.Container{"old-app": old}, "gone", Fail, "old-app still exists (exited) — remove it: docker rm -f old-app"},
		{"exists, stopped", map[string]dockerstate.Container{"my-app": {Name: "my-app", Status: "exited"}}, "exists", Pass, "my-app exists (exited)"},
		{"exists, but not", nil, "exists", Fail, "no container is named my-app — start one: docker run -d --name my-app IMAGE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &containerDaemon{fakeDaemon: &fakeDaemon{}, containers: tt.containers}
			res, err := (&Runner{Daemon: d}).Run(context.Background(), p, []string{tt.objective})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != tt.status || !strings.Contains(c.Message, tt.message) {
				t.Errorf("got %s %q, want %s containing %q", c.Status, c.Message, tt.status, tt.message)
			}
		})
	}
}

func TestContainerRules(t *testing.T) {
	for _, tt := range []struct{ fields, want string }{
		{`{name: my-app, absent: true, running: true}`, "absent: a container that must not exist can have nothing else checked"},
		{`{name: my-app, absent: true, maxRestarts: 0}`, "absent: a container that must not exist"},
		{`{name: my-app, maxRestarts: -1}`, "maxRestarts must be 0 or more"},
		{`{name: "my app"}`, "not a valid container name"},
		{`{running: true}`, "a container check needs name"},
	} {
		doc := strings.Replace(greetingMission, `greeting-test: {image: "{{.img}}", file: "{{.file}}", words: "{{.words}} world"}`, "container: "+tt.fields, 1)
		_, err := compileWith(t, doc, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.fields, err, tt.want)
		}
	}
}

// A daemon that cannot inspect containers is a programming error, shown as
// a check in error, not a learner's failure.
func TestContainerWithoutReader(t *testing.T) {
	p, err := compileWith(t, rollbackMission, nil)
	assertNoError(t, err)
	res, err := (&Runner{Daemon: &fakeDaemon{}}).Run(context.Background(), p, []string{"exists"})
	assertNoError(t, err)
	if c := res.Objectives[0].Checks[0]; c.Status != Error {
		t.Errorf("got %s %q, want error", c.Status, c.Message)
	}
}

func ptr[T any](v T) *T { return &v }

// An image the lab's set-up makes, missing: the learner is pointed at the
// set-up, not told to build it.
func TestContainerImageSetupMakes(t *testing.T) {
	m, err := mission.NewCatalog(missions.FS).Find("zone7-rollback")
	assertNoError(t, err)
	m, err = m.Expand(nil)
	assertNoError(t, err)
	p, err := Compile(m)
	assertNoError(t, err)
	d := &containerDaemon{fakeDaemon: &fakeDaemon{}, containers: map[string]dockerstate.Container{
		"my-app": {ID: "c0ffee", Name: "my-app", ImageID: id("4f1c"), Running: true, Status: "running"}}}
	res, err := (&Runner{Daemon: d}).Run(context.Background(), p, []string{"rollback"})
	assertNoError(t, err)
	want := "cloudcorp/my-app:v1.2.0 does not exist, so my-app cannot run it — the lab's set-up makes it: academy setup zone7-rollback"
	if c := res.Objectives[0].Checks[0]; c.Message != want {
		t.Errorf("message %q, want %q", c.Message, want)
	}
}

// runFlags are repeated in the docker run a failure suggests; anything
// but flags and plain values is refused when the mission is compiled.
func TestContainerRunFlags(t *testing.T) {
	doc := strings.Replace(rollbackMission, "maxRestarts: 0}", "maxRestarts: 0, runFlags: --network none}", 1)
	p, err := compileWith(t, doc, nil)
	assertNoError(t, err)
	d := &containerDaemon{fakeDaemon: &fakeDaemon{images: map[string]dockerstate.Image{"cloudcorp/my-app:v1.2.0": image("9a2e", "cloudcorp/my-app:v1.2.0")}}}
	res, err := (&Runner{Daemon: d}).Run(context.Background(), p, []string{"rollback"})
	assertNoError(t, err)
	if msg := res.Objectives[0].Checks[0].Message; !strings.Contains(msg, "docker run -d --name my-app --network none cloudcorp/my-app:v1.2.0") {
		t.Errorf("message %q does not repeat the run flags", msg)
	}
	for _, bad := range []string{"--network none; rm -rf ~", "--name `id`", "$(reboot)", "--env A=$HOME"} {
		if _, err := compileWith(t, strings.Replace(rollbackMission, "maxRestarts: 0}", "maxRestarts: 0, runFlags: '"+bad+"'}", 1), nil); err == nil || !strings.Contains(err.Error(), "runFlags must be docker run flags") {
			t.Errorf("runFlags %q: err = %v", bad, err)
		}
	}
	// Flags that hand the container the host are refused, however written.
	for _, bad := range []string{"--privileged", "--network none --pid host", "-v /:/host", "--cap-add SYS_ADMIN", "--entrypoint=/bin/sh", "--network host", "--network=container:web", "--device /dev/sda"} {
		if _, err := compileWith(t, strings.Replace(rollbackMission, "maxRestarts: 0}", "maxRestarts: 0, runFlags: '"+bad+"'}", 1), nil); err == nil || !strings.Contains(err.Error(), "runFlags: ") {
			t.Errorf("runFlags %q: err = %v, want a refusal", bad, err)
		}
	}
	for _, good := range []string{"--network none", "-p 8080:80 --restart unless-stopped", "--env MODE=prod --read-only"} {
		if _, err := compileWith(t, strings.Replace(rollbackMission, "maxRestarts: 0}", "maxRestarts: 0, runFlags: '"+good+"'}", 1), nil); err != nil {
			t.Errorf("runFlags %q: %v", good, err)
		}
	}
}
