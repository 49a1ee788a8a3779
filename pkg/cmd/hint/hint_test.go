package hint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/golden"
	"github.com/academy-dev/academy/internal/testcmd"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/progress"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// freshState points the learner's state at a new folder.
func freshState(t *testing.T) *progress.Store {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, err := progress.Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run runs `academy hint` with args on a terminal of cols columns (0: not
// a terminal), without colour, and returns its exit code and streams.
func run(t *testing.T, cols int, dirs []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if cols > 0 {
		t.Setenv("COLUMNS", strconv.Itoa(cols))
	}
	f := &cmdutil.Factory{
		IOStreams:   &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: cols > 0, NoColor: true},
		MissionDirs: dirs,
	}
	cmd := NewCmdHint(f, func(ctx context.Context, o *Options) error {
		o.Now = func() time.Time { return now }
		return Run(ctx, o)
	})
	return testcmd.Execute(cmd, &out, &errOut, args...)
}

// Each call goes one step further, the last step being the solution, and
// says which step of how many; past the last, the solution again. The
// steps are remembered across runs.
func TestHintEscalates(t *testing.T) {
	store := freshState(t)
	steps := []struct{ golden, says string }{
		{"step-1-60.golden", "Hint 1 of 3: A tag is just another name"},
		{"step-2-60.golden", "Hint 2 of 3: docker tag SOURCE TARGET"},
		{"step-3-60.golden", "Hint 3 of 3: Tag my-app:v1 as"},
		{"step-4-60.golden", "Solution (after 3 hints):\n  docker tag my-app:v1 cloudcorp/my-app:latest &&\n    docker tag my-app:v1 cloudcorp/my-app:1.0.0"},
		{"step-5-60.golden", "That was the last step"},
	}
	for i, s := range steps {
		code, out, errOut := run(t, 60, nil, "zone7")
		if code != 0 || errOut != "" {
			t.Fatalf("call %d: exit %d, stderr %q", i+1, code, errOut)
		}
		golden.Check(t, s.golden, filepath.Join("testdata", s.golden), []byte(out))
		if !strings.Contains(out, s.says) {
			t.Errorf("call %d says\n%s\nwant it to contain %q", i+1, out, s.says)
		}
		for _, l := range strings.Split(out, "\n") {
			if len([]rune(l)) > 60 {
				t.Errorf("call %d: line wider than 60 columns: %q", i+1, l)
			}
		}
	}
	st, err := store.Load("zone7")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Objective("multi-tag").Hints; got != 4 {
		t.Errorf("steps remembered = %d, want 4 (three hints and the solution)", got)
	}
}

// Without an objective named, hints are for the first objective the last
// check did not pass; named, for that one, whatever the check said.
func TestHintPicksTheObjective(t *testing.T) {
	tests := []struct {
		name     string
		statuses map[string]check.Status
		args     []string
		says     string
	}{
		{"no check yet", nil, []string{"zone7"}, "multi-tag — Tag your image with both latest and 1.0.0\nNo check yet"},
		{"the first not passing", map[string]check.Status{"multi-tag": check.Pass, "digest": check.Fail, "export": check.Fail}, []string{"zone7"},
			"digest — Get the digest of nginx\n\nHint 1 of 3: A digest identifies"},
		{"not yet checked counts as not passing", map[string]check.Status{"multi-tag": check.Pass, "digest": check.Pass}, []string{"zone7"},
			"export — Save your image to my-app.tar"},
		{"named, though it passed", map[string]check.Status{"multi-tag": check.Pass}, []string{"zone7", "multi-tag"}, "multi-tag — Tag"},
		{"every objective passed", map[string]check.Status{"multi-tag": check.Pass, "digest": check.Pass, "export": check.Pass}, []string{"zone7"},
			"Every objective of zone7 passed at your last check (2 hours ago).\nName one to see its hints again: academy hint zone7 OBJECTIVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := freshState(t)
			if tt.statuses != nil {
				res := &check.Result{MissionID: "zone7"}
				for id, s := range tt.statuses {
					res.Objectives = append(res.Objectives, check.ObjectiveResult{ID: id, Status: s})
				}
				if err := store.Record(res, now.Add(-2*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := run(t, 0, nil, tt.args...)
			if code != 0 || errOut != "" || !strings.Contains(out, tt.says) {
				t.Errorf("exit %d, stderr %q, stdout\n%s\nwant it to contain %q", code, errOut, out, tt.says)
			}
		})
	}
}

// Variables apply as in check; an objective without hints says so.
func TestHintVarsAndBareObjectives(t *testing.T) {
	freshState(t)
	dir := t.TempDir()
	bare := "apiVersion: academy/v1\nid: bare\ntitle: Bare\nobjectives:\n  - id: a\n    title: A\n    checks: [{image: {ref: x}}]\n" +
		"  - id: b\n    title: B\n    solution: docker pull x\n    checks: [{image: {ref: x}}]\n"
	if err := os.WriteFile(filepath.Join(dir, "bare.yaml"), []byte(bare), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		says string
	}{
		{[]string{"zone7", "multi-tag", "--var", "image=shop:v2", "--var", "repo=acme/shop"}, "Tag your image"},
		// Every command printed repeats the learner's --var, quoted.
		{[]string{"zone7", "export", "--var", "image=shop:v2", "--var", "archive=my shop.tar"},
			"Next hint: academy hint zone7 export --var image=shop:v2 --var 'archive=my shop.tar'\n" +
				"Check your work: academy check zone7 export --var image=shop:v2 --var 'archive=my shop.tar'\n"},
		{[]string{"bare"}, "This objective has no hints. Its briefing: academy show bare"},
		{[]string{"bare", "b"}, "Solution:\n  docker pull x"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, 0, []string{dir}, tt.args...)
		if code != 0 || !strings.Contains(out, tt.says) {
			t.Errorf("hint %v: exit %d, stderr %q, stdout\n%s\nwant %q", tt.args, code, errOut, out, tt.says)
		}
	}
	// The third hint names the learner's own images.
	run(t, 0, nil, "zone7", "multi-tag", "--var", "image=shop:v2", "--var", "repo=acme/shop")
	_, out, _ := run(t, 0, nil, "zone7", "multi-tag", "--var", "image=shop:v2", "--var", "repo=acme/shop")
	if !strings.Contains(out, "Tag shop:v2 as acme/shop:latest and as acme/shop:1.0.0.") {
		t.Errorf("the variables are not applied:\n%s", out)
	}
}

// A state that cannot be kept is one warning: the hint is still given,
// and the next call gives it again rather than failing.
func TestHintWithoutAState(t *testing.T) {
	tests := []struct {
		name, warning string
		prepare       func(t *testing.T)
	}{
		{"corrupt", "academy: warning: your progress in", func(t *testing.T) {
			dir, _ := progress.DefaultDir()
			must(t, os.MkdirAll(dir, 0o700))
			must(t, os.WriteFile(filepath.Join(dir, "zone7.json"), []byte("\x00\x01garbage"), 0o600))
		}},
		{"folder cannot be made", "academy: warning: your progress could not be saved", func(t *testing.T) {
			dir, _ := progress.DefaultDir()
			must(t, os.WriteFile(dir, nil, 0o600))
		}},
		{"no home", "academy: warning: no folder to keep your progress in", func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", "")
			t.Setenv("HOME", "")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			freshState(t)
			tt.prepare(t)
			code, out, errOut := run(t, 0, nil, "zone7")
			if code != 0 || !strings.Contains(out, "Hint 1 of 3") || !strings.HasPrefix(errOut, tt.warning) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q, stdout\n%s", code, errOut, out)
			}
		})
	}
}

func TestHintMistakes(t *testing.T) {
	freshState(t)
	tests := []struct {
		args []string
		says string
	}{
		{nil, "hint needs a mission, e.g. academy hint zone7"},
		{[]string{"zone"}, `unknown mission "zone" — did you mean zone7?`},
		{[]string{"zone7", "mult-tag"}, `mission zone7 has no objective "mult-tag" — did you mean multi-tag? (it has: multi-tag, digest, export)`},
		{[]string{"zone7", "nope"}, `mission zone7 has no objective "nope" (it has: multi-tag, digest, export)`},
		{[]string{"zone7", "digest", "export"}, "hint takes a mission and at most one objective, not 2"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, 0, nil, tt.args...)
		if code != cmdutil.ExitUsage || out != "" || !strings.Contains(errOut, tt.says) {
			t.Errorf("hint %v: exit %d, stdout %q, stderr %q; want 2 saying %q", tt.args, code, out, errOut, tt.says)
		}
	}
	// A mistake gives no step away.
	dir, _ := progress.DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, "zone7.json")); err == nil {
		t.Error("a mistaken call was remembered as a step")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
