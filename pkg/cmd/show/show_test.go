package show

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/golden"
	"github.com/academy-dev/academy/internal/testcmd"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/progress"
)

// run runs `academy show` with args on a terminal of cols columns (0: not
// a terminal), with colour when color, and returns its exit code and
// streams. The learner's state is a fresh folder.
func run(t *testing.T, cols int, color bool, dirs []string, args ...string) (int, string, string) {
	t.Helper()
	if !strings.HasPrefix(os.Getenv("XDG_STATE_HOME"), os.TempDir()) {
		t.Setenv("XDG_STATE_HOME", t.TempDir()) // never the developer's own
	}
	var out, errOut bytes.Buffer
	if cols > 0 {
		t.Setenv("COLUMNS", strconv.Itoa(cols))
	}
	f := &cmdutil.Factory{
		IOStreams:   &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: cols > 0, NoColor: !color},
		MissionDirs: dirs,
	}
	cmd := NewCmdShow(f, nil)
	return testcmd.Execute(cmd, &out, &errOut, args...)
}

// zone7Solutions are the solutions of the embedded zone7, expanded.
func zone7Solutions(t *testing.T) []string {
	t.Helper()
	m, err := mission.NewCatalog(missions.FS).Find("zone7")
	if err != nil {
		t.Fatal(err)
	}
	if m, err = m.Expand(nil); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range m.Objectives {
		out = append(out, o.Solution)
	}
	return out
}

// The briefing as a learner sees it, wide and narrow, with and without
// the solutions, and as a pipe gets it; every line fits the terminal, and
// no solution shows unless asked for.
func TestShowScreens(t *testing.T) {
	tests := []struct {
		name   string
		cols   int
		reveal bool
	}{
		{"tty-100.golden", 100, false},
		{"tty-60.golden", 60, false},
		{"reveal-100.golden", 100, true},
		{"reveal-60.golden", 60, true},
		{"plain.golden", 0, false},
		{"rollback-60.golden", 60, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"zone7"}
			if strings.HasPrefix(tt.name, "rollback") {
				args = []string{"zone7-rollback"}
			}
			if tt.reveal {
				args = append(args, "--reveal")
			}
			code, out, errOut := run(t, tt.cols, false, nil, args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			golden.Check(t, tt.name, filepath.Join("testdata", tt.name), []byte(out))
			for _, s := range zone7Solutions(t) {
				if args[0] != "zone7" {
					break
				}
				// A solution too wide is split after its &&: compare
				// without the split.
				joined := strings.ReplaceAll(out, "&&\n", "&& ")
				joined = strings.Join(strings.Fields(joined), " ")
				if shown := strings.Contains(joined, s); shown != tt.reveal {
					t.Errorf("solution %q shown = %v, want %v", s, shown, tt.reveal)
				}
			}
			if tt.cols == 0 {
				return
			}
			for _, l := range strings.Split(out, "\n") {
				// Only a command too long to split may be wider, left
				// whole for the terminal to fold.
				if n := len([]rune(l)); n > tt.cols && !strings.Contains(l, "docker inspect") && !strings.HasPrefix(strings.TrimSpace(l), "docker run") {
					t.Errorf("line of %d columns, wider than %d: %q", n, tt.cols, l)
				}
			}
		})
	}
}

// The last check's statuses mark the objectives: ✓ passed, ✗ failed.
func TestShowMarksProgress(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	store, _ := progress.Default()
	res := &check.Result{MissionID: "zone7", Objectives: []check.ObjectiveResult{
		{ID: "multi-tag", Status: check.Pass}, {ID: "digest", Status: check.Fail}}}
	if err := store.Record(res, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, out, _ := run(t, 100, false, nil, "zone7")
	for _, want := range []string{"  ✓ 1.  multi-tag", "  ✗ 2.  digest", "    3.  export"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// --var applies as in check: the briefing shows the learner's own names,
// the lab's variables name = value with those given marked, and every
// command printed repeats the --var given.
func TestShowVars(t *testing.T) {
	_, out, _ := run(t, 0, false, nil, "zone7", "--reveal", "--var", "image=shop:v2", "--var", "archive=shop.tar")
	for _, want := range []string{"Save your image to shop.tar", "docker save -o shop.tar shop:v2",
		"  archive     = shop.tar  (your --var)\n", "  repo        = cloudcorp/my-app\n",
		"Start with academy setup zone7 --var image=shop:v2 --var archive=shop.tar — it makes shop:v2, offline.",
		"nginx must come from a registry: docker pull nginx",
		"Check your work: academy check zone7 --var image=shop:v2 --var archive=shop.tar"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// What a mission file says cannot drive the terminal: escape sequences
// and bidirectional overrides are replaced, and colour is academy's only.
func TestShowSanitisesTheMission(t *testing.T) {
	dir := t.TempDir()
	evil := "apiVersion: academy/v1\nid: evil\ntitle: \"Evil \\e]0;pwned\\a \\u202e title\"\n" +
		"briefing: \"\\e[2J\\e[31mred\"\nobjectives:\n  - id: a\n    title: \"x\\e[1A\"\n    solution: \"rm -rf \\e[8m/\"\n    checks: [{image: {ref: x}}]\n"
	if err := os.WriteFile(filepath.Join(dir, "evil.yaml"), []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cols := range []int{0, 80} {
		code, out, errOut := run(t, cols, false, []string{dir}, "evil", "--reveal")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.ContainsAny(out, "\x1b\a\u202e") {
			t.Errorf("columns %d: control characters reach the terminal: %q", cols, out)
		}
	}
}

func TestShowMistakes(t *testing.T) {
	tests := []struct {
		args []string
		says string
	}{
		{nil, "show needs a mission, e.g. academy show zone7"},
		{[]string{"zone8"}, `unknown mission "zone8" — did you mean zone7?`},
		{[]string{"zone7", "digest"}, "show takes one mission; for an objective's hints: academy hint zone7 digest"},
		{[]string{"zone7", "--var", "imgae=x"}, "did you mean image?"},
		{[]string{"zone7", "--var", "image"}, `--var "image": expected KEY=VALUE`},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, 0, false, nil, tt.args...)
		if code != cmdutil.ExitUsage || out != "" || !strings.Contains(errOut, tt.says) {
			t.Errorf("show %v: exit %d, stdout %q, stderr %q; want 2 saying %q", tt.args, code, out, errOut, tt.says)
		}
	}
}
