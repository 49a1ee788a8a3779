package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
	"github.com/academy-dev/academy/pkg/report"
)

// appImage is an image carrying zone7's three names, as Docker 20.10 answers.
const appImage = `{"Id":"sha256:9a2e6c6e2b0fd1d3e4c5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f9012345",
"RepoTags":["cloudcorp/my-app:1.0.0","cloudcorp/my-app:latest","my-app:v1"],"RepoDigests":[],
"Os":"linux","Architecture":"amd64","Config":{}}`

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
		MissionDirs: nil,
	}
	return f, &out, &errOut
}

func runCheck(t *testing.T, f *cmdutil.Factory, args ...string) error {
	t.Helper()
	cmd := NewCmdCheck(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	return cmd.ExecuteContext(context.Background())
}

// On Podman (API 1.44, fully qualified names, several RepoDigests) the
// digest objective passes with the short form docker inspect would print.
func TestDigestOnPodmanShape(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Podman58)
	e.Register("GET", "/images/nginx/json", e.Recorded("image-nginx.json"))
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
	e := fakeengine.Start(t, fakeengine.Docker29Containerd)
	e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusInternalServerError, "containerd: connection reset"))
	f, out, _ := newFactory(e, "", false)

	err := runCheck(t, f, "zone7", "digest", "-o", "json", "--answer", "digest=nginx@sha256:"+strings.Repeat("a", 64))
	var de *cmdutil.DaemonError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v (%T), want a *cmdutil.DaemonError", err, err)
	}
	if !strings.Contains(out.String(), `"status":"error"`) || !strings.Contains(out.String(), `"serverVersion":"29.1.3"`) {
		t.Errorf("report %s", out)
	}
}

// On a terminal, a missing answer is asked for on stderr and read from stdin.
func TestPromptsForTheAnswerOnATerminal(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker29Containerd)
	e.Register("GET", "/images/nginx/json", e.Recorded("image-nginx.json"))
	f, out, errOut := newFactory(e, "  nginx@sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6\n", true)

	if err := runCheck(t, f, "zone7", "digest"); err != nil {
		t.Fatalf("err = %v; stdout %s", err, out)
	}
	if !strings.Contains(errOut.String(), "paste the digest of nginx") {
		t.Errorf("no prompt on stderr: %q", errOut)
	}
}

