package check

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/progress"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// --wait says what it waits for and how to stop, and when the time is up,
// that it stopped waiting; a pass ends it without a word more.
func TestWaitSaysWhatItWaitsFor(t *testing.T) {
	failed := &check.Result{Objectives: []check.ObjectiveResult{{ID: "multi-tag", Status: check.Fail}}}
	passed := &check.Result{Objectives: []check.ObjectiveResult{{ID: "multi-tag", Status: check.Pass}}}
	done := func(r *check.Result, err error) bool { return err == nil && r.Passed() }
	tests := []struct {
		name  string
		later *check.Result // what every check after the first finds
		want  string
	}{
		{"time runs out", failed, "Waiting up to 1s for every objective of zone7 to pass, checking every 500ms — Ctrl-C to stop.\n" +
			"Stopped waiting after 1s, before everything passed. The last check:\n"},
		{"it passes", passed, "Waiting up to 1s for every objective of zone7 to pass, checking every 500ms — Ctrl-C to stop.\n"},
	}
	for _, tt := range tests {
		var say bytes.Buffer
		res, err := waitForPass(context.Background(), time.Second, &say, "every objective of zone7 to pass", failed, nil, done,
			func() (*check.Result, error) { return tt.later, nil })
		if err != nil || res != tt.later || say.String() != tt.want {
			t.Errorf("%s: %v, said\n%q\nwant\n%q", tt.name, err, say.String(), tt.want)
		}
	}
}

func TestWaitingFor(t *testing.T) {
	p := plan(t)
	for _, tt := range []struct {
		only []string
		want string
	}{
		{nil, "every objective of zone7 to pass"},
		{[]string{"digest"}, "the objective digest to pass"},
		{[]string{"digest", "export"}, "the objectives digest, export to pass"},
	} {
		if got := waitingFor(&Options{Objectives: tt.only}, p); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.only, got, tt.want)
		}
	}
	for d, want := range map[time.Duration]string{time.Minute: "1m", 90 * time.Second: "1m30s", time.Hour: "1h", 500 * time.Millisecond: "500ms"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q, want %q", d, got, want)
		}
	}
}

func plan(t *testing.T) *check.Plan {
	t.Helper()
	p, err := Plan(mission.NewCatalog(missions.FS), "zone7", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A mission complete names the next one, in the catalog's order, with the
// learner's --missions, skipping those complete; when all are, it says so.
func TestNextMission(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	opts := &Options{Catalog: func() *mission.Catalog { return mission.NewCatalog(missions.FS) },
		Flags: lesson.Flags{Mission: "zone7", Vars: []string{"image=shop:v2"}, MissionDirs: []string{"my missions"}}}
	got := nextMission(opts, "zone7")
	want := "Mission zone7 is complete. Next, Zone 7: Global Distribution — Exporting & Importing Images: academy show zone7-airgap --missions 'my missions'"
	if len(got) != 1 || got[0] != want {
		t.Errorf("next = %q, want %q", got, want)
	}
	// After the last one, round to the start: zone7 is not complete yet.
	if got := nextMission(opts, "zone7-rollback"); len(got) != 1 || !strings.Contains(got[0], "Next, Zone 7: Global Distribution — The Release Manager: academy show zone7 ") {
		t.Errorf("after the last = %q", got)
	}

	// A mission the learner completed is skipped; when all are, it says so.
	store, err := progress.Default()
	if err != nil {
		t.Fatal(err)
	}
	complete := func(id string) {
		t.Helper()
		m, err := mission.NewCatalog(missions.FS).Find(id)
		if err != nil {
			t.Fatal(err)
		}
		res := &check.Result{MissionID: id}
		for _, o := range m.Objectives {
			res.Objectives = append(res.Objectives, check.ObjectiveResult{ID: o.ID, Status: check.Pass})
		}
		if err := store.Record(res, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	complete("zone7-airgap")
	if got := nextMission(opts, "zone7"); len(got) != 1 || !strings.Contains(got[0], "Next, Zone 7: Global Distribution — Rollback Strategy: academy show zone7-rollback") {
		t.Errorf("with zone7-airgap complete: %q", got)
	}
	complete("zone7-rollback")
	complete("zone7")
	if got := nextMission(opts, "zone7"); len(got) != 1 || !strings.Contains(got[0], "so is every other one") || !strings.HasSuffix(got[0], "academy missions --missions 'my missions'") {
		t.Errorf("all complete: %q", got)
	}
}

// The next mission is said on the terminal only, once every objective
// passed, all of them checked.
func TestWriteReportsSaysTheMissionIsComplete(t *testing.T) {
	for _, tt := range []struct {
		status check.Status
		only   []string
		want   bool
	}{{check.Pass, nil, true}, {check.Fail, nil, false}, {check.Pass, []string{"multi-tag"}, false}} {
		var out bytes.Buffer
		opts := &Options{IO: &cmdutil.IOStreams{Out: &out, OutTTY: true}, Outputs: []report.Output{{Format: "text"}}, Objectives: tt.only,
			Catalog: func() *mission.Catalog { return mission.NewCatalog(missions.FS) }}
		res := &check.Result{MissionID: "zone7", Objectives: []check.ObjectiveResult{{ID: "multi-tag", Status: tt.status}}}
		if err := writeReports(context.Background(), opts, res, true); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "Mission zone7 is complete."); got != tt.want {
			t.Errorf("%s %v: says complete %v, want %v:\n%s", tt.status, tt.only, got, tt.want, out.String())
		}
	}
}

// The answer prompt says what to paste, once: the objective is named only
// when several ask.
func TestAskPrompt(t *testing.T) {
	q := check.Question{Objective: "digest", Prompt: "paste the digest of nginx (repo@sha256:…)"}
	for _, tt := range []struct {
		qs   []check.Question
		want string
	}{
		{[]check.Question{q}, "Your answer: paste the digest of nginx (repo@sha256:…), or press Enter to skip: "},
		{[]check.Question{q, {Objective: "port", Prompt: "the port"}}, "Your answer for digest: paste the digest of nginx (repo@sha256:…), or press Enter to skip: Your answer for port: the port, or press Enter to skip: "},
	} {
		var errOut bytes.Buffer
		ios := &cmdutil.IOStreams{In: strings.NewReader("x\ny\n"), ErrOut: &errOut}
		if _, err := ask(context.Background(), ios, tt.qs); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(errOut.String(), "\n"); got != tt.want {
			t.Errorf("prompt %q, want %q", got, tt.want)
		}
	}
}
