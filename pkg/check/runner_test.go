package check

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func zone7(t *testing.T) *Plan {
	t.Helper()
	return plan(t, nil)
}

// plan compiles zone7 with variables overridden.
func plan(t *testing.T, vars map[string]string) *Plan {
	t.Helper()
	m, err := mission.NewCatalog(missions.FS).Find("zone7")
	assertNoError(t, err)
	m, err = m.Expand(vars)
	assertNoError(t, err)
	p, err := Compile(m)
	assertNoError(t, err)
	return p
}

const nginxDigest = "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

func TestMultiTag(t *testing.T) {
	app := image("9a2e", "my-app:v1")
	other := image("4f1c", "cloudcorp/my-app:latest")
	tests := []struct {
		name    string
		images  map[string]dockerstate.Image
		status  Status
		message []string // substrings of the check messages, in order
	}{
		{"no tags", map[string]dockerstate.Image{"my-app:v1": app}, Fail,
			[]string{"cloudcorp/my-app:latest does not exist — create it: docker tag my-app:v1 cloudcorp/my-app:latest",
				"cloudcorp/my-app:1.0.0 does not exist"}},
		{"one of two tags", map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:latest": app}, Fail,
			[]string{"cloudcorp/my-app:latest points at my-app:v1", "cloudcorp/my-app:1.0.0 does not exist"}},
		{"tag on another image", map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:latest": other, "cloudcorp/my-app:1.0.0": app}, Fail,
			[]string{"cloudcorp/my-app:latest points at 4f1c00000000 (an image with no other name), not at my-app:v1 (9a2e00000000) — retag it: docker tag my-app:v1 cloudcorp/my-app:latest",
				"points at my-app:v1"}},
		{"both tags", map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:latest": app, "cloudcorp/my-app:1.0.0": app}, Pass,
			[]string{"points at my-app:v1 (9a2e00000000)", "points at my-app:v1"}},
		{"no source image: set-up makes it", map[string]dockerstate.Image{"cloudcorp/my-app:latest": app}, Fail,
			[]string{"my-app:v1 does not exist, so cloudcorp/my-app:latest cannot point at it — the lab's set-up makes it: academy setup zone7 --var image=my-app:v1", "my-app:v1 does not exist"}},
		{"tag on an image with a typo name and another", map[string]dockerstate.Image{"my-app:v1": app,
			"cloudcorp/my-app:latest": image("4f1c", "my-ap:latest", "nginx:latest"), "cloudcorp/my-app:1.0.0": app}, Fail,
			[]string{"cloudcorp/my-app:latest points at 4f1c00000000 (that is nginx:latest, also my-ap:latest), not at my-app:v1", "points at my-app:v1"}},
		{"found by ID prefix only", map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:latest": image("9a2e", "my-app:v1"), "cloudcorp/my-app:1.0.0": app}, Fail,
			[]string{"cloudcorp/my-app:latest does not exist", "points at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// the daemon reports every tag an image carries
			for ref, img := range tt.images {
				prefixOnly := tt.name == "found by ID prefix only" && ref == "cloudcorp/my-app:latest"
				if !hasName(img.RepoTags, ref) && !prefixOnly {
					img.RepoTags = append(img.RepoTags, ref)
					tt.images[ref] = img
				}
			}
			r := &Runner{Daemon: &fakeDaemon{images: tt.images}, Setup: "academy setup zone7 --var image=my-app:v1"}
			res, err := r.Run(context.Background(), zone7(t), []string{"multi-tag"})
			assertNoError(t, err)
			o := res.Objectives[0]
			if o.Status != tt.status {
				t.Errorf("status = %s, want %s: %+v", o.Status, tt.status, o.Checks)
			}
			for i, want := range tt.message {
				if !strings.Contains(o.Checks[i].Message, want) {
					t.Errorf("check %d message = %q, want it to contain %q", i, o.Checks[i].Message, want)
				}
			}
			if want := map[Status]int{Pass: 1, Fail: 0}[tt.status]; o.Earned != want {
				t.Errorf("earned = %d, want %d", o.Earned, want)
			}
		})
	}
}

