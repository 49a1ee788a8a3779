package lesson

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
)

func TestWrap(t *testing.T) {
	briefing := "Practice release management: give your image the tags a release needs,\n" +
		"read the immutable digest of an image.\n\nSteps:\n- tag cloudcorp/my-app:1.0.0 and cloudcorp/my-app:latest, both\n- save it\n"
	tests := []struct {
		name, text string
		width      int
		indent     string
		want       string
	}{
		{"refilled to the width", briefing, 40, "",
			"Practice release management: give your\nimage the tags a release needs, read the\nimmutable digest of an image.\n\nSteps:\n" +
				"- tag cloudcorp/my-app:1.0.0 and\n  cloudcorp/my-app:latest, both\n- save it"},
		{"as written without a width", briefing, 0, "", strings.TrimSpace(briefing)},
		{"indented", "one two three four five six seven eight", 30, "          ", "one two three four\n          five six seven eight"},
		{"a long word stays whole", "run docker-inspect-with-a-very-long-name now", 12, "", "run\ndocker-inspect-with-a-very-long-name\nnow"},
		{"names are not broken at their dash", "tag it as cloudcorp/my-app:latest", 20, "", "tag it as\ncloudcorp/my-app:latest"},
		{"a command line is never joined with the sentence after it",
			"deploy it as production does:\n  docker run -d --name my-app app:v1.3.0\n  docker logs my-app\n(--network none: the demo app needs no network.)\ndocker ps\nlists it.", 60, "",
			"deploy it as production does:\n  docker run -d --name my-app app:v1.3.0\n  docker logs my-app\n(--network none: the demo app needs no network.)\ndocker ps\nlists it."},
		{"a sentence that starts with a command is prose", "academy setup zone7 gives you both. To see\nthe trouble, run it.", 80, "",
			"academy setup zone7 gives you both. To see the trouble, run it."},
		{"a command is never broken inside", "then run docker inspect --format='{{index .RepoDigests 0}}' nginx to see it", 40, "",
			"then run\ndocker inspect --format='{{index .RepoDigests 0}}' nginx\nto see it"},
		{"control characters replaced", "a \x1b[2Jb", 0, "", "a \ufffd[2Jb"},
		{"wide terminals get lines a person can follow", strings.Repeat("word ", 40), 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Wrap(tt.text, tt.width, tt.indent)
			if tt.want == "" {
				for _, l := range strings.Split(got, "\n") {
					if TextWidth(l) > proseWidth {
						t.Errorf("line of %d columns: %q", TextWidth(l), l)
					}
				}
				return
			}
			if got != tt.want {
				t.Errorf("Wrap =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestCommandIsNeverBrokenInside(t *testing.T) {
	solution := "docker tag my-app:v1 cloudcorp/my-app:latest && docker tag my-app:v1 cloudcorp/my-app:1.0.0"
	tests := []struct {
		name, cmd string
		width     int
		want      string
	}{
		{"fits", solution, 120, "  " + solution},
		{"split after &&, where the shell reads on", solution, 60,
			"  docker tag my-app:v1 cloudcorp/my-app:latest &&\n    docker tag my-app:v1 cloudcorp/my-app:1.0.0"},
		{"no && to split at: whole", "docker inspect --format='{{index .RepoDigests 0}}' nginx", 30,
			"  docker inspect --format='{{index .RepoDigests 0}}' nginx"},
		{"&& inside quotes is not a split", "echo 'a && b' && docker images", 20, "  echo 'a && b' &&\n    docker images"},
		{"no width", solution, 0, "  " + solution},
	}
	for _, tt := range tests {
		if got := Command(tt.cmd, tt.width, "  "); got != tt.want {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, got, tt.want)
		}
	}
}

func TestNextKeepsTheCommandWhole(t *testing.T) {
	if got := Next("3 hints:", "academy hint zone7 multi-tag", 80, "  "); got != "3 hints: academy hint zone7 multi-tag" {
		t.Errorf("fits: %q", got)
	}
	if got := Next("3 hints and the solution:", "academy hint zone7 multi-tag", 40, "  "); got != "3 hints and the solution:\n  academy hint zone7 multi-tag" {
		t.Errorf("narrow: %q", got)
	}
}

func TestTruncateAndPad(t *testing.T) {
	title := "Zone 7: Global Distribution — The Release Manager"
	if got := Truncate(title, 20); got != "Zone 7: Global Dist…" || TextWidth(got) != 20 {
		t.Errorf("Truncate = %q (%d columns)", got, TextWidth(got))
	}
	if got := Truncate(title, 0); got != title {
		t.Errorf("no width cut the title: %q", got)
	}
	if got := Pad("日本", 6); got != "日本  " {
		t.Errorf("Pad counts columns, not bytes: %q", got)
	}
}

func TestWidth(t *testing.T) {
	tests := []struct {
		tty     bool
		columns string
		want    int
	}{
		{false, "100", 0},
		{true, "100", 100},
		{true, "", 80},
		{true, "10", minWidth},
		{true, "100000", maxWidth},
		{true, "x", 80},
	}
	for _, tt := range tests {
		t.Setenv("COLUMNS", tt.columns)
		if got := Width(&cmdutil.IOStreams{Out: &bytes.Buffer{}, OutTTY: tt.tty}); got != tt.want {
			t.Errorf("tty %v, COLUMNS=%q: Width = %d, want %d", tt.tty, tt.columns, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"multi-tag", "digest", "export"}
	tests := []struct{ name, want string }{
		{"mult-tag", "multi-tag"},
		{"multitag", "multi-tag"},
		{"Digest", "digest"},
		{"exprot", "export"},
		{"dig", "digest"}, // a prefix
		{"zzz", ""},
		{"images", ""},
		{strings.Repeat("x", 200), ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.name, known); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		id   string
		vars map[string]string
		dirs []string
		want string // "" for found
	}{
		{"found, variables expanded", "zone7", map[string]string{"image": "shop:v2"}, nil, ""},
		{"a typo", "zone8", nil, nil, `unknown mission "zone8" — did you mean zone7? (missions: zone7, zone7-airgap, zone7-rollback)`},
		{"unknown", "kubernetes", nil, nil, `unknown mission "kubernetes" (missions: zone7, zone7-airgap, zone7-rollback)`},
		{"a variable's typo", "zone7", map[string]string{"imgae": "x"}, nil, `mission zone7 has no variable "imgae" — did you mean image?`},
		{"a missing folder", "zone7", nil, []string{filepath.Join(dir, "nope")}, "mission folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Find(mission.NewCatalog(missions.FS, tt.dirs...), tt.id, tt.vars)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(m.Objectives[2].Solution, "shop:v2") {
					t.Errorf("--var not applied: %q", m.Objectives[2].Solution)
				}
				return
			}
			var usage *cmdutil.UsageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("err = %v, want a usage error saying %q", err, tt.want)
			}
		})
	}
	m, _ := Find(mission.NewCatalog(missions.FS), "zone7", nil)
	if _, err := Objective(m, "mult-tag"); err == nil || !strings.Contains(err.Error(), `mission zone7 has no objective "mult-tag" — did you mean multi-tag? (it has: multi-tag, digest, export)`) {
		t.Errorf("unknown objective: %v", err)
	}
}

// A command printed for the learner repeats their flags that it takes,
// quoted for the shell; --var only for the same mission.
func TestFlagsCommand(t *testing.T) {
	f := Flags{Mission: "zone7", Vars: []string{"image=shop:v2", "archive=my shop.tar"}, Dir: "/home/ada/lab",
		Host: "ssh://ada@pc7", MissionDirs: []string{"./missions"}}
	tests := []struct {
		sub  string
		args []string
		want string
	}{
		{"check", []string{"zone7", "export"}, "academy check zone7 export --var image=shop:v2 --var 'archive=my shop.tar' -C /home/ada/lab -H ssh://ada@pc7 --missions ./missions"},
		{"setup", []string{"zone7"}, "academy setup zone7 --var image=shop:v2 --var 'archive=my shop.tar' -H ssh://ada@pc7 --missions ./missions"},
		{"hint", []string{"zone7", "digest"}, "academy hint zone7 digest --var image=shop:v2 --var 'archive=my shop.tar' --missions ./missions"},
		{"show", []string{"zone7-airgap"}, "academy show zone7-airgap --missions ./missions"},
		{"missions", nil, "academy missions --missions ./missions"},
	}
	for _, tt := range tests {
		if got := f.Command(tt.sub, tt.args...); got != tt.want {
			t.Errorf("%s %v:\n got  %s\n want %s", tt.sub, tt.args, got, tt.want)
		}
	}
	if got := (Flags{Mission: "zone7"}).Command("check", "zone7"); got != "academy check zone7" {
		t.Errorf("no flags: %s", got)
	}
	if got := ShellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("ShellQuote = %s", got)
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Second: "just now", time.Minute: "1 min ago", 45 * time.Minute: "45 min ago",
		2 * time.Hour: "2 hours ago", 50 * time.Hour: "2 days ago", 100 * 24 * time.Hour: "long ago"} {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%s) = %q, want %q", d, got, want)
		}
	}
}
