package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cli"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
	"github.com/academy-dev/academy/pkg/report"
)

// The goldens of testdata/runs come from real runs of `academy check zone7`
// (in-process, through cli.Run): on the real daemon in a lab of testlab,
// and on the fake engine only for what the real daemon cannot be made to do
// (break in the middle of a run). Every format of a run comes from the same
// run, named zone7.STATE.exitCODE.FORMAT: each format to a file, and text to
// a terminal (colour, 72 columns) too. What changes from run to run —
// names under the lab's random prefix, image IDs, digests, ports, folders,
// durations, the daemon's versions — is replaced by a stable mark.

// formats are the files each run writes; text-color-w72 is its stdout.
var formats = []string{"text", "json", "junit", "tap", "github", "gradescope", "classroom"}

const termWidth = 72

type run struct {
	state string
	args  []string
	open  func(dockerstate.Options) (*dockerstate.Daemon, error)
	norm  *normalizer
}

// do runs the check and compares every report with its golden.
func (r run) do(t *testing.T, wantCode int) {
	t.Helper()
	out := t.TempDir()
	summary := filepath.Join(out, "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	args := append([]string{"check", "zone7", "-o", "text"}, r.args...)
	for _, f := range formats {
		args = append(args, "-o", f+"="+filepath.Join(out, f))
	}
	var stdout, stderr bytes.Buffer
	open := r.open
	if open == nil {
		open = dockerstate.Open
	}
	f := &cmdutil.Factory{
		IOStreams: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr,
			OutTTY: true, TerminalWidth: termWidth},
		OpenDaemon: open,
	}
	code := cli.Run(context.Background(), f, args)
	if code != wantCode {
		t.Fatalf("exit %d, want %d; stderr %q\n%s", code, wantCode, stderr.String(), stdout.String())
	}
	name := fmt.Sprintf("runs/zone7.%s.exit%d.", r.state, code)
	var normalized []byte
	for _, format := range append(formats, "step-summary.md") {
		data, err := os.ReadFile(filepath.Join(out, format))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		data = r.norm.apply(data)
		report.Golden(t, name+strings.TrimSuffix(format, ".md"), data)
		if format == "json" {
			normalized = data
		}
	}

	// The terminal's text: colour, and every line within the width.
	if code != 3 || r.state == "daemon-error-mid-run" {
		got := stdout.String()
		if !strings.Contains(got, "\x1b[") {
			t.Errorf("no colour on a terminal:\n%s", got)
		}
		for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
			// A whole command, digest or path overflows rather than breaks.
			if w := uniseg.StringWidth(ansi.ReplaceAllString(l, "")); w > termWidth && !report.Unbreakable(ansi.ReplaceAllString(l, "")) {
				t.Errorf("a line of %d columns on a terminal of %d: %q", w, termWidth, l)
			}
		}
		// Wrapping depends on the length of what the golden normalizes,
		// so its golden is the run's normalized result, rendered again.
		var rep report.JSONReport
		if err := json.Unmarshal(normalized, &rep); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		text, _ := report.Lookup("text")
		if err := text.Render(&b, fromJSON(rep), report.Options{Color: true, Width: termWidth}); err != nil {
			t.Fatal(err)
		}
		report.Golden(t, name+"text-color-w72", b.Bytes())
	} else if stdout.Len() != 0 {
		t.Errorf("the daemon could not be reached, yet the terminal got a report:\n%s", stdout.String())
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// fromJSON reads a json report back into the result it was made from.
func fromJSON(rep report.JSONReport) *check.Result {
	r := &check.Result{
		MissionID: rep.Mission.ID, MissionTitle: rep.Mission.Title,
		Endpoint: dockerstate.Endpoint{Host: rep.Endpoint.Host, APIVersion: rep.Endpoint.APIVersion,
			ServerVersion: rep.Endpoint.ServerVersion, ImageStore: rep.Endpoint.ImageStore},
		Duration: time.Duration(rep.DurationMs) * time.Millisecond,
	}
	for _, o := range rep.Objectives {
		or := check.ObjectiveResult{ID: o.ID, Title: o.Title, Status: check.Status(o.Status), Points: o.Points, Earned: o.Earned}
		for _, c := range o.Checks {
			or.Checks = append(or.Checks, check.Outcome{Kind: c.Kind, Subject: c.Subject, Status: check.Status(c.Status),
				Message: c.Message, Expected: c.Expected, Actual: c.Actual})
		}
		r.Objectives = append(r.Objectives, or)
	}
	return r
}

// normalizer replaces what differs between runs by stable marks.
type normalizer struct {
	literal [][2]string // exact strings, longest first
}

// add replaces s by mark. An image ID or digest (sha256:HEX) is named
// sha256:MARK whole, MARK as bare hex, and MARK-12 in its short form.
func (n *normalizer) add(s, mark string) {
	hex, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hex) != 64 {
		n.literal = append(n.literal, [2]string{s, mark})
		return
	}
	n.literal = append(n.literal, [2]string{s, "sha256:" + mark}, [2]string{hex, mark}, [2]string{hex[:12], mark + "-12"})
}

