package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/golden"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

const (
	v1ID    = "sha256:9a2e6f7c1b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7"
	otherID = "sha256:4f1c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"
	nginxRD = "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"
)

var socket = dockerstate.Endpoint{
	Host: "unix:///var/run/docker.sock", APIVersion: "1.41",
	ServerVersion: "20.10.24", ImageStore: dockerstate.StoreGraphdriver,
}

// fixtures are the results every format is rendered from, by name.
func fixtures() map[string]*check.Result {
	return map[string]*check.Result{
		"pass": {
			MissionID: "zone7", MissionTitle: "Zone 7: Global Distribution — The Release Manager",
			Endpoint: socket, Duration: 9 * time.Millisecond,
			Objectives: []check.ObjectiveResult{
				{ID: "multi-tag", Title: "Tag your image with both latest and 1.0.0", Status: check.Pass, Points: 1, Earned: 1,
					Checks: []check.Outcome{
						{Kind: "image", Subject: "cloudcorp/my-app:latest", Status: check.Pass, Message: "cloudcorp/my-app:latest is my-app:v1 (9a2e6f7c1b3d)", Expected: v1ID, Actual: v1ID},
						{Kind: "image", Subject: "cloudcorp/my-app:1.0.0", Status: check.Pass, Message: "cloudcorp/my-app:1.0.0 is my-app:v1 (9a2e6f7c1b3d)", Expected: v1ID, Actual: v1ID},
					}},
				{ID: "digest", Title: "Read the digest of nginx", Status: check.Pass, Points: 1, Earned: 1,
					Checks: []check.Outcome{
						{Kind: "answer", Subject: "digest", Status: check.Pass, Message: "your answer names a RepoDigest of nginx", Expected: nginxRD, Actual: nginxRD},
					}},
				{ID: "export", Title: "Export the image to my-app.tar", Status: check.Pass, Points: 1, Earned: 1,
					Checks: []check.Outcome{
						{Kind: "archive", Subject: "my-app.tar", Status: check.Pass, Message: "my-app.tar is a complete docker save archive of my-app:v1"},
					}},
			},
		},
		"mixed": {
			MissionID: "zone7", MissionTitle: "Zone 7: Global Distribution — The Release Manager",
			Endpoint: dockerstate.Endpoint{Host: "tcp://pc7.lab:2376", APIVersion: "1.52", ServerVersion: "29.1.3", ImageStore: dockerstate.StoreContainerd},
			Duration: 1234567 * time.Microsecond,
			Objectives: []check.ObjectiveResult{
				{ID: "multi-tag", Title: "Tag your image with both latest and 1.0.0", Status: check.Fail, Points: 2, Earned: 1,
					Checks: []check.Outcome{
						{Kind: "image", Subject: "cloudcorp/my-app:latest", Status: check.Fail,
							Message:  "cloudcorp/my-app:latest points at 4f1c2d9e8a7b, not at my-app:v1 (9a2e6f7c1b3d) — retag it: docker tag my-app:v1 cloudcorp/my-app:latest",
							Expected: "9a2e6f7c1b3d", Actual: "4f1c2d9e8a7b"},
						{Kind: "image", Subject: "cloudcorp/my-app:1.0.0", Status: check.Fail,
							Message:  "cloudcorp/my-app:1.0.0 does not exist — docker tag my-app:v1 cloudcorp/my-app:1.0.0",
							Expected: v1ID, Actual: ""},
						{Kind: "image", Subject: "my-app:v1", Status: check.Pass, Message: "my-app:v1 exists", Expected: "", Actual: v1ID},
					}},
				{ID: "digest", Title: "Read the digest of nginx", Status: check.Pass, Points: 1, Earned: 1,
					Checks: []check.Outcome{
						{Kind: "answer", Subject: "digest", Status: check.Pass, Message: "your answer names a RepoDigest of nginx", Expected: nginxRD, Actual: "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"},
					}},
				{ID: "export", Title: "Export the image to my-app.tar", Status: check.Error, Points: 1, Earned: 0,
					Checks: []check.Outcome{
						{Kind: "archive", Subject: "my-app.tar", Status: check.Error,
							Message: "could not read image my-app:v1 from the daemon: connection reset by peer\ncheck that the daemon is still running: docker version"},
					}},
			},
		},
		"escaping": {
			MissionID: "z<&>", MissionTitle: `Ünïcødé <Zone> & "quotes" 'single' — 日本語 🐳`,
			Endpoint: dockerstate.Endpoint{Host: "ssh://me@host:22", APIVersion: "1.41", ServerVersion: "20.10.24", ImageStore: dockerstate.StoreGraphdriver},
			Duration: 1500 * time.Microsecond,
			Objectives: []check.ObjectiveResult{
				{ID: "a&b", Title: `a < b && c > "d" # 100% 'e'`, Status: check.Fail, Points: 1, Earned: 0,
					Checks: []check.Outcome{
						{Kind: "answer", Subject: `<answer id="x">`, Status: check.Fail,
							Message:  "wrong: \"sha256:<nope>\" & more ]]> 50%: see\nline two\twith tab, ctrl\x01char\x1b[31m",
							Expected: `repo@sha256:"q"`, Actual: "café <b>&amp;</b>"},
					}},
				{ID: "ok", Title: "Ωmega\nsecond line ::warning::x", Status: check.Pass, Points: 1, Earned: 1,
					Checks: nil},
			},
		},
		"empty": {
			MissionID: "zone7", MissionTitle: "", Endpoint: dockerstate.Endpoint{}, Duration: 0,
		},
	}
}