// Reports to files are whole, and as readable as any new 0644 file under
// the umask (by others, under the usual 022: graders run as other users);
// stdout gets the one format without a file.
func TestOutputsToFiles(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusNotFound, "No such image: nginx:latest"))
	e.Register("GET", "/images/json", fakeengine.JSON([]byte("[]"))) // near misses of nginx
	f, out, _ := newFactory(e, "", false)
	dir := t.TempDir()

	err := runCheck(t, f, "zone7", "digest", "-o", "json="+filepath.Join(dir, "grade.json"), "-o", "junit="+filepath.Join(dir, "report.xml"), "-o", "tap")
	if !errors.Is(err, cmdutil.ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed (nginx is missing)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	ref := filepath.Join(dir, "reference")
	rf, err := os.OpenFile(ref, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	rf.Close()
	want, err := os.Stat(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"grade.json", "report.xml"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != want.Mode().Perm() {
			t.Errorf("%s: %v, mode %v, want %v", name, err, fi.Mode(), want.Mode())
		}
	}
	if !strings.HasPrefix(out.String(), "TAP version 13") {
		t.Errorf("stdout = %q, want TAP", out)
	}
}

// Mistakes in flags and variables are usage errors found before the daemon
// is asked anything: the engine below has no stub, so any request would be
// answered 404 and show up in Requests.
func TestUsageErrorsBeforeTheDaemon(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "my-app.tar")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// dl links to the folder real: dl/r.out and real/r.out are one file.
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "dl")); err != nil {
		t.Fatal(err)
	}
	twice := filepath.Join(dir, "class.txt")
	if err := os.WriteFile(twice, []byte("pc1 tcp://pc7:2375\npc2 tcp://PC7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		// A --var's mistake is the learner's, in their words, on one line.
		{"empty variable", []string{"--var", "image="}, "--var image=: the value is empty — give one, or leave the flag out for the mission's own (image=my-app:v1)"},
		{"invalid reference", []string{"--var", "image=My-App:v1"}, "--var image=My-App:v1: image names are lowercase (my-app:v1)"},
		{"empty repo", []string{"--var", "repo="}, "--var repo=: the value is empty"},
		{"repo with a tag", []string{"--var", "repo=shop/app:v2"}, `--var repo=shop/app:v2: the mission makes it "shop/app:v2:latest", which is not a valid image reference`},
		{"a name docker refuses", []string{"--var", "image=my app"}, "--var image=my app: not a valid image reference: expected NAME[:TAG] such as my-app:v1"},
		{"unknown variable", []string{"--var", "imgae=x"}, `mission zone7 has no variable "imgae"`},
		{"archive outside the folder", []string{"--var", "archive=../x.tar"}, `--var archive=../x.tar: must name a file inside the lab's folder`},
		{"answer with a typo", []string{"--answer", "digets=x"}, "--answer digets: no objective checked here asks for that answer (objectives that do: digest)"},
		{"answer no selected objective asks for", []string{"multi-tag", "--answer", "digest=x"}, "--answer digest: no objective checked here asks for an answer"},
		{"the same host twice", []string{"-H", "unix:///a.sock", "-H", "unix:///a.sock"}, "--host unix:///a.sock is given twice"},
		{"the same daemon spelt twice", []string{"-H", "unix:///a.sock", "-H", "unix:///nowhere/../a.sock"}, "--host unix:///a.sock and --host unix:///nowhere/../a.sock are the same daemon"},
		{"the same daemon twice in a hosts file", []string{"--hosts", twice}, "the endpoint tcp://PC7 is the daemon of line 1, spelt tcp://pc7:2375 there"},
		{"hosts and host", []string{"--hosts", file, "-H", "unix:///a.sock"}, "--hosts and --host cannot be used together"},
		{"hosts file is not one", []string{"--hosts", dir}, "not a regular file"},
		{"missing folder", []string{"-C", filepath.Join(dir, "nope")}, "no such folder"},
		{"folder is a file", []string{"-C", file}, "is a file, not a folder"},
		{"one file for two reports", []string{"-o", "json=" + file, "-o", "junit=" + file}, "already the file of another report"},
		{"one new file through a linked folder", []string{"-o", "json=" + filepath.Join(dir, "dl", "r.out"), "-o", "junit=" + filepath.Join(dir, "real", "r.out")}, "already the file of another report"},
		{"unknown objective", []string{"multi-tga"}, `mission zone7 has no objective "multi-tga" — did you mean multi-tag? (it has: multi-tag, digest, export)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, fakeengine.Docker2010)
			f, _, _ := newFactory(e, "", false)
			args := append([]string{"zone7"}, tt.args...)
			if tt.args[0] == "multi-tag" || tt.args[0] == "multi-tga" {
				args = append([]string{"zone7"}, tt.args...)
			}
			err := runCheck(t, f, args...)
			if got := cmdutil.ExitCode(err); got != cmdutil.ExitUsage {
				t.Errorf("exit %d (%v), want %d", got, err, cmdutil.ExitUsage)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %s", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "mission lint") || strings.Contains(err.Error(), ".yaml")) {
				t.Errorf("err = %v: a learner's mistake, told as the mission author's", err)
			}
			if reqs := e.Requests(); len(reqs) > 0 {
				t.Errorf("the daemon was asked %v before the usage error", reqs)
			}
		})
	}
}

// When the daemon cannot be reached, every report file asked for is still
// written, saying why, and the exit code is 3.
func TestReportFilesWhenTheDaemonIsDown(t *testing.T) {
	dir := t.TempDir()
	f, out, _ := newFactory(nil, "", false)
	f.OpenDaemon = func(o dockerstate.Options) (*dockerstate.Daemon, error) {
		o.Host = "unix://" + filepath.Join(dir, "no.sock")
		return dockerstate.Open(o)
	}
	grade, junit := filepath.Join(dir, "grade.json"), filepath.Join(dir, "report.xml")
	err := runCheck(t, f, "zone7", "-o", "json="+grade, "-o", "junit="+junit, "-o", "text")
	if got := cmdutil.ExitCode(err); got != cmdutil.ExitDaemon {
		t.Fatalf("exit %d (%v), want 3", got, err)
	}
	var rep report.JSONReport
	b, rerr := os.ReadFile(grade)
	if rerr != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("grade.json: %v %s", rerr, b)
	}
	if rep.Passed || len(rep.Objectives) != 3 || rep.Objectives[0].Status != "error" ||
		!strings.Contains(rep.Objectives[0].Checks[0].Message, "no such socket") {
		t.Errorf("grade.json = %s", b)
	}
	if x, _ := os.ReadFile(junit); !strings.Contains(string(x), `errors="3"`) {
		t.Errorf("report.xml = %s", x)
	}
	if out.Len() != 0 {
		t.Errorf("the text report was printed though nothing was checked: %q", out)
	}
}

// Ctrl-C while academy waits at the answer prompt ends the run at once,
// without waiting for Enter.
func TestInterruptAtThePrompt(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/images/nginx/json", fakeengine.JSON([]byte(`{"Id":"sha256:`+strings.Repeat("1", 64)+`",
"RepoTags":["nginx:latest"],"RepoDigests":["nginx@sha256:`+strings.Repeat("2", 64)+`"],"Config":{}}`)))
	never, w := io.Pipe()
	defer w.Close()
	f, _, _ := newFactory(e, "", true)
	f.IOStreams.In = never
	errOut := &lockedBuffer{}
	f.IOStreams.ErrOut = errOut
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := NewCmdCheck(f, nil)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		cmd.SetArgs([]string{"zone7", "digest"})
		done <- cmd.ExecuteContext(ctx)
	}()
	// Wait until the prompt is shown, then interrupt.
	deadline := time.After(5 * time.Second)
	for !strings.Contains(errOut.String(), "press Enter to skip") {
		select {
		case <-deadline:
			t.Fatalf("no prompt: %q", errOut)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting for the answer after Ctrl-C")
	}
}

// lockedBuffer is a buffer written by a command and read by the test at the
// same time.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// --min-score turns a failed run whose score reaches N into exit 0; below
// N it stays a failure.
func TestMinScore(t *testing.T) {
	for _, tt := range []struct {
		min  string
		want int
	}{{"0", cmdutil.ExitOK}, {"1", cmdutil.ExitFailed}} {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusNotFound, "No such image: nginx:latest"))
		e.Register("GET", "/images/json", fakeengine.JSON([]byte("[]"))) // near misses of nginx
		f, _, _ := newFactory(e, "", false)
		err := runCheck(t, f, "zone7", "digest", "-o", "json", "--min-score", tt.min)
		if got := cmdutil.ExitCode(err); got != tt.want {
			t.Errorf("--min-score %s: exit %d (%v), want %d", tt.min, got, err, tt.want)
		}
	}
}

// A class from a hosts file: one report holding every host, by name, and
// the exit code of the worst host (3: one could not be reached).
func TestClassFromHostsFile(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusNotFound, "No such image: nginx:latest"))
	e.Register("GET", "/images/json", fakeengine.JSON([]byte("[]")))
	f, out, _ := newFactory(e, "", false)
	open := f.OpenDaemon
	f.OpenDaemon = func(o dockerstate.Options) (*dockerstate.Daemon, error) {
		if o.Host == "tcp://pc1.fake" {
			return open(o)
		}
		return dockerstate.Open(o)
	}
	dir := t.TempDir()
	hostsFile := filepath.Join(dir, "class.txt")
	if err := os.WriteFile(hostsFile, []byte("# Tuesday\npc1 tcp://pc1.fake\npc2 unix://"+dir+"/off.sock\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runCheck(t, f, "zone7", "digest", "--hosts", hostsFile, "-o", "json")
	if got := cmdutil.ExitCode(err); got != cmdutil.ExitDaemon {
		t.Fatalf("exit %d (%v), want 3", got, err)
	}
	var rep report.JSONHosts
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Passed || len(rep.Hosts) != 2 || rep.Hosts[0].Objectives[0].Status != "fail" || rep.Hosts[1].Objectives[0].Status != "error" {
		t.Errorf("report = %s", out)
	}
	if !strings.Contains(out.String(), "off.sock") {
		t.Errorf("the unreachable host is not named: %s", out)
	}
}

// --wait checks again until everything passes: the tag that appears
// between two checks turns the run into a pass.
func TestWaitUntilItPasses(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	img := fakeengine.JSON([]byte(appImage))
	for range 2 {
		e.Register("GET", "/images/my-app:v1/json", img)
		e.Register("GET", "/images/cloudcorp/my-app:latest/json", img)
	}
	e.Register("GET", "/images/cloudcorp/my-app:1.0.0/json", fakeengine.Error(http.StatusNotFound, "No such image: cloudcorp/my-app:1.0.0"))
	e.Register("GET", "/images/json", fakeengine.JSON([]byte("[]"))) // near misses, looked for once
	e.Register("GET", "/images/cloudcorp/my-app:1.0.0/json", img)
	f, out, _ := newFactory(e, "", false)
	if err := runCheck(t, f, "zone7", "multi-tag", "--wait", "30s", "-o", "json"); err != nil {
		t.Fatalf("err = %v, report %s", err, out)
	}
	if strings.Count(out.String(), "schemaVersion") != 1 || !strings.Contains(out.String(), `"passed":true`) {
		t.Errorf("want one report, of the pass: %s", out)
	}
}

// No question is asked whose answer could not be checked: without nginx,
// the learner is told to pull it, not asked for its digest.
func TestNoPromptWhenTheAnswerCannotBeChecked(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusNotFound, "No such image: nginx:latest"))
	e.Register("GET", "/images/json", fakeengine.JSON([]byte("[]")))
	f, out, errOut := newFactory(e, "", true)
	err := runCheck(t, f, "zone7", "digest")
	if !errors.Is(err, cmdutil.ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed", err)
	}
	if strings.Contains(errOut.String(), "press Enter") {
		t.Errorf("asked for an answer that cannot be checked: %q", errOut)
	}
	if !strings.Contains(out.String(), "docker pull nginx") {
		t.Errorf("report does not say to pull nginx:\n%s", out)
	}
}

// --wait waits for a daemon that comes up late, as a CI job's does: the
// first failed connection is not the last word.
func TestWaitForADaemonThatComesUp(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "late.sock")
	e := fakeengine.Start(t, fakeengine.Docker2010)
	img := fakeengine.JSON([]byte(appImage))
	e.Register("GET", "/images/my-app:v1/json", img)
	e.Register("GET", "/images/cloudcorp/my-app:latest/json", img)
	e.Register("GET", "/images/cloudcorp/my-app:1.0.0/json", img)
	f, out, _ := newFactory(e, "", false)
	up := make(chan struct{})
	opens := 0
	f.OpenDaemon = func(o dockerstate.Options) (*dockerstate.Daemon, error) {
		opens++
		select {
		case <-up:
			o.Host, o.HTTPClient = e.Host(), e.Client()
		default:
			o.Host = "unix://" + sock // nothing listens yet
		}
		return dockerstate.Open(o)
	}
	time.AfterFunc(700*time.Millisecond, func() { close(up) })
	if err := runCheck(t, f, "zone7", "multi-tag", "--wait", "30s", "-o", "json"); err != nil {
		t.Fatalf("err = %v, report %s", err, out)
	}
	if !strings.Contains(out.String(), `"passed":true`) || opens < 2 {
		t.Errorf("opened %d times; report %s", opens, out)
	}
}
