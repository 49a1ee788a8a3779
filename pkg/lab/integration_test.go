package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// realLab is a test's corner of the real daemon, with academy's own
// client on it.
type realLab struct {
	*testlab.Lab
	d *dockerstate.Daemon
	w *dockerstate.Writer
}

func newRealLab(t *testing.T) *realLab {
	t.Helper()
	l := testlab.New(t)
	l.SweepLater()
	d, err := dockerstate.Open(dockerstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return &realLab{Lab: l, d: d, w: dockerstate.NewWriter(d)}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// planFor compiles a shipped mission with variables overridden.
func planFor(t *testing.T, id string, vars map[string]string) *check.Plan {
	t.Helper()
	m, err := mission.NewCatalog(missions.FS).Find(id)
	if err != nil {
		t.Fatal(err)
	}
	m, err = m.Expand(vars)
	if err != nil {
		t.Fatal(err)
	}
	p, err := check.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Set-up loads academy's image under the mission's name; a second run
// changes nothing; a name that holds another image is refused, and with
// Force replaced while the other image keeps its other names.
func TestSetupOnTheDaemon(t *testing.T) {
	l := newRealLab(t)
	app := l.Name("my-app:v1")
	p := planFor(t, "zone7", map[string]string{"image": app, "repo": l.Name("cloudcorp/my-app")})

	res, err := Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Action != Loaded {
		t.Fatalf("first set-up: %+v", res.Images)
	}
	id := res.Images[0].ID
	if got := l.ID(app); got != id {
		t.Fatalf("the daemon has %s as %s, set-up said %s", app, got, id)
	}
	before := l.names(t)

	again, err := Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Images[0].Action != Unchanged || again.Images[0].ID != id {
		t.Errorf("second set-up: %+v, want unchanged %s", again.Images[0], id)
	}
	if after := l.names(t); after != before {
		t.Errorf("a second set-up changed the lab:\nbefore %s\nafter  %s", before, after)
	}

	// Another image under the name: refused, nothing changed.
	other := l.Build(l.Name("other:v1"), "the learner's own image")
	l.Tag(l.Name("other:v1"), app)
	_, err = Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(conflict.Conflicts) != 1 || conflict.Conflicts[0].ID != other {
		t.Fatalf("set-up over another image: %v, want a conflict naming %s", err, other)
	}
	if !strings.Contains(err.Error(), "--force") {
		t.Errorf("the refusal does not say how to go on: %v", err)
	}
	if got := l.ID(app); got != other {
		t.Errorf("a refused set-up changed %s to %s", app, got)
	}

	forced, err := Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := forced.Images[0]; f.Action != Replaced || f.Previous != other || f.ID != id {
		t.Errorf("forced set-up: %+v, want %s replaced by %s", f, other, id)
	}
	if got := l.ID(l.Name("other:v1")); got != other {
		t.Errorf("the replaced image lost its other name: %s is %s", l.Name("other:v1"), got)
	}
}

// A builtin image runs on this daemon: its program says which image it is,
// keeps running, and stops at once on docker stop; the container check sees
// it in both states.
func TestBuiltinImageRuns(t *testing.T) {
	l := newRealLab(t)
	good, bad := l.Name("cloudcorp/my-app:v1.2.0"), l.Name("cloudcorp/my-app:v1.3.0")
	p := planFor(t, "zone7-rollback", map[string]string{"repo": l.Name("cloudcorp/my-app"), "container": l.Prefix + "-my-app"})
	if _, err := Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{}); err != nil {
		t.Fatal(err)
	}
	info, err := l.d.Info(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !builtin.Runnable(builtin.ArchOf(info.Architecture)) {
		t.Skipf("this daemon is %s: academy's program is for amd64 and arm64", info.Architecture)
	}
	name := l.Prefix + "-my-app"
	runner := &check.Runner{Daemon: l.d}
	status := func() (check.Status, string) {
		t.Helper()
		res, err := runner.Run(ctx(t), p, []string{"rollback"})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Objectives[0]
		var msgs []string
		for _, c := range o.Checks {
			msgs = append(msgs, c.Message)
		}
		return o.Status, strings.Join(msgs, " | ")
	}
	if s, msg := status(); s != check.Fail || !strings.Contains(msg, "no container is named "+name) {
		t.Errorf("no container: %s %q", s, msg)
	}

	badID := l.Start(name, bad)
	// The bad release says so, as the mission's briefing promises.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(l.Logs(badID), "ERROR 500") {
		if time.Now().After(deadline) {
			t.Fatalf("the bad release said %q, not its error", l.Logs(badID))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s, msg := status(); s != check.Fail || !strings.Contains(msg, "(cloudcorp/my-app:v1.3.0)") && !strings.Contains(msg, bad) {
		t.Errorf("running the newer version: %s %q, want a fail naming it", s, msg)
	}
	l.Stop(name)
	if err := l.w.RemoveContainer(ctx(t), name, true); err != nil {
		t.Fatal(err)
	}

	id := l.Start(name, good)
	deadline = time.Now().Add(30 * time.Second)
	for !strings.Contains(l.Logs(id), good+": running") {
		if time.Now().After(deadline) {
			t.Fatalf("the program said %q, not that it runs", l.Logs(id))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s, msg := status(); s != check.Pass {
		t.Errorf("running the previous version: %s %q, want pass", s, msg)
	}
	l.Stop(name)
	if err := l.w.RemoveContainer(ctx(t), name, true); err != nil {
		t.Fatal(err)
	}

	// The newer release made to look like the previous one — its label
	// rewritten, or a layer added — and named as it: the container runs
	// what the name holds, and the objective still fails.
	original := l.ID(good)
	for i, dockerfile := range []string{
		"FROM " + bad + "\nLABEL " + builtin.LabelBuiltin + "=" + good + "\n",
		"FROM " + bad + "\nCOPY payload /payload\n",
	} {
		forged := l.BuildWith(l.Name(fmt.Sprintf("forged:v%d", i)), dockerfile, "forged")
		l.Tag(forged, good)
		l.Start(name, good)
		if s, msg := status(); s != check.Fail || !strings.Contains(msg, "is no longer the image the lab's set-up made") {
			t.Errorf("a look-alike of %s (%q): %s %q, want a fail", good, dockerfile, s, msg)
		}
		l.Stop(name)
		if err := l.w.RemoveContainer(ctx(t), name, true); err != nil {
			t.Fatal(err)
		}
		l.Tag(original, good)
	}

	l.Start(name, good)
	l.Stop(name)
	c, err := l.d.Container(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if c.Running || c.Status != "exited" {
		t.Errorf("after docker stop: %+v", c)
	}
	if s, msg := status(); s != check.Fail || !strings.Contains(msg, "is exited, not running") {
		t.Errorf("stopped: %s %q", s, msg)
	}
}

// Reset removes exactly what it listed: the objectives' tags (as names:
// the image keeps its other names and its data), their file, and nothing
// else — not another tag of the same image, not another file, not set-up's
// image unless asked (all).
func TestResetRemovesExactlyWhatItListed(t *testing.T) {
	l := newRealLab(t)
	app, repo := l.Name("my-app:v1"), l.Name("cloudcorp/my-app")
	p := planFor(t, "zone7", map[string]string{"image": app, "repo": repo})
	res, err := Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Images[0].ID
	l.Tag(app, repo+":latest")
	l.Tag(app, repo+":1.0.0")
	l.Tag(app, l.Name("keep:v1")) // another tag of the same image
	l.Tag(app, repo+":0.9")       // a tag of the repo the mission does not name
	other := l.Build(l.Name("other:v1"), "another image")
	dir := t.TempDir()
	l.Save(filepath.Join(dir, "my-app.tar"), app)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}

	rp, err := PlanReset(ctx(t), l.d, p, dir, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	listed := itemNames(rp.Items)
	want := []string{"file my-app.tar", "tag " + repo + ":1.0.0", "tag " + repo + ":latest"}
	if strings.Join(listed, ", ") != strings.Join(want, ", ") {
		t.Fatalf("reset lists %v, want %v", listed, want)
	}
	for _, r := range rp.Apply(ctx(t), l.d, l.w) {
		if r.Err != nil {
			t.Errorf("removing %s: %v", r.Name, r.Err)
		}
	}
	for _, gone := range []string{repo + ":latest", repo + ":1.0.0"} {
		if _, err := l.d.Image(ctx(t), gone); !errors.Is(err, dockerstate.ErrNotFound) {
			t.Errorf("%s is still there (%v)", gone, err)
		}
	}
	for ref, wantID := range map[string]string{app: id, l.Name("keep:v1"): id, repo + ":0.9": id, l.Name("other:v1"): other} {
		if got := l.ID(ref); got != wantID {
			t.Errorf("%s is %s after reset, want %s untouched", ref, got, wantID)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "my-app.tar")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("my-app.tar is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("reset touched notes.txt: %v", err)
	}

	// Once more: nothing left to remove.
	if rp, err := PlanReset(ctx(t), l.d, p, dir, nil, false); err != nil || len(rp.Items) != 0 {
		t.Errorf("a second reset lists %v (%v)", itemNames(rp.Items), err)
	}

	// --all: set-up's name goes too, as a name: keep:v1 keeps the image.
	rp, err = PlanReset(ctx(t), l.d, p, dir, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemNames(rp.Items); len(got) != 1 || got[0] != "tag "+app || !rp.Items[0].Setup {
		t.Fatalf("reset --all lists %v, want set-up's %s", got, app)
	}
	for _, r := range rp.Apply(ctx(t), l.d, l.w) {
		if r.Err != nil {
			t.Errorf("removing %s: %v", r.Name, r.Err)
		}
	}
	if _, err := l.d.Image(ctx(t), app); !errors.Is(err, dockerstate.ErrNotFound) {
		t.Errorf("%s is still there after reset --all (%v)", app, err)
	}
	if got := l.ID(l.Name("keep:v1")); got != id {
		t.Errorf("keep:v1 lost the image: %s", got)
	}
}

// Set-up's name is reset (--all) only while it is academy's image: a name
// the learner gave another image is left alone, and said so.
func TestResetAllLeavesAnotherImage(t *testing.T) {
	l := newRealLab(t)
	app := l.Name("my-app:v1")
	p := planFor(t, "zone7", map[string]string{"image": app, "repo": l.Name("cloudcorp/my-app")})
	other := l.Build(app, "the learner's own my-app")
	rp, err := PlanReset(ctx(t), l.d, p, t.TempDir(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Items) != 0 || len(rp.Left) != 1 || rp.Left[0].Name != app {
		t.Fatalf("items %v, left %+v: want %s left alone", itemNames(rp.Items), rp.Left, app)
	}
	if got := l.ID(app); got != other {
		t.Errorf("%s changed", app)
	}
}

func itemNames(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = string(it.Kind) + " " + it.Name
	}
	sort.Strings(out)
	return out
}

// names lists the lab's own image names with their IDs, sorted: two equal
// lists mean the lab did not change (the rest of the daemon is others').
func (l *realLab) names(t *testing.T) string {
	t.Helper()
	imgs, err := l.d.Images(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, i := range imgs {
		for _, n := range i.RepoTags {
			if l.Owns(n) {
				lines = append(lines, n+" "+i.ID)
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// A mission's file name cannot lead reset out of the lab's folder through a
// link: the file behind it is left alone, and said so.
func TestResetFollowsNoLink(t *testing.T) {
	l := newRealLab(t)
	outside := t.TempDir()
	victim := filepath.Join(outside, "my-app.tar")
	if err := os.WriteFile(victim, []byte("not yours"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "direct.tar")); err != nil {
		t.Fatal(err)
	}
	for _, archive := range []string{"sub/my-app.tar", "direct.tar"} {
		p := planFor(t, "zone7", map[string]string{"image": l.Name("my-app:v1"), "repo": l.Name("cloudcorp/my-app"), "archive": archive})
		rp, err := PlanReset(ctx(t), l.d, p, dir, []string{"export"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(rp.Items) != 0 || len(rp.Left) != 1 || !strings.Contains(rp.Left[0].Why, "is a link") {
			t.Errorf("%s: reset lists %v, leaves %+v; want it left alone as a link", archive, itemNames(rp.Items), rp.Left)
		}
		rp.Apply(ctx(t), l.d, l.w)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "not yours" {
		t.Errorf("the file outside the lab's folder was touched: %q, %v", b, err)
	}
}

// A container under the mission's container name is the mission's only
// when it runs one of the mission's images: one of another image is left,
// and said so; academy's, listed.
func TestResetLeavesAnotherContainer(t *testing.T) {
	l := newRealLab(t)
	name := l.Prefix + "-my-app"
	p := planFor(t, "zone7-rollback", map[string]string{"repo": l.Name("cloudcorp/my-app"), "container": name})
	other := l.Build(l.Name("theirs:v1"), "someone's own app")
	if out, err := exec.Command("docker", "create", "--name", name, other, "/payload").CombinedOutput(); err != nil {
		t.Fatalf("docker create: %v\n%s", err, out)
	}
	rp, err := PlanReset(ctx(t), l.d, p, t.TempDir(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Items) != 0 || len(rp.Left) != 1 || rp.Left[0].Name != name || !strings.Contains(rp.Left[0].Why, "not one of this mission's images") {
		t.Fatalf("items %v, left %+v: want %s left alone", itemNames(rp.Items), rp.Left, name)
	}
	if err := l.w.RemoveContainer(ctx(t), name, true); err != nil {
		t.Fatal(err)
	}

	if _, err := Setup(ctx(t), l.d, l.w, p.Mission, SetupOptions{}); err != nil {
		t.Fatal(err)
	}
	// An image built FROM academy's carries its labels, and is the
	// learner's all the same.
	own := l.BuildWith(l.Name("mine:v1"), "FROM "+l.Name("cloudcorp/my-app:v1.2.0")+"\nCOPY payload /note\n", "mine")
	if out, err := exec.Command("docker", "create", "--name", name, own).CombinedOutput(); err != nil {
		t.Fatalf("docker create: %v\n%s", err, out)
	}
	rp, err = PlanReset(ctx(t), l.d, p, t.TempDir(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Items) != 0 || len(rp.Left) != 1 {
		t.Errorf("a container of an image built FROM academy's: items %v, left %+v; want it left alone", itemNames(rp.Items), rp.Left)
	}
	if err := l.w.RemoveContainer(ctx(t), name, true); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("docker", "create", "--name", name, l.Name("cloudcorp/my-app:v1.3.0")).CombinedOutput(); err != nil {
		t.Fatalf("docker create: %v\n%s", err, out)
	}
	rp, err = PlanReset(ctx(t), l.d, p, t.TempDir(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemNames(rp.Items); len(got) != 1 || got[0] != "container "+name {
		t.Errorf("a container of academy's image: items %v, left %+v; want it listed", got, rp.Left)
	}
}