// formatsUnderTest are the format files each fixture is rendered to; -color
// is a format with Options.Color, -wN with Options.Width N (a terminal N
// columns wide).
var formatsUnderTest = []string{
	"text", "text-color", "text-w60", "text-color-w100",
	"json", "junit", "tap", "github", "gradescope", "classroom",
}

func rendererFor(t *testing.T, format string) (Renderer, Options) {
	t.Helper()
	var opts Options
	name, w, ok := strings.Cut(format, "-w")
	if ok {
		opts.Width, _ = strconv.Atoi(w)
	}
	name, opts.Color = strings.CutSuffix(name, "-color")
	r, ok := Lookup(name)
	if !ok {
		t.Fatalf("format %q is not registered", name)
	}
	return r, opts
}

// classes are the fixtures rendered as several hosts (RenderMulti).
func classes() map[string][]*check.Result {
	fx := fixtures()
	unreachable := &check.Result{
		MissionID: "zone7", MissionTitle: fx["pass"].MissionTitle,
		Endpoint: dockerstate.Endpoint{Host: "ssh://learner@pc-with-a-rather-long-hostname.workshop.example.org"},
	}
	for _, o := range fx["pass"].Objectives {
		unreachable.Objectives = append(unreachable.Objectives, check.ObjectiveResult{
			ID: o.ID, Title: o.Title, Status: check.Error, Points: o.Points,
			Checks: []check.Outcome{{Kind: "daemon", Subject: "ssh://learner@pc-with-a-rather-long-hostname.workshop.example.org", Status: check.Error,
				Message: "cannot connect to the Docker daemon at ssh://learner@pc-with-a-rather-long-hostname.workshop.example.org: ssh: connect to host pc-with-a-rather-long-hostname.workshop.example.org port 22: Connection refused — is the daemon running?"}},
		})
	}
	return map[string][]*check.Result{
		"multi": {fx["pass"], fx["mixed"]},
		"class": {fx["pass"], fx["mixed"], unreachable, fx["pass"]},
	}
}

func TestGolden(t *testing.T) {
	fx := fixtures()
	for _, format := range formatsUnderTest {
		for name, res := range fx {
			t.Run(name+"."+format, func(t *testing.T) {
				r, opts := rendererFor(t, format)
				var b bytes.Buffer
				if err := r.Render(&b, res, opts); err != nil {
					t.Fatal(err)
				}
				goldenFile(t, name+"."+format, b.Bytes())
			})
		}
		for name, rs := range classes() {
			t.Run(name+"."+format, func(t *testing.T) {
				r, opts := rendererFor(t, format)
				var b bytes.Buffer
				if err := r.RenderMulti(&b, rs, opts); err != nil {
					t.Fatal(err)
				}
				goldenFile(t, name+"."+format, b.Bytes())
			})
		}
	}
}

