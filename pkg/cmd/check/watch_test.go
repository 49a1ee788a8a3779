package check

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

// --watch on the real daemon: the first report fails, a tag made meanwhile
// brings a new report, and when both tags are there the last report passes
// and the watch ends with exit 0. With -o json, one report per line.
func TestWatchFollowsTheDaemon(t *testing.T) {
	lab := testlab.New(t)
	image, repo := lab.Name("my-app:v1"), lab.Name("cloudcorp/my-app")
	lab.Build(image, "watch "+lab.Prefix)
	other := lab.Name("other:v1")
	lab.Build(other, "other "+lab.Prefix)

	out := &lockedBuffer{}
	f := &cmdutil.Factory{
		IOStreams:  &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: &lockedBuffer{}},
		OpenDaemon: dockerstate.Open,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		cmd := NewCmdCheck(f, nil)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		cmd.SetArgs([]string{"zone7", "multi-tag", "--watch", "-o", "json", "-C", t.TempDir(),
			"--var", "image=" + image, "--var", "repo=" + repo})
		done <- cmd.ExecuteContext(ctx)
	}()
	lines := func() []string { return strings.Split(strings.TrimSpace(out.String()), "\n") }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			select {
			case err := <-done:
				t.Fatalf("the watch ended (%v) before %s:\n%s", err, what, out.String())
			case <-ctx.Done():
				t.Fatalf("no %s:\n%s", what, out.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	waitFor("first report", func() bool { return strings.Contains(out.String(), "schemaVersion") })

	lab.Tag(other, repo+":latest") // the wrong image: still failing, named
	waitFor("report of the wrong tag", func() bool { return strings.Contains(out.String(), "(that is "+other+")") })

	lab.Tag(image, repo+":latest")
	lab.Tag(image, repo+":1.0.0")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("err = %v, want nil once everything passes:\n%s", err, out.String())
		}
	case <-ctx.Done():
		t.Fatalf("the watch did not end after both tags:\n%s", out.String())
	}
	all := lines()
	if len(all) < 3 || !strings.Contains(all[len(all)-1], `"passed":true`) || strings.Contains(all[0], `"passed":true`) {
		t.Errorf("reports, one per line, want a first fail and a last pass:\n%s", out.String())
	}
}

// Ctrl-C ends a watch at once: the normal way out, said as such, with the
// exit code of an interruption.
func TestWatchYieldsToCtrlC(t *testing.T) {
	lab := testlab.New(t)
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	f := &cmdutil.Factory{
		IOStreams:  &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		OpenDaemon: dockerstate.Open,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := NewCmdCheck(f, nil)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		cmd.SetArgs([]string{"zone7", "multi-tag", "--watch", "-o", "json", "-C", t.TempDir(),
			"--var", "image=" + lab.Name("my-app:v1"), "--var", "repo=" + lab.Name("cloudcorp/my-app")})
		done <- cmd.ExecuteContext(ctx)
	}()
	for !strings.Contains(out.String(), "schemaVersion") {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		var shown *cmdutil.ShownError
		if cmdutil.ExitCode(err) != cmdutil.ExitInterrupted || !errors.As(err, &shown) {
			t.Errorf("err = %v, want an interruption already said", err)
		}
		if errOut.String() != "stopped watching\n" {
			t.Errorf("stderr = %q, want it to say the watch stopped", errOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch went on after Ctrl-C")
	}
}

// A file of the lab that appears is noticed once it stops changing.
func TestPollFilesWaitsForAFileToSettle(t *testing.T) {
	dir := t.TempDir()
	changes := make(chan change, 8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go pollFiles(ctx, dir, []string{"my-app.tar"}, changes)
	time.Sleep(2 * filePoll)
	if err := os.WriteFile(filepath.Join(dir, "my-app.tar"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-changes:
		if c.file != "my-app.tar" {
			t.Errorf("change = %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the new file was not noticed")
	}
}

func TestWatchAffects(t *testing.T) {
	w := check.Watch{Images: []string{"cloudcorp/my-app:latest", "my-app:v1"}}
	tests := []struct {
		e    dockerstate.Event
		want bool
	}{
		{dockerstate.Event{Type: "image", Action: "tag", Name: "cloudcorp/my-app:latest"}, true},
		{dockerstate.Event{Type: "image", Action: "tag", Name: "docker.io/cloudcorp/my-app:latest"}, true},
		{dockerstate.Event{Type: "image", Action: "tag", Name: "cloudcorp/my-app:2.0"}, false},
		{dockerstate.Event{Type: "image", Action: "tag", Name: "nginx:latest"}, false},
		{dockerstate.Event{Type: "image", Action: "pull", Name: "cloudcorp/my-app"}, true},
		{dockerstate.Event{Type: "image", Action: "untag", ActorID: "sha256:abc"}, true},
		{dockerstate.Event{Type: "image", Action: "loadfromarchive", ActorID: "abc"}, true},
		{dockerstate.Event{Type: "container", Action: "start", Name: "web"}, false},
	}
	for _, tt := range tests {
		if got := w.Affects(tt.e); got != tt.want {
			t.Errorf("%+v: Affects = %v, want %v", tt.e, got, tt.want)
		}
	}
}