func TestDigestAnswer(t *testing.T) {
	nginx := dockerstate.Image{ID: id("5e1f"), RepoTags: []string{"nginx:latest"},
		RepoDigests: []string{"nginx@" + nginxDigest}}
	tests := []struct {
		name, answer string
		given        bool
		status       Status
		message      string
	}{
		{"as docker inspect prints it", "nginx@" + nginxDigest, true, Pass, "your answer is a RepoDigest of nginx"},
		{"fully qualified", "docker.io/library/nginx@" + nginxDigest, true, Pass, ""},
		{"quoted, with blanks", "  'nginx@" + nginxDigest + "'\n", true, Pass, ""},
		{"bare digest", nginxDigest, true, Pass, ""},
		{"bare hex", strings.TrimPrefix(nginxDigest, "sha256:"), true, Pass, ""},
		{"wrong digest", "nginx@sha256:" + strings.Repeat("1", 64), true, Fail, "is not one of nginx's RepoDigests"},
		{"the image ID", id("5e1f"), true, Fail, "is the image ID of nginx, not a digest from a registry"},
		{"a tag", "nginx:latest", true, Fail, "names no digest"},
		{"right digest, wrong repository", "redis@" + nginxDigest, true, Fail, "the digest is right but redis is not the repository"},
		{"not a reference", "Hello World", true, Fail, "is not a digest reference"},
		{"cut when copied", "nginx@" + nginxDigest[:40], true, Fail, "nginx@" + nginxDigest[:40] + ": part of it is missing — was it cut when copied? A digest is sha256: and 64 hex digits, and this one has 33"},
		{"bare, cut when copied", nginxDigest[:20], true, Fail, "part of it is missing — was it cut when copied?"},
		{"no answer", "", false, Fail, "no answer given — find it with docker inspect --format='{{index .RepoDigests 0}}' nginx, then pass it as --answer digest=VALUE"},
		{"in capitals", "nginx@sha256:" + strings.ToUpper(strings.TrimPrefix(nginxDigest, "sha256:")), true, Fail, "a digest is written in lowercase, as docker inspect prints it"},
		{"a short image ID, as docker images shows it", "5e1f00000000", true, Fail, "5e1f00000000 looks like a short image ID, as docker images shows it; the digest is the registry's, in RepoDigests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := map[string]string{}
			if tt.given {
				answers["digest"] = tt.answer
			}
			r := &Runner{Daemon: &fakeDaemon{images: map[string]dockerstate.Image{"nginx": nginx}}, Answers: answers}
			res, err := r.Run(context.Background(), zone7(t), []string{"digest"})
			assertNoError(t, err)
			o := res.Objectives[0]
			if o.Checks[0].Status != Pass {
				t.Fatalf("the image check failed: %+v", o.Checks[0])
			}
			ans := o.Checks[1]
			if ans.Status != tt.status || !strings.Contains(ans.Message, tt.message) {
				t.Errorf("answer check = %s %q, want %s containing %q", ans.Status, ans.Message, tt.status, tt.message)
			}
			// The right digest is the secret the learner must find:
			// no field of any outcome may carry it.
			for _, c := range o.Checks {
				for _, field := range []string{c.Message, c.Expected, c.Command} {
					if strings.Contains(field, strings.TrimPrefix(nginxDigest, "sha256:")) {
						t.Errorf("%s check leaks the digest: %q", c.Kind, field)
					}
				}
				if c.Actual != "" && c.Actual != cleanAnswer(tt.answer) {
					t.Errorf("%s check actual = %q, want the learner's own answer or nothing", c.Kind, c.Actual)
				}
			}
		})
	}
}

func TestDigestImageState(t *testing.T) {
	tests := []struct {
		name    string
		images  map[string]dockerstate.Image
		message string
	}{
		{"not pulled", nil, "nginx is not on this daemon — pull it from a registry: docker pull nginx"},
		{"built locally", map[string]dockerstate.Image{"nginx": {ID: id("77"), RepoTags: []string{"nginx:latest"}}},
			"nginx (770000000000) has no RepoDigest: it was built, tagged or loaded here, not pulled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runner{Daemon: &fakeDaemon{images: tt.images}, Answers: map[string]string{"digest": "nginx@" + nginxDigest}}
			res, err := r.Run(context.Background(), zone7(t), []string{"digest"})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != Fail || !strings.Contains(c.Message, tt.message) {
				t.Errorf("image check = %s %q, want fail containing %q", c.Status, c.Message, tt.message)
			}
		})
	}
}

func TestDaemonFailureMidRunIsAnError(t *testing.T) {
	boom := &dockerstate.RequestError{Host: "unix:///fake.sock", Err: errors.New("500 Internal Server Error")}
	app := image("9a2e", "my-app:v1", "cloudcorp/my-app:latest", "cloudcorp/my-app:1.0.0")
	r := &Runner{Daemon: &fakeDaemon{
		images: map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:1.0.0": app},
		errs:   map[string]error{"cloudcorp/my-app:latest": boom},
	}}
	res, err := r.Run(context.Background(), zone7(t), []string{"multi-tag"})
	assertNoError(t, err)
	if got := res.Objectives[0].Checks[0].Status; got != Error {
		t.Errorf("check status = %s, want error", got)
	}
	if res.Status() != Error || res.Passed() {
		t.Errorf("result status = %s, passed = %v; want error, false", res.Status(), res.Passed())
	}
}

func TestUnreachableDaemon(t *testing.T) {
	down := &dockerstate.RequestError{Host: "unix:///fake.sock", Err: errors.New("cannot connect")}
	r := &Runner{Daemon: &fakeDaemon{endpointErr: down}}
	_, err := r.Run(context.Background(), zone7(t), nil)
	var de *DaemonError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DaemonError", err)
	}
}