// goldenFile compares got with testdata/NAME.golden, or writes it with -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, name, filepath.Join("testdata", name+".golden"), got)
}

func TestLookupAndNames(t *testing.T) {
	names := Names()
	if names[0] != Default {
		t.Errorf("Names()[0] = %q, want the default %q", names[0], Default)
	}
	for _, want := range []string{"text", "json", "junit"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v, lacks %q", names, want)
		}
	}
	for _, n := range names {
		if _, ok := Lookup(n); !ok {
			t.Errorf("Lookup(%q) failed for a listed name", n)
		}
	}
	if _, ok := Lookup("yaml"); ok {
		t.Error(`Lookup("yaml") found a format that does not exist`)
	}
}

// TestNoColorIsPlain holds every format to Options.Color=false: no escape
// codes, no symbols of the report's own.
func TestNoColorIsPlain(t *testing.T) {
	fx := fixtures()
	for _, name := range Names() {
		r, _ := Lookup(name)
		for fname, res := range fx {
			var b bytes.Buffer
			if err := r.Render(&b, res, Options{}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if strings.Contains(out, "\x1b[") {
				t.Errorf("%s/%s: escape codes with Color off", name, fname)
			}
			if name == "text" && strings.ContainsAny(out, "✓✗") {
				t.Errorf("%s/%s: symbols with Color off", name, fname)
			}
		}
	}
}

func TestRenderWritesOnce(t *testing.T) {
	for _, name := range Names() {
		r, _ := Lookup(name)
		w := &countingWriter{}
		if err := r.Render(w, fixtures()["mixed"], Options{Color: true}); err != nil {
			t.Fatal(err)
		}
		if w.writes != 1 {
			t.Errorf("%s: Render made %d writes, want 1 (--watch output must not interleave)", name, w.writes)
		}
	}
}

type countingWriter struct{ writes int }

func (w *countingWriter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

// contractKeys are the keys of the JSON report (docs/report.md), schemaVersion 1, at
// each level: a change here is a change of the contract. Within
// schemaVersion 1 keys are only added (objective "earned" was), never
// removed or renamed; v1Keys holds the first ones, which must all remain.
var contractKeys = map[string][]string{
	"report":    {"schemaVersion", "mission", "passed", "score", "objectives", "endpoint", "durationMs", "vars"},
	"mission":   {"id", "title"},
	"score":     {"earned", "possible"},
	"objective": {"id", "title", "status", "points", "earned", "checks"},
	"check":     {"kind", "subject", "status", "message", "expected", "actual"},
	"endpoint":  {"host", "apiVersion", "serverVersion", "imageStore", "name", "engine", "source"},
	"hosts":     {"schemaVersion", "passed", "hosts"},
}

var v1Keys = map[string][]string{
	"report":    {"schemaVersion", "mission", "passed", "score", "objectives", "endpoint", "durationMs"},
	"mission":   {"id", "title"},
	"score":     {"earned", "possible"},
	"objective": {"id", "title", "status", "points", "checks"},
	"check":     {"kind", "subject", "status", "message", "expected", "actual"},
	"endpoint":  {"host", "apiVersion", "serverVersion", "imageStore", "name", "engine", "source"},
	"hosts":     {"schemaVersion", "passed", "hosts"},
}

func TestJSONKeysOnlyGrow(t *testing.T) {
	for level, keys := range v1Keys {
		for _, k := range keys {
			if !slices.Contains(contractKeys[level], k) {
				t.Errorf("%s: key %q of schemaVersion 1 is gone: removing a key needs schemaVersion 2", level, k)
			}
		}
	}
}

func TestJSONContract(t *testing.T) {
	r, _ := Lookup("json")
	for name, res := range fixtures() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.Render(&b, res, Options{}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
				t.Errorf("want one line ending in a newline, got %q", out)
			}
			var m map[string]any
			if err := json.Unmarshal(b.Bytes(), &m); err != nil {
				t.Fatalf("not valid JSON: %v\n%s", err, out)
			}
			checkReport(t, m, res)
		})
	}
	t.Run("multi", func(t *testing.T) {
		fx := fixtures()
		rs := []*check.Result{fx["pass"], fx["mixed"]}
		var b bytes.Buffer
		if err := r.RenderMulti(&b, rs, Options{}); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b.Bytes(), &m); err != nil {
			t.Fatalf("not valid JSON: %v", err)
		}
		keys(t, "hosts", m)
		if m["schemaVersion"] != float64(1) || m["passed"] != false {
			t.Errorf("schemaVersion, passed = %v, %v; want 1, false", m["schemaVersion"], m["passed"])
		}
		hosts := m["hosts"].([]any)
		if len(hosts) != len(rs) {
			t.Fatalf("%d hosts, want %d", len(hosts), len(rs))
		}
		for i, h := range hosts {
			checkReport(t, h.(map[string]any), rs[i])
		}
	})
}

