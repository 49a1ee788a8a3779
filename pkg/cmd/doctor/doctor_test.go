package doctor

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

// run runs academy doctor with args; the platform's own endpoint is
// defaultHost, so that no test depends on the daemon of the machine.
func run(t *testing.T, open func(dockerstate.Options) (*dockerstate.Daemon, error), defaultHost string, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	f := &cmdutil.Factory{IOStreams: &cmdutil.IOStreams{Out: &out, ErrOut: &out}, OpenDaemon: open}
	cmd := NewCmdDoctor(f, func(ctx context.Context, o *Options) error {
		o.DefaultHost = defaultHost
		return Run(ctx, o)
	})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), cmdutil.ExitCode(err)
}

// nowhere is an endpoint where no daemon answers.
func nowhere(t *testing.T) string { return "unix://" + filepath.Join(t.TempDir(), "none.sock") }

func TestDoctor(t *testing.T) {
	for _, profile := range []string{fakeengine.Docker2010, fakeengine.Docker29Containerd, fakeengine.Podman43} {
		t.Run(profile, func(t *testing.T) {
			e := fakeengine.Start(t, profile)
			e.Register("GET", "/info", e.Recorded("info.json"))
			out, code := run(t, func(o dockerstate.Options) (*dockerstate.Daemon, error) {
				o.Host, o.HTTPClient = e.Host(), e.Client()
				return dockerstate.Open(o)
			}, nowhere(t))
			if code != 0 || !strings.Contains(out, "OK   daemon") || !strings.Contains(out, "image store") {
				t.Errorf("exit %d:\n%s", code, out)
			}
			if profile == fakeengine.Podman43 && !strings.Contains(out, "podman") {
				t.Errorf("Podman is not named:\n%s", out)
			}
			// Docker says amd64 where the kernel says x86_64.
			if strings.Contains(out, "x86_64") || strings.Contains(out, "aarch64") {
				t.Errorf("the architecture as the kernel names it:\n%s", out)
			}
		})
	}
}

func TestDoctorNamesTheFix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	out, code := run(t, dockerstate.Open, nowhere(t), "-H", "unix://"+sock)
	if code != cmdutil.ExitDaemon || !strings.Contains(out, "FAIL socket") || !strings.Contains(out, "fix: no daemon listens there now") {
		t.Errorf("missing socket: exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "systemctl") || strings.Contains(out, "`") || strings.Contains(out, "default endpoint") {
		t.Errorf("a socket of the user's own: no systemctl, no Markdown, no other daemon that answers:\n%s", out)
	}
	out, code = run(t, dockerstate.Open, nowhere(t), "-H", "ftp://example")
	if code != cmdutil.ExitUsage || !strings.Contains(out, "FAIL endpoint") || !strings.Contains(out, "fix: use unix://") {
		t.Errorf("bad scheme: exit %d:\n%s", code, out)
	}
}

// A DOCKER_HOST or --host where no daemon answers, while the platform's
// own endpoint does: doctor says so, and how to use it.
func TestDoctorNoticesTheDefaultAnswers(t *testing.T) {
	const platform = "unix:///platform/docker.sock"
	stale := nowhere(t)
	for _, tt := range []struct {
		name string
		env  string
		args []string
		fix  string
	}{
		{"DOCKER_HOST", stale, nil, "fix: if that is the daemon you mean, unset DOCKER_HOST (it names " + stale + ")"},
		{"--host", "", []string{"-H", stale}, "fix: if that is the daemon you mean, leave out --host"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, fakeengine.Docker2010)
			e.Register("GET", "/info", e.Recorded("info.json"))
			open := func(o dockerstate.Options) (*dockerstate.Daemon, error) {
				if o.Host == platform {
					o.Host, o.HTTPClient = e.Host(), e.Client()
				}
				return dockerstate.Open(o)
			}
			t.Setenv("DOCKER_HOST", tt.env)
			out, code := run(t, open, platform, tt.args...)
			if code != cmdutil.ExitDaemon || !strings.Contains(out, "WARN daemon    the default endpoint, "+platform+", answers (Docker 20.10") || !strings.Contains(out, tt.fix) {
				t.Errorf("exit %d:\n%s", code, out)
			}
		})
	}
}

func TestStartFix(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	for _, tt := range []struct{ socket, want, not string }{
		{"/var/run/docker.sock", "sudo systemctl start docker", ""},
		{"/run/user/1000/docker.sock", "systemctl --user start docker", "sudo"},
		{"/tmp/d29/docker.sock", "no daemon listens there now", "systemctl"},
	} {
		got := startFix(tt.socket)
		if !strings.Contains(got, tt.want) || (tt.not != "" && strings.Contains(got, tt.not)) {
			t.Errorf("%s: %q", tt.socket, got)
		}
	}
}

// On a terminal, doctor's lines fit its width, each finding's lines under
// its text.
func TestDoctorWraps(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("COLUMNS", "60")
	var out bytes.Buffer
	f := &cmdutil.Factory{IOStreams: &cmdutil.IOStreams{Out: &out, ErrOut: &out, OutTTY: true, NoColor: true}, OpenDaemon: dockerstate.Open}
	cmd := NewCmdDoctor(f, func(ctx context.Context, o *Options) error { o.DefaultHost = ""; return Run(ctx, o) })
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"-H", "unix://" + sock})
	_ = cmd.ExecuteContext(context.Background())
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if len([]rune(l)) > 60 && !strings.Contains(l, sock) {
			t.Errorf("a line of %d columns: %q", len([]rune(l)), l)
		}
		if !strings.HasPrefix(l, "OK ") && !strings.HasPrefix(l, "FAIL ") && !strings.HasPrefix(l, "               ") {
			t.Errorf("a line out of its column: %q\n%s", l, out.String())
		}
	}
}
