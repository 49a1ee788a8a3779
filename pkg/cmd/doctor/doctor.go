package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/report"
)

// Options are everything `academy doctor` needs.
type Options struct {
	IO         *cmdutil.IOStreams
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)
	Host       string
	Context    string
	Timeout    time.Duration
	// DefaultHost is the platform's own endpoint, tried when the one
	// chosen does not answer: a DOCKER_HOST left from another daemon is
	// a common reason.
	DefaultHost string
}

// platformHost is the endpoint the docker CLI uses when nothing names one.
func platformHost() string {
	if runtime.GOOS == "windows" {
		return "npipe:////./pipe/docker_engine"
	}
	return "unix://" + systemSocket
}

// systemSocket is the system daemon's socket, which systemd starts.
const systemSocket = "/var/run/docker.sock"

// NewCmdDoctor returns the doctor command. runF replaces the run function in
// tests of flag parsing.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, OpenDaemon: f.OpenDaemon, DefaultHost: platformHost()}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Say which Docker daemon academy talks to, and advise on what stands in the way",
		Long: `Doctor says which Docker endpoint academy talks to and why (a flag, the
environment, a docker context, or the default), whether the daemon answers,
its engine, version, Engine API and image store, and for each problem found,
what you can do about it. Doctor only looks and advises: it changes nothing.

Exit codes: 0 the daemon answers, 2 the endpoint is misconfigured, 3 the
daemon cannot be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Timeout <= 0 {
				return cmdutil.Usagef("--timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Host, "host", "H", "", "Docker endpoint `URL` to examine (default: as the docker CLI resolves it)")
	cmd.Flags().StringVar(&opts.Context, "context", "", "the docker CLI context `NAME` to examine")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", dockerstate.DefaultTimeout, "limit for each Engine API request")
	return cmd
}

// finding is one line of the diagnosis.
type finding struct {
	ok    bool
	warn  bool
	topic string
	says  string
	fix   string
}

// Run examines the endpoint and prints what it found.
func Run(ctx context.Context, opts *Options) error {
	var found []finding
	defer func() { print(opts.IO, found) }()

	d, err := opts.OpenDaemon(dockerstate.Options{Host: opts.Host, Context: opts.Context, Timeout: opts.Timeout})
	if err != nil {
		f := finding{topic: "endpoint", says: err.Error()}
		var ce *dockerstate.ConfigError
		if errors.As(err, &ce) {
			f.says, f.fix = fmt.Sprintf("%s: %v", ce.Source, ce.Err), ce.Hint
		}
		found = append(found, f)
		return &cmdutil.ShownError{Err: &cmdutil.UsageError{Err: err}}
	}
	defer d.Close()
	t := d.Target()
	found = append(found, finding{ok: true, topic: "endpoint", says: fmt.Sprintf("%s (from %s)", t.Host, t.Source)})
	for _, w := range t.Warnings {
		found = append(found, finding{warn: true, topic: "endpoint", says: w})
	}
	if path, isUnix := strings.CutPrefix(t.Host, "unix://"); isUnix {
		found = append(found, socket(path))
	}

	info, err := d.Info(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := finding{topic: "daemon", says: err.Error()}
		var re *dockerstate.RequestError
		if errors.As(err, &re) {
			f.says, f.fix = fmt.Sprintf("no answer from %s: %v", re.Host, re.Err), re.Hint
		}
		found = append(found, f)
		if alt, ok := defaultAnswers(ctx, opts, t); ok {
			found = append(found, alt)
		}
		return &cmdutil.ShownError{Err: &cmdutil.DaemonError{Err: err}}
	}
	e := info.Endpoint
	engine := e.Engine
	if engine == "" {
		engine = "an engine that did not say its name"
	}
	found = append(found, finding{ok: true, topic: "daemon", says: fmt.Sprintf("%s %s answers, Engine API %s", engine, e.ServerVersion, e.APIVersion)})
	store := e.ImageStore
	if info.StorageDriver != "" {
		store += " (" + info.StorageDriver + ")"
	}
	found = append(found, finding{ok: true, topic: "image store", says: store})
	if info.OSType != "" {
		found = append(found, finding{ok: true, topic: "platform", says: info.OSType + "/" + goArch(info.Architecture) + ", " + info.OperatingSystem})
	}
	for _, w := range info.Warnings {
		found = append(found, finding{warn: true, topic: "daemon", says: w})
	}
	return nil
}

// defaultAnswers tries the platform's own endpoint when the one chosen
// (by a flag, DOCKER_HOST or a context) does not answer: a DOCKER_HOST left
// from a daemon started by hand, under /tmp, is a common reason. When it
// answers, the finding says so and how to use it.
func defaultAnswers(ctx context.Context, opts *Options, t dockerstate.Target) (finding, bool) {
	if t.Source == dockerstate.DefaultContext || opts.DefaultHost == "" || t.Host == opts.DefaultHost {
		return finding{}, false
	}
	d, err := opts.OpenDaemon(dockerstate.Options{Host: opts.DefaultHost, HostSource: dockerstate.DefaultContext, Timeout: opts.Timeout})
	if err != nil {
		return finding{}, false
	}
	defer d.Close()
	info, err := d.Info(ctx)
	if err != nil {
		return finding{}, false
	}
	f := finding{warn: true, topic: "daemon",
		says: fmt.Sprintf("the default endpoint, %s, answers (%s %s)", opts.DefaultHost, engineName(info.Endpoint.Engine), info.Endpoint.ServerVersion)}
	switch {
	case t.Source == "DOCKER_HOST":
		f.fix = "if that is the daemon you mean, unset DOCKER_HOST (it names " + t.Host + ")"
	case strings.HasPrefix(t.Source, "--host"):
		f.fix = "if that is the daemon you mean, leave out --host"
	default:
		f.fix = "if that is the daemon you mean, docker context use default"
	}
	return f, true
}

// engineName is how people write the engine's name.
func engineName(engine string) string {
	switch engine {
	case "docker":
		return "Docker"
	case "podman":
		return "Podman"
	case "":
		return "an engine"
	}
	return engine
}

// goArch names an architecture as Docker does (docker version, image
// platforms): the daemon's info gives the kernel's name, x86_64.
func goArch(arch string) string {
	switch arch {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	case "armv7l", "armv6l":
		return "arm"
	case "i386", "i686":
		return "386"
	}
	return arch
}

// socket says whether the user can use the daemon's unix socket.
func socket(path string) finding {
	f := finding{topic: "socket"}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.says = path + " does not exist"
		f.fix = startFix(path)
		return f
	case err != nil:
		f.says = fmt.Sprintf("%s: %v", path, err)
		return f
	case fi.Mode()&fs.ModeSocket == 0:
		f.says = path + " is not a socket"
		f.fix = "point --host / DOCKER_HOST at the daemon's socket"
		return f
	}
	owner := ownerOf(fi)
	if err := canReadWrite(path); err != nil {
		f.says = fmt.Sprintf("%s (%v%s): you cannot read and write it", path, fi.Mode(), owner)
		f.fix = "add your user to the socket's group (sudo usermod -aG docker $USER, then log in again), or run with sudo"
		return f
	}
	f.ok = true
	f.says = fmt.Sprintf("%s (%v%s): you can read and write it", path, fi.Mode(), owner)
	return f
}

// startFix says how to start the daemon whose socket is missing: systemd
// starts the system's own, and a rootless one under the user's runtime
// folder; any other socket is one a daemon started by hand was told to use.
func startFix(path string) string {
	runtimeDir := os.Getenv("XDG_RUNTIME_DIR")
	switch {
	case path == systemSocket || path == "/run/docker.sock":
		return "start the daemon (sudo systemctl start docker, or start Docker Desktop), or point --host / DOCKER_HOST at the socket it uses"
	case runtimeDir != "" && strings.HasPrefix(path, runtimeDir+"/"):
		return "start rootless Docker (systemctl --user start docker), or point --host / DOCKER_HOST at the socket your daemon uses"
	}
	return "no daemon listens there now: start the one you meant to use, or point --host / DOCKER_HOST at the socket your daemon uses"
}

func print(io *cmdutil.IOStreams, found []finding) {
	color := io.ColorOut()
	mark := func(f finding) string {
		switch {
		case f.ok && color:
			return "\x1b[32m✓\x1b[0m"
		case f.ok:
			return "OK  "
		case f.warn && color:
			return "\x1b[33m!\x1b[0m"
		case f.warn:
			return "WARN"
		case color:
			return "\x1b[31m✗\x1b[0m"
		}
		return "FAIL"
	}
	topicW := 0
	for _, f := range found {
		topicW = max(topicW, len(f.topic))
	}
	markW := len("FAIL")
	if color {
		markW = 1
	}
	width := lesson.Width(io)
	under := strings.Repeat(" ", markW+1+topicW+2)
	var b strings.Builder
	for _, f := range found {
		lead := fmt.Sprintf("%s %-*s  ", mark(f), topicW, f.topic)
		lines := report.Hanging(plainText(f.says), width, under, under+"  ")
		lines[0] = lead + strings.TrimPrefix(lines[0], under)
		b.WriteString(strings.Join(lines, "\n") + "\n")
		if f.fix != "" {
			b.WriteString(lesson.Hang("fix: "+plainText(f.fix), width, under, under+"     ") + "\n")
		}
	}
	fmt.Fprint(io.Out, b.String())
}

// plainText is a string from outside made safe for the terminal, without
// the backticks Markdown would show as code: a terminal shows them as they
// are.
func plainText(s string) string { return strings.ReplaceAll(report.CleanLine(s), "`", "") }