func checkReport(t *testing.T, m map[string]any, res *check.Result) {
	t.Helper()
	keys(t, "report", m)
	keys(t, "mission", m["mission"])
	keys(t, "score", m["score"])
	keys(t, "endpoint", m["endpoint"])
	objs, ok := m["objectives"].([]any)
	if !ok {
		t.Fatalf("objectives is %T, want an array", m["objectives"])
	}
	if len(objs) != len(res.Objectives) {
		t.Fatalf("%d objectives, want %d", len(objs), len(res.Objectives))
	}
	for _, o := range objs {
		keys(t, "objective", o)
		checks, ok := o.(map[string]any)["checks"].([]any)
		if !ok {
			t.Fatalf("checks is %T, want an array", o.(map[string]any)["checks"])
		}
		for _, c := range checks {
			keys(t, "check", c)
		}
	}
	earned, possible := res.Score()
	want := map[string]any{"earned": float64(earned), "possible": float64(possible)}
	if !reflect.DeepEqual(m["score"], want) || m["passed"] != res.Passed() ||
		m["durationMs"] != float64(res.Duration.Milliseconds()) || m["schemaVersion"] != float64(1) {
		t.Errorf("score %v passed %v durationMs %v schemaVersion %v; want %v %v %d 1",
			m["score"], m["passed"], m["durationMs"], m["schemaVersion"], want, res.Passed(), res.Duration.Milliseconds())
	}
}

func keys(t *testing.T, level string, v any) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s is %T, want an object", level, v)
		return
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	want := slices.Clone(contractKeys[level])
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want exactly %v", level, got, want)
	}
}