var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1(:|%3A)[0-9]+`), "127.0.0.1${1}PORT"},
	{regexp.MustCompile(`checked in [0-9.]+[µnm]?s`), "checked in DURATION"},
	{regexp.MustCompile(`"durationMs":[0-9]+`), `"durationMs":0`},
	{regexp.MustCompile(`time="[0-9.]+"`), `time="0.000"`},
	{regexp.MustCompile(`"execution_time":[0-9]+`), `"execution_time":0`},
	// The daemon's own versions: the goldens hold on any engine.
	{regexp.MustCompile(`Docker [0-9][0-9A-Za-z.+~-]*`), "Docker VERSION"},
	{regexp.MustCompile(`API 1\.[0-9]+`), "API 1.NN"},
	{regexp.MustCompile(`("apiVersion":|name="apiVersion" value=)"1\.[0-9]+"`), `$1"1.NN"`},
	{regexp.MustCompile(`("serverVersion":|name="serverVersion" value=)"[^"]+"`), `$1"VERSION"`},
	// Any digest not named by the test.
	{regexp.MustCompile(`sha256:[0-9a-f]{64}`), "sha256:DIGEST"},
}

func (n *normalizer) apply(b []byte) []byte {
	s := string(b)
	sort.SliceStable(n.literal, func(i, j int) bool { return len(n.literal[i][0]) > len(n.literal[j][0]) })
	for _, l := range n.literal {
		s = strings.ReplaceAll(s, l[0], l[1])
	}
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return []byte(s)
}

// lab is zone7's lab on the real daemon, under the lab's own names.
type lab struct {
	*testlab.Lab
	dir, image, repo, other string
	nginx, repoDigest       string
	norm                    *normalizer
}

func newLab(t *testing.T) *lab {
	l := &lab{Lab: testlab.New(t), dir: t.TempDir(), norm: &normalizer{}}
	l.image, l.repo, l.other = l.Name("my-app:v1"), l.Name("cloudcorp/my-app"), l.Name("other:v1")
	l.norm.add(l.Build(l.image, "my-app v1 "+l.Prefix), "MY-APP-V1")
	l.norm.add(l.Build(l.other, "another image "+l.Prefix), "OTHER-V1")
	l.nginx, l.repoDigest = l.Pulled("nginx", "nginx "+l.Prefix)
	name, dgst, _ := strings.Cut(l.repoDigest, "@")
	l.norm.add(dgst, "NGINX-DIGEST")
	l.norm.add(l.ID(l.nginx), "NGINX-ID")
	l.norm.add(name, "REGISTRY/PREFIX/nginx")
	l.norm.add(l.Prefix, "PREFIX")
	l.norm.add(l.dir, "DIR")
	l.norm.endpoint(t)
	return l
}