func TestUnknownObjective(t *testing.T) {
	r := &Runner{Daemon: &fakeDaemon{}}
	_, err := r.Run(context.Background(), zone7(t), []string{"multi-tag", "nope"})
	var ue *UnknownObjectiveError
	if !errors.As(err, &ue) || ue.ID != "nope" {
		t.Fatalf("err = %v, want an UnknownObjectiveError for nope", err)
	}
}

func TestEachImageIsAskedOnce(t *testing.T) {
	app := image("9a2e", "my-app:v1", "cloudcorp/my-app:latest", "cloudcorp/my-app:1.0.0")
	d := &fakeDaemon{images: map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:latest": app, "cloudcorp/my-app:1.0.0": app}}
	r := &Runner{Daemon: d, Dir: t.TempDir()}
	res, err := r.Run(context.Background(), zone7(t), nil)
	assertNoError(t, err)
	for ref, n := range d.calls {
		if n != 1 {
			t.Errorf("%s was looked up %d times, want once", ref, n)
		}
	}
	if earned, possible := res.Score(); earned != 1 || possible != 3 {
		t.Errorf("score = %d/%d, want 1/3 (only multi-tag holds)", earned, possible)
	}
}

// An objective named twice is checked, and scored, once.
func TestObjectiveNamedTwiceCountsOnce(t *testing.T) {
	app := image("9a2e", "my-app:v1", "cloudcorp/my-app:latest", "cloudcorp/my-app:1.0.0")
	d := &fakeDaemon{images: map[string]dockerstate.Image{"my-app:v1": app, "cloudcorp/my-app:latest": app, "cloudcorp/my-app:1.0.0": app}}
	res, err := (&Runner{Daemon: d, Dir: t.TempDir()}).Run(context.Background(), zone7(t), []string{"multi-tag", "multi-tag", "export", "multi-tag"})
	assertNoError(t, err)
	if earned, possible := res.Score(); len(res.Objectives) != 2 || earned != 1 || possible != 2 {
		t.Errorf("%d objectives, score %d/%d; want 2 objectives, 1/2", len(res.Objectives), earned, possible)
	}
}

// Each check's command shows exactly the facts it compares: both images'
// IDs for a tag, the RepoDigests for a digest and its answer, the archive's
// image and the daemon's for an export.
func TestExplainShowsTheFactsCompared(t *testing.T) {
	r := &Runner{Daemon: &fakeDaemon{}, Dir: t.TempDir()}
	res, err := r.Run(context.Background(), zone7(t), nil)
	assertNoError(t, err)
	want := map[string][]string{
		"multi-tag": {"docker image inspect --format '{{.Id}}' cloudcorp/my-app:latest; docker image inspect --format '{{.Id}}' my-app:v1",
			"docker image inspect --format '{{.Id}}' cloudcorp/my-app:1.0.0; docker image inspect --format '{{.Id}}' my-app:v1"},
		"digest": {"docker image inspect --format '{{json .RepoDigests}}' nginx", "docker image inspect --format '{{json .RepoDigests}}' nginx"},
		"export": {"tar -xOf my-app.tar manifest.json; docker image inspect --format '{{.Id}}' my-app:v1"},
	}
	for _, o := range res.Objectives {
		for i, c := range o.Checks {
			if c.Command != want[o.ID][i] {
				t.Errorf("%s check %d: command %q, want %q", o.ID, i, c.Command, want[o.ID][i])
			}
		}
	}
}

// An answer that cannot be a digest is told so even before the image is
// there; with no answer, an image without a RepoDigest is said to need a
// pull, never sent to a command that fails on it.
func TestDigestAnswerWithoutTheDigest(t *testing.T) {
	local := dockerstate.Image{ID: id("5e1f"), RepoTags: []string{"nginx:latest"}}
	for _, tt := range []struct {
		name   string
		images map[string]dockerstate.Image
		answer *string
		want   string
	}{
		{"a short image ID, no image", nil, ptr("5e1f00000000"), "looks like a short image ID"},
		{"a cut digest, no image", nil, ptr("sha256:5e1f"), "part of it is missing"},
		{"no answer, an image never pulled", map[string]dockerstate.Image{"nginx": local}, nil,
			"no answer given — nginx has no RepoDigest yet: it was built, loaded or tagged here, and only a pull from a registry gives one (docker pull nginx)"},
	} {
		answers := map[string]string{}
		if tt.answer != nil {
			answers["digest"] = *tt.answer
		}
		res, err := (&Runner{Daemon: &fakeDaemon{images: tt.images}, Answers: answers}).Run(context.Background(), zone7(t), []string{"digest"})
		assertNoError(t, err)
		if c := res.Objectives[0].Checks[1]; c.Status != Fail || !strings.Contains(c.Message, tt.want) {
			t.Errorf("%s: %s %q, want a fail containing %q", tt.name, c.Status, c.Message, tt.want)
		}
	}
}