// The test's own view of JUnit, independent of the renderer's types.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name     string `xml:"name,attr"`
	Hostname string `xml:"hostname,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Time     string `xml:"time,attr"`
	Cases    []struct {
		Classname string    `xml:"classname,attr"`
		Name      string    `xml:"name,attr"`
		Failure   *xProblem `xml:"failure"`
		Error     *xProblem `xml:"error"`
	} `xml:"testcase"`
}

type xProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func TestJUnitParses(t *testing.T) {
	r, _ := Lookup("junit")
	fx := fixtures()
	cases := map[string][]*check.Result{
		"pass": {fx["pass"]}, "mixed": {fx["mixed"]}, "escaping": {fx["escaping"]}, "empty": {fx["empty"]},
		"multi": {fx["pass"], fx["mixed"], fx["escaping"]},
	}
	for name, rs := range cases {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			var err error
			if name == "multi" {
				err = r.RenderMulti(&b, rs, Options{})
			} else {
				err = r.Render(&b, rs[0], Options{})
			}
			if err != nil {
				t.Fatal(err)
			}
			var got xSuites
			if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("not valid XML: %v\n%s", err, b.String())
			}
			if len(got.Suites) != len(rs) {
				t.Fatalf("%d suites, want %d", len(got.Suites), len(rs))
			}
			var tests, failures, errors int
			var total time.Duration
			for i, s := range got.Suites {
				res := rs[i]
				n := countObjectives(res.Objectives)
				var f, e int
				for j, c := range s.Cases {
					o := res.Objectives[j]
					if c.Classname != res.MissionID || !strings.HasPrefix(c.Name, o.ID+": ") {
						t.Errorf("testcase %q/%q, want classname %q, name starting %q", c.Classname, c.Name, res.MissionID, o.ID+": ")
					}
					if c.Failure != nil {
						f++
						first, _ := firstProblem(o)
						// XML cannot carry control characters; encoding/xml writes U+FFFD.
						want := clean(first.Message)
						if c.Failure.Message != want || c.Failure.Type != "fail" {
							t.Errorf("failure message %q type %q, want %q fail", c.Failure.Message, c.Failure.Type, want)
						}
					}
					if c.Error != nil {
						e++
					}
				}
				if s.Tests != n.total || s.Failures != n.failed || s.Errors != n.errored ||
					len(s.Cases) != n.total || f != n.failed || e != n.errored {
					t.Errorf("suite %s: tests/failures/errors %d/%d/%d with %d/%d/%d elements, want %d/%d/%d",
						s.Name, s.Tests, s.Failures, s.Errors, len(s.Cases), f, e, n.total, n.failed, n.errored)
				}
				if s.Hostname != res.Endpoint.Host || s.Time != seconds(res.Duration) {
					t.Errorf("suite %s: hostname %q time %s, want %q %s", s.Name, s.Hostname, s.Time, res.Endpoint.Host, seconds(res.Duration))
				}
				tests, failures, errors = tests+n.total, failures+n.failed, errors+n.errored
				total += res.Duration
			}
			if got.Tests != tests || got.Failures != failures || got.Errors != errors || got.Time != seconds(total) {
				t.Errorf("testsuites %d/%d/%d time %s, want %d/%d/%d %s",
					got.Tests, got.Failures, got.Errors, got.Time, tests, failures, errors, seconds(total))
			}
		})
	}
}

// TestLineFormats holds tap and github to their line grammar: whatever the
// mission and the daemon say, a message cannot add a test point or a
// workflow command of its own.
func TestLineFormats(t *testing.T) {
	fx := fixtures()
	rs := []*check.Result{fx["pass"], fx["mixed"], fx["escaping"], fx["empty"]}
	objectives := 0
	for _, r := range rs {
		objectives += len(r.Objectives)
	}
	render := func(name string) []string {
		t.Helper()
		r, _ := Lookup(name)
		var b bytes.Buffer
		if err := r.RenderMulti(&b, rs, Options{}); err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	}

	points, plan := 0, ""
	for _, l := range render("tap") {
		if strings.HasPrefix(l, "1..") {
			plan = l
		}
		if strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "not ok ") {
			points++
		}
	}
	if want := "1.." + strconv.Itoa(objectives); plan != want || points != objectives {
		t.Errorf("tap: plan %q with %d test points, want %q and %d", plan, points, want, objectives)
	}

	lines := render("github")
	commands := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "::") {
			if !strings.HasPrefix(l, "::error title=") {
				t.Errorf("github: unexpected workflow command %q", l)
			}
			commands++
		}
	}
	// One line per objective, one score line per host, one total.
	if want := objectives + len(rs) + 1; len(lines) != want {
		t.Errorf("github: %d lines, want %d:\n%s", len(lines), want, strings.Join(lines, "\n"))
	}
	failing := 0
	for _, r := range rs {
		n := countObjectives(r.Objectives)
		failing += n.failed + n.errored
	}
	if commands != failing {
		t.Errorf("github: %d ::error lines, want one per objective that did not pass: %d", commands, failing)
	}
}

// A report of a Podman service never calls it Docker, in any format that
// names the engine.
func TestPodmanIsNotCalledDocker(t *testing.T) {
	r := fixtures()["pass"]
	r.Endpoint = dockerstate.Endpoint{Host: "unix:///run/podman/podman.sock", Engine: dockerstate.EnginePodman,
		ServerVersion: "4.3.1", APIVersion: "1.41", ImageStore: dockerstate.StoreContainersStorage}
	for _, format := range []string{"text", "gradescope"} {
		rend, opts := rendererFor(t, format)
		var b bytes.Buffer
		if err := rend.Render(&b, r, opts); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); !strings.Contains(out, "Podman 4.3.1") || strings.Contains(out, "Docker 4.3.1") {
			t.Errorf("%s names the engine wrongly:\n%s", format, out)
		}
	}
}