// endpoint marks what names the engine under test, so one golden serves
// every engine the suites run on (the default daemon, Docker 29 with either
// image store, Podman): where it is and why, which engine and which store.
// How each engine is named is TestZone7Endpoint's to prove.
func (n *normalizer) endpoint(t *testing.T) {
	t.Helper()
	d, err := dockerstate.Open(dockerstate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ImageStore(context.Background()); err != nil {
		t.Fatal(err)
	}
	e, err := d.Endpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	engine := map[string]string{dockerstate.EngineDocker: "Docker", dockerstate.EnginePodman: "Podman", "": "Docker"}[e.Engine]
	n.add(e.Host+" ("+e.Source+")", "ENDPOINT (SOURCE)")
	n.add(`"host":"`+e.Host+`"`, `"host":"ENDPOINT"`)
	n.add(`"source":"`+e.Source+`"`, `"source":"SOURCE"`)
	n.add(`"engine":"`+e.Engine+`"`, `"engine":"ENGINE"`)
	n.add(`"imageStore":"`+e.ImageStore+`"`, `"imageStore":"STORE"`)
	n.add(`name="imageStore" value="`+e.ImageStore+`"`, `name="imageStore" value="STORE"`)
	n.add(e.ImageStore+" image store", "STORE image store")
	n.add(engine+" "+e.ServerVersion, "ENGINE VERSION")
	n.add(e.Host, "ENDPOINT")
}

func (l *lab) args(answer string) []string {
	a := []string{"-C", l.dir, "--var", "image=" + l.image, "--var", "repo=" + l.repo, "--var", "digestImage=" + l.nginx}
	if answer != "" {
		a = append(a, "--answer", "digest="+answer)
	}
	return a
}

func (l *lab) done() {
	l.Tag(l.image, l.repo+":latest")
	l.Tag(l.image, l.repo+":1.0.0")
	l.Save(filepath.Join(l.dir, "my-app.tar"), l.image)
}

func TestRealRunGoldens(t *testing.T) {
	t.Run("all-passing", func(t *testing.T) {
		l := newLab(t)
		l.done()
		run{state: "all-passing", args: l.args(l.repoDigest), norm: l.norm}.do(t, 0)
	})
	t.Run("nothing-done", func(t *testing.T) {
		l := newLab(t)
		run{state: "nothing-done", args: l.args(""), norm: l.norm}.do(t, 1)
	})
	t.Run("tag-on-another-image", func(t *testing.T) {
		l := newLab(t)
		l.done()
		l.Tag(l.other, l.repo+":1.0.0")
		run{state: "tag-on-another-image", args: l.args(l.repoDigest), norm: l.norm}.do(t, 1)
	})
	t.Run("wrong-answer", func(t *testing.T) {
		l := newLab(t)
		l.done()
		name, _, _ := strings.Cut(l.repoDigest, "@")
		run{state: "wrong-answer", args: l.args(name + "@sha256:" + strings.Repeat("0", 64)), norm: l.norm}.do(t, 1)
	})
	t.Run("unreachable-daemon", func(t *testing.T) {
		dir := t.TempDir()
		norm := &normalizer{}
		norm.add(dir, "DIR")
		args := []string{"-H", "unix://" + filepath.Join(dir, "docker.sock"), "--answer", "digest=nginx@sha256:" + strings.Repeat("0", 64)}
		run{state: "unreachable-daemon", args: args, norm: norm}.do(t, 3)
	})
	t.Run("daemon-error-mid-run", func(t *testing.T) {
		// The daemon answers, then its image store fails: a state
		// the local daemon cannot be put in, so the fake engine, in the
		// shapes Docker 20.10 answers with.
		e := fakeengine.Start(t, fakeengine.Docker2010)
		app := fakeengine.JSON([]byte(`{"Id":"sha256:9a2e6c6e2b0fd1d3e4c5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f9012345",
"RepoTags":["cloudcorp/my-app:1.0.0","cloudcorp/my-app:latest","my-app:v1"],"RepoDigests":[],"Os":"linux","Architecture":"amd64","Config":{}}`))
		broken := fakeengine.Error(http.StatusInternalServerError,
			"open /var/lib/docker/image/overlay2/imagedb/content/sha256/9a2e6c6e2b0fd1d3e4c5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f9012345: input/output error")
		e.Register("GET", "/images/my-app:v1/json", app)
		e.Register("GET", "/images/cloudcorp/my-app:latest/json", app)
		e.Register("GET", "/images/cloudcorp/my-app:1.0.0/json", broken)
		e.Register("GET", "/images/nginx/json", broken)
		dir := t.TempDir()
		norm := &normalizer{}
		norm.add(dir, "DIR")
		open := func(o dockerstate.Options) (*dockerstate.Daemon, error) {
			o.Host, o.HTTPClient = e.Host(), e.Client()
			return dockerstate.Open(o)
		}
		args := []string{"-C", dir, "--answer", "digest=nginx@sha256:" + strings.Repeat("0", 64)}
		run{state: "daemon-error-mid-run", args: args, open: open, norm: norm}.do(t, 3)
	})
}
