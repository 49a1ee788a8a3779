package missions

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

// now is the time every test tells progress against.
var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const demo = `apiVersion: academy/v1
id: demo
title: A demo mission whose title is long enough to be cut on a narrow terminal
objectives:
  - id: tag
    title: Tag it
    checks: [{image: {ref: "demo:latest"}}]
`

const broken = `apiVersion: academy/v9
id: broken
title: Broken
objectives: []
`

// lab makes a state folder with progress in zone7 (2 of 3, two hours ago)
// and demo (complete, three days ago), and a mission folder with demo and
// a broken file. It returns the mission folder.
func lab(t *testing.T) string {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	store, err := progress.Default()
	if err != nil {
		t.Fatal(err)
	}
	record := func(id string, at time.Time, statuses map[string]check.Status) {
		res := &check.Result{MissionID: id}
		for o, s := range statuses {
			res.Objectives = append(res.Objectives, check.ObjectiveResult{ID: o, Status: s})
		}
		if err := store.Record(res, at); err != nil {
			t.Fatal(err)
		}
	}
	record("zone7", now.Add(-2*time.Hour), map[string]check.Status{"multi-tag": check.Pass, "digest": check.Fail, "export": check.Pass})
	record("demo", now.Add(-72*time.Hour), map[string]check.Status{"tag": check.Pass})
	dir := t.TempDir()
	for name, content := range map[string]string{"demo.yaml": demo, "broken.yaml": broken} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run runs `academy missions` with args on a terminal of cols columns
// (0: not a terminal), without colour unless color, and returns its exit
// code and streams.
func run(t *testing.T, cols int, color bool, dirs []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if cols > 0 {
		t.Setenv("COLUMNS", strconv.Itoa(cols))
	}
	f := &cmdutil.Factory{
		IOStreams:   &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, OutTTY: cols > 0, NoColor: !color},
		MissionDirs: dirs,
	}
	cmd := NewCmdMissions(f, func(ctx context.Context, o *Options) error {
		o.Now = func() time.Time { return now }
		return Run(ctx, o)
	})
	return testcmd.Execute(cmd, &out, &errOut, args...)
}

// The list, as a learner sees it on a wide and a narrow terminal and as a
// script reads it: every mission, its progress, the broken file with what
// is wrong with it; every line fits the terminal.
func TestMissionsScreens(t *testing.T) {
	tests := []struct {
		name string
		cols int
	}{
		{"tty-100.golden", 100},
		{"tty-60.golden", 60},
		{"plain.golden", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := lab(t)
			code, out, errOut := run(t, tt.cols, false, []string{dir})
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			golden.Check(t, tt.name, filepath.Join("testdata", tt.name), []byte(strings.ReplaceAll(out, dir, "DIR")))
			for _, l := range strings.Split(out, "\n") {
				if tt.cols > 0 && len([]rune(l)) > tt.cols {
					t.Errorf("line wider than %d columns: %q", tt.cols, l)
				}
			}
			for _, want := range []string{"zone7", "broken", "apiVersion must be"} {
				if !strings.Contains(out, want) {
					t.Errorf("the list does not mention %q", want)
				}
			}
		})
	}
}

// Colour only on a terminal that takes it.
func TestMissionsColour(t *testing.T) {
	dir := lab(t)
	if _, out, _ := run(t, 100, true, []string{dir}); !strings.Contains(out, "\x1b[32m") {
		t.Errorf("no colour on a terminal: %q", out)
	}
	if _, out, _ := run(t, 0, true, []string{dir}); strings.Contains(out, "\x1b[") {
		t.Errorf("colour in a pipe: %q", out)
	}
}

// A progress file that cannot be used is one warning, and the list still
// comes, with that mission's progress started afresh.
func TestMissionsWithACorruptProgressFile(t *testing.T) {
	dir := lab(t)
	state, _ := progress.DefaultDir()
	if err := os.WriteFile(filepath.Join(state, "zone7.json"), []byte("{\"version\": 1, \"obj"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, 0, false, []string{dir})
	if code != 0 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "academy: warning: your progress in") {
		t.Errorf("exit %d, stderr %q; want 0 and one warning", code, errOut)
	}
	if !strings.Contains(out, "zone7\tZone 7: Global Distribution — The Release Manager\t0\t3\t\n") {
		t.Errorf("zone7 not listed afresh:\n%s", out)
	}
}

func TestMissionsMistakes(t *testing.T) {
	dir := lab(t)
	clash := t.TempDir()
	if err := os.WriteFile(filepath.Join(clash, "zone7.yaml"), []byte(strings.Replace(demo, "id: demo", "id: zone7", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dirs []string
		args []string
		says string
	}{
		{"an argument", []string{dir}, []string{"zone7"}, "missions takes no arguments; to read one mission: academy show zone7"},
		{"a missing folder", []string{filepath.Join(dir, "nope")}, nil, "mission folder"},
		{"two missions of one id", []string{clash}, nil, "mission zone7 is defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, 0, false, tt.dirs, tt.args...)
			if code != cmdutil.ExitUsage || !strings.Contains(errOut, tt.says) {
				t.Errorf("exit %d, stderr %q; want 2 saying %q", code, errOut, tt.says)
			}
		})
	}
}

// Titles that begin alike lose what they share, not what tells them apart,
// and keep the time of the last check beside them.
func TestMissionsKeepWhatTellsTitlesApart(t *testing.T) {
	rows := []row{
		{id: "zone7", title: "Zone 7: Global Distribution — The Release Manager", checked: "2 hours ago"},
		{id: "zone7-airgap", title: "Zone 7: Global Distribution — Exporting & Importing Images"},
		{id: "other", title: "Other"},
	}
	if got := sharedPrefixes(rows); got[0] != len("Zone 7: Global Distribution — ") || got[1] != got[0] || got[2] != 0 {
		t.Errorf("sharedPrefixes = %v", got)
	}
	if !distinct(rows, 40) || distinct([]row{{title: "Zone 7: a"}, {title: "Zone 7: b"}}, 6) {
		t.Error("distinct")
	}
}
