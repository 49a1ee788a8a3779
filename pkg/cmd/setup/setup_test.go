package setup_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testdocker"
	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/cli"
	"github.com/academy-dev/academy/pkg/cmd/setup"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

// run runs academy with args, as a process would, with no terminal.
func run(t *testing.T, stdin string, args ...string) (code int, out, errOut string) {
	t.Helper()
	var o, e bytes.Buffer
	f := &cmdutil.Factory{
		IOStreams:  &cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &o, ErrOut: &e},
		OpenDaemon: dockerstate.Open,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code = cli.Run(ctx, f, args)
	return code, o.String(), e.String()
}

// Arguments and flags become the options setup runs with.
func TestSetupFlags(t *testing.T) {
	f := &cmdutil.Factory{IOStreams: &cmdutil.IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
	var got *setup.Options
	cmd := setup.NewCmdSetup(f, func(_ context.Context, o *setup.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"zone7", "--force", "--var", "image=shop:v2", "-H", "unix:///x.sock", "--timeout", "3s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.MissionID != "zone7" || !got.Force || got.Lab.Vars["image"] != "shop:v2" || got.Lab.Host != "unix:///x.sock" || got.Lab.Timeout != 3*time.Second {
		t.Errorf("options = %+v", got)
	}
	for _, args := range [][]string{{}, {"zone7", "zone8"}, {"zone7", "--var", "image"}, {"zone7", "--timeout", "0s"}} {
		cmd := setup.NewCmdSetup(f, func(context.Context, *setup.Options) error { return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// academy setup on the real daemon: it says what it made, then that it
// changed nothing; over another image it exits 1 and changes nothing.
func TestSetupCommand(t *testing.T) {
	l := testlab.New(t)
	l.SweepLater()
	app := l.Name("my-app:v1")
	code, out, errOut := run(t, "", "setup", "zone7", "--var", "image="+app)
	if code != 0 || !strings.Contains(out, app+" made (") || !strings.Contains(out, "Ready. To see what is left to do: academy check zone7 --var image="+app) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	id := l.ID(app)
	code, out, _ = run(t, "", "setup", "zone7", "--var", "image="+app)
	if code != 0 || !strings.Contains(out, app+" is academy's image already ("+strings.TrimPrefix(id, "sha256:")[:12]+"): unchanged") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}

	l.Build(app, "the learner's own")
	code, _, errOut = run(t, "", "setup", "zone7", "--var", "image="+app)
	if code != 1 || !strings.Contains(errOut, "is already the name of another image") || !strings.Contains(errOut, "To replace: academy setup zone7 --var image="+app+" --force\n") {
		t.Errorf("over another image: exit %d, stderr %q", code, errOut)
	}
	mine := l.ID(app)
	code, out, _ = run(t, "", "setup", "zone7", "--var", "image="+app, "--force")
	if code != 0 || !strings.Contains(out, "replacing") || l.ID(app) != id {
		t.Errorf("--force: exit %d\n%s", code, out)
	}
	// The learner's image had no other name: it is still there, untagged.
	short := strings.TrimPrefix(mine, "sha256:")[:12]
	if want := "replacing " + short + ", which has no name left: docker images lists it as <none>, and docker rmi " + short + " removes it"; !strings.Contains(out, want) {
		t.Errorf("--force over an image with no other name: want %q in\n%s", want, out)
	}
	l.Untag(mine) // as the learner was told
}

// academy reset lists, refuses to remove without a terminal or --yes, and
// with --yes removes what it listed.
func TestResetCommand(t *testing.T) {
	l := testlab.New(t)
	l.SweepLater()
	app, repo := l.Name("my-app:v1"), l.Name("cloudcorp/my-app")
	vars := []string{"--var", "image=" + app, "--var", "repo=" + repo}
	if code, out, errOut := run(t, "", append([]string{"setup", "zone7"}, vars...)...); code != 0 {
		t.Fatalf("setup: %d %s %s", code, out, errOut)
	}
	l.Tag(app, repo+":latest")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "my-app.tar"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"reset", "zone7", "-C", dir}, vars...)

	code, out, _ := run(t, "", append(args, "--dry-run")...)
	if code != 0 || !strings.Contains(out, "Reset of the mission zone7 would remove:") || !strings.Contains(out, repo+":latest → ") ||
		!strings.Contains(out, "my-app.tar (1 B)") || !strings.Contains(out, "Nothing was removed (--dry-run)") {
		t.Errorf("--dry-run: exit %d\n%s", code, out)
	}
	code, _, errOut := run(t, "y\n", args...)
	if code != 2 || !strings.Contains(errOut, "pass --yes to remove these 2") {
		t.Errorf("no terminal, no --yes: exit %d, stderr %q", code, errOut)
	}
	if l.ID(repo+":latest") == "" {
		t.Error("a refused reset removed something")
	}
	code, out, errOut = run(t, "", append(args, "--yes")...)
	if code != 0 || !strings.Contains(out, "Removed 2 of 2.") {
		t.Errorf("--yes: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "my-app.tar")); !os.IsNotExist(err) {
		t.Errorf("my-app.tar is still there: %v", err)
	}
	code, out, _ = run(t, "", append(args, "--yes")...)
	if code != 0 || !strings.Contains(out, "Nothing to reset") {
		t.Errorf("again: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "", "reset", "zone7", "nope", "-C", dir); code != 2 || !strings.Contains(errOut, `no objective "nope"`) {
		t.Errorf("unknown objective: exit %d, %q", code, errOut)
	}

	// A name set-up makes, now another image: left alone, saying how to
	// remove it. Academy's image, left with no name, goes now.
	academys := l.ID(app)
	l.Build(app, "the learner's own")
	l.Untag(academys)
	code, out, _ = run(t, "", append(args, "--all", "--dry-run")...)
	if want := "Left alone: tag " + app + " — set-up makes this name, but it now holds another image ("; code != 0 || !strings.Contains(out, want) ||
		!strings.Contains(out, "docker rmi "+app) {
		t.Errorf("--all over another image: exit %d, want %q in\n%s", code, want, out)
	}
	// What the mission starts from is gone: reset says how to bring it
	// back, with the learner's flags.
	l.Untag(app)
	code, out, _ = run(t, "", append(args, "--yes")...)
	if want := "The starting state is not all here (" + app + " is gone): academy setup zone7 --var image=" + app + " --var repo=" + repo + " brings it back."; code != 0 || !strings.Contains(out, want) {
		t.Errorf("starting state gone: exit %d, want %q in\n%s", code, want, out)
	}
}

// academy mission test: exit 2 for what cannot be tested, before the
// daemon is touched; 1 naming the objective that misbehaves.
func TestMissionTestCommand(t *testing.T) {
	testdocker.Require(t)
	dir := t.TempDir()
	write := func(id, solution, check string) {
		doc := `apiVersion: academy/v1
id: ` + id + `
title: T
vars: {image: my-app:v1}
setup:
  images:
    - {ref: "{{.image}}", from: builtin}
objectives:
  - id: one
    title: One
    solution: "` + solution + `"
    checks:
      - ` + check + "\n"
		if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("piped", "docker save {{.image}} | gzip > x.tgz", `image: {ref: "{{.image}}"}`)
	write("literal", "docker tag {{.image}} nginx", `image: {ref: nginx, sameAs: "{{.image}}"}`)
	write("already", "docker image inspect {{.image}}", `image: {ref: "{{.image}}"}`)

	code, _, errOut := run(t, "", "mission", "test", "--missions", dir, "piped")
	if code != 2 || !strings.Contains(errOut, "objective one: its solution uses |") {
		t.Errorf("piped: exit %d, %q", code, errOut)
	}
	code, _, errOut = run(t, "", "mission", "test", "--missions", dir, "literal")
	if code != 2 || !strings.Contains(errOut, "names nginx, which no variable makes") {
		t.Errorf("literal: exit %d, %q", code, errOut)
	}
	code, out, errOut := run(t, "", "mission", "test", "--missions", dir, "already")
	if code != 1 || !strings.Contains(errOut, "objective one passes on a fresh lab") || !strings.Contains(out, "Clean-up:") {
		t.Errorf("already: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, "", "mission", "test", "zone99"); code != 2 {
		t.Errorf("unknown mission: exit %d", code)
	}
}
