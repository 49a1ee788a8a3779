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

func run(t *testing.T, open func(dockerstate.Options) (*dockerstate.Daemon, error), args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	f := &cmdutil.Factory{IOStreams: &cmdutil.IOStreams{Out: &out, ErrOut: &out}, OpenDaemon: open}
	cmd := NewCmdDoctor(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), cmdutil.ExitCode(err)
}

func TestDoctor(t *testing.T) {
	for _, profile := range []string{fakeengine.Docker2010, fakeengine.Docker29Containerd, fakeengine.Podman43} {
		t.Run(profile, func(t *testing.T) {
			e := fakeengine.Start(t, profile)
			e.Register("GET", "/info", e.Recorded("info.json"))
			out, code := run(t, func(o dockerstate.Options) (*dockerstate.Daemon, error) {
				o.Host, o.HTTPClient = e.Host(), e.Client()
				return dockerstate.Open(o)
			})
			if code != 0 || !strings.Contains(out, "OK   daemon") || !strings.Contains(out, "image store") {
				t.Errorf("exit %d:\n%s", code, out)
			}
			if profile == fakeengine.Podman43 && !strings.Contains(out, "podman") {
				t.Errorf("Podman is not named:\n%s", out)
			}
		})
	}
}

func TestDoctorNamesTheFix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	out, code := run(t, dockerstate.Open, "-H", "unix://"+sock)
	if code != cmdutil.ExitDaemon || !strings.Contains(out, "FAIL socket") || !strings.Contains(out, "fix: start the daemon") {
		t.Errorf("missing socket: exit %d:\n%s", code, out)
	}
	out, code = run(t, dockerstate.Open, "-H", "ftp://example")
	if code != cmdutil.ExitUsage || !strings.Contains(out, "FAIL endpoint") || !strings.Contains(out, "fix: use unix://") {
		t.Errorf("bad scheme: exit %d:\n%s", code, out)
	}
}
