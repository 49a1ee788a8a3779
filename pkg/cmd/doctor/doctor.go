package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

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
}

// NewCmdDoctor returns the doctor command. runF replaces the run function in
// tests of flag parsing.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, OpenDaemon: f.OpenDaemon}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Say which Docker daemon academy talks to, and fix what stands in the way",
		Long: `Doctor says which Docker endpoint academy talks to and why (a flag, the
environment, a docker context, or the default), whether the daemon answers,
its engine, version, Engine API and image store, and for each problem found,
what to do about it.

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
		found = append(found, finding{ok: true, topic: "platform", says: info.OSType + "/" + info.Architecture + ", " + info.OperatingSystem})
	}
	for _, w := range info.Warnings {
		found = append(found, finding{warn: true, topic: "daemon", says: w})
	}
	return nil
}

// socket says whether the user can use the daemon's unix socket.
func socket(path string) finding {
	f := finding{topic: "socket"}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f.says = path + " does not exist"
		f.fix = "start the daemon (sudo systemctl start docker, or start Docker Desktop), or point --host / DOCKER_HOST at the socket it uses"
		return f
	case err != nil:
		f.says = fmt.Sprintf("%s: %v", path, err)
		return f
	case fi.Mode()&fs.ModeSocket == 0:
		f.says = path + " is not a socket"
		f.fix = "point --host / DOCKER_HOST at the daemon's socket"
		return f
	}
	owner := ""
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner = fmt.Sprintf(", owner %s, group %s", userName(st.Uid), groupName(st.Gid))
	}
	if err := unix.Access(path, unix.R_OK|unix.W_OK); err != nil {
		f.says = fmt.Sprintf("%s (%v%s): you cannot read and write it", path, fi.Mode(), owner)
		f.fix = "add your user to the socket's group (sudo usermod -aG docker $USER, then log in again), or run with sudo"
		return f
	}
	f.ok = true
	f.says = fmt.Sprintf("%s (%v%s): you can read and write it", path, fi.Mode(), owner)
	return f
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		return u.Username
	}
	return strconv.Itoa(int(uid))
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.Itoa(int(gid))); err == nil {
		return g.Name
	}
	return strconv.Itoa(int(gid))
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
	width := 0
	for _, f := range found {
		width = max(width, len(f.topic))
	}
	for _, f := range found {
		fmt.Fprintf(io.Out, "%s %-*s  %s\n", mark(f), width, f.topic, report.CleanLine(f.says))
		if f.fix != "" {
			pad := strings.Repeat(" ", width+len("FAIL")+3)
			if color {
				pad = strings.Repeat(" ", width+4)
			}
			fmt.Fprintf(io.Out, "%sfix: %s\n", pad, report.CleanLine(f.fix))
		}
	}
}
