package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

func testdata(name string) string { return filepath.Join("..", "..", "dockerstate", "testdata", name) }

// newFactory returns a factory whose daemon is the fake engine and whose
// streams are buffers.
func newFactory(e *fakeengine.Engine, in string, tty bool) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		IOStreams: &cmdutil.IOStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut, InTTY: tty, ErrTTY: tty},
		OpenDaemon: func(o dockerstate.Options) (*dockerstate.Daemon, error) {
			o.Host, o.HTTPClient = e.Host(), e.Client()
			return dockerstate.Open(o)
		},
	}
	return f, &out, &errOut
}

func runCheck(t *testing.T, f *cmdutil.Factory, args ...string) error {
	t.Helper()
	cmd := NewCmdCheck(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	return cmd.ExecuteContext(context.Background())
}

// On Podman (API 1.44, fully qualified names, several RepoDigests) the
// digest objective passes with the short form docker inspect would print.
func TestDigestOnPodmanShape(t *testing.T) {
	e := fakeengine.New(t, "1.44")
	e.Register("GET", "/info", fakeengine.File(t, testdata("info-1.44-podman.json")))
	e.Register("GET", "/images/nginx/json", fakeengine.File(t, testdata("image-1.44-podman.json")))
	f, out, _ := newFactory(e, "", false)

	err := runCheck(t, f, "zone7", "digest", "-o", "json",
		"--answer", "digest=nginx@sha256:e1d0c9b8a7f6b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2")
	if err != nil {
		t.Fatalf("err = %v; report %s", err, out)
	}
	var rep struct {
		Passed   bool
		Endpoint struct{ APIVersion, ImageStore string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Passed || rep.Endpoint.APIVersion != "1.44" {
		t.Errorf("report %s", out)
	}
}

// A daemon that breaks mid-run: the report is still written, the failing
// check has status error, and the error makes the exit code 3.
func TestDaemonErrorMidRun(t *testing.T) {
	e := fakeengine.New(t, "1.52")
	e.Register("GET", "/info", fakeengine.File(t, testdata("info-1.52-containerd.json")))
	e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusInternalServerError, "containerd: connection reset"))
	f, out, _ := newFactory(e, "", false)

	err := runCheck(t, f, "zone7", "digest", "-o", "json", "--answer", "digest=nginx@sha256:"+strings.Repeat("a", 64))
	var de *cmdutil.DaemonError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v (%T), want a *cmdutil.DaemonError", err, err)
	}
	if !strings.Contains(out.String(), `"status":"error"`) || !strings.Contains(out.String(), `"imageStore":"containerd"`) {
		t.Errorf("report %s", out)
	}
}

// On a terminal, a missing answer is asked for on stderr and read from stdin.
func TestPromptsForTheAnswerOnATerminal(t *testing.T) {
	e := fakeengine.New(t, "1.52")
	e.Register("GET", "/info", fakeengine.File(t, testdata("info-1.52-containerd.json")))
	e.Register("GET", "/images/nginx/json", fakeengine.File(t, testdata("image-1.52-containerd.json")))
	f, out, errOut := newFactory(e, "  nginx@sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6\n", true)

	if err := runCheck(t, f, "zone7", "digest"); err != nil {
		t.Fatalf("err = %v; stdout %s", err, out)
	}
	if !strings.Contains(errOut.String(), "The digest of nginx") {
		t.Errorf("no prompt on stderr: %q", errOut)
	}
}

// Reports to files are whole and readable by others (graders run as other
// users); stdout gets the one format without a file.
func TestOutputsToFiles(t *testing.T) {
	e := fakeengine.New(t, "1.41")
	e.Register("GET", "/info", fakeengine.File(t, testdata("info-1.41-overlay2.json")))
	e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusNotFound, "No such image: nginx:latest"))
	f, out, _ := newFactory(e, "", false)
	dir := t.TempDir()

	err := runCheck(t, f, "zone7", "digest", "-o", "json="+filepath.Join(dir, "grade.json"), "-o", "junit="+filepath.Join(dir, "report.xml"), "-o", "tap")
	if !errors.Is(err, cmdutil.ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed (nginx is missing)", err)
	}
	for _, name := range []string{"grade.json", "report.xml"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v, mode %v", name, err, fi.Mode())
		}
	}
	if !strings.HasPrefix(out.String(), "TAP version 13") {
		t.Errorf("stdout = %q, want TAP", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestParseOutputs(t *testing.T) {
	tests := []struct {
		in      []string
		want    []Output
		wantErr string
	}{
		{nil, []Output{{Format: "text"}}, ""},
		{[]string{"json"}, []Output{{Format: "json"}}, ""},
		{[]string{"junit=r.xml", "json"}, []Output{{Format: "junit", File: "r.xml"}, {Format: "json"}}, ""},
		{[]string{"json=-"}, []Output{{Format: "json"}}, ""},
		{[]string{"json", "text"}, nil, "at most one -o format can go to stdout"},
		{[]string{"xml=r.xml"}, nil, `unknown output format "xml"`},
	}
	for _, tt := range tests {
		got, err := parseOutputs(tt.in)
		if tt.wantErr != "" {
			var ue *cmdutil.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseOutputs(%q) err = %v, want a usage error %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("parseOutputs(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseOutputs(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}
