package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/class"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/report"
)

// runClass checks every host of a class and writes one report of them all.
// The exit code is that of the worst host: 3 when one could not be checked,
// 1 when one failed (below --min-score), 0 when all passed.
func runClass(ctx context.Context, opts *Options, p *check.Plan) error {
	rs, err := class.Check(ctx, p, opts.Objectives, opts.Hosts, class.Options{
		Open: func(h class.Host) (class.Daemon, error) {
			return opts.OpenDaemon(dockerstate.Options{Host: h.Endpoint, HostSource: "the class's list of hosts", Timeout: opts.Timeout})
		},
		Concurrency: opts.Concurrency,
		HostTimeout: hostTimeout(opts.Timeout),
		Dir:         opts.Dir,
		Answers:     opts.Answers,
		FileTimeout: opts.Timeout,
	})
	if err != nil {
		return err
	}
	if err := writeClassReports(ctx, opts, rs); err != nil {
		return err
	}
	failed, errored := 0, 0
	for _, r := range rs {
		switch r.Status() {
		case check.Error:
			errored++
		case check.Fail:
			if earned, _ := r.Score(); opts.MinScore < 0 || earned < opts.MinScore {
				failed++
			}
		}
	}
	switch {
	case errored > 0:
		return &cmdutil.DaemonError{Err: fmt.Errorf("%d of %d hosts could not be checked", errored, len(rs))}
	case failed > 0:
		return cmdutil.ErrFailed
	}
	return nil
}

// hostTimeout bounds one host of a class: its requests run a few round
// trips, each bounded by --timeout.
func hostTimeout(request time.Duration) time.Duration { return 3 * request }

// writeClassReports renders every requested output of a class.
func writeClassReports(ctx context.Context, opts *Options, rs []*check.Result) error {
	return render(ctx, opts, func(r report.Renderer, w io.Writer, o report.Options) error { return r.RenderMulti(w, rs, o) }, false)
}

// classHosts reads the endpoints of a class from --hosts FILE or several
// -H; none when one endpoint is checked.
func classHosts(ctx context.Context, streams *cmdutil.IOStreams, file, contextName string, endpoints []string) ([]class.Host, error) {
	switch {
	case (file != "" || len(endpoints) > 1) && contextName != "":
		return nil, cmdutil.Usagef("--context names one endpoint; a class is given by --hosts or several -H")
	case file != "" && len(endpoints) > 0:
		return nil, cmdutil.Usagef("--hosts and --host cannot be used together: put every endpoint in %s", file)
	case file != "":
		var r io.Reader
		if file == "-" {
			if streams.InTTY {
				return nil, cmdutil.Usagef("--hosts -: standard input is a terminal; pipe the hosts in, or name a file")
			}
			// A pipe that never sends must not hold academy past Ctrl-C.
			r = ctxReader{ctx: ctx, r: streams.In}
		} else {
			f, err := openRegular(file)
			if err != nil {
				return nil, cmdutil.Usagef("--hosts %s: %v", file, err)
			}
			defer f.Close()
			r = f
		}
		hosts, err := class.ParseHosts(file, r)
		if err != nil {
			return nil, &cmdutil.UsageError{Err: err}
		}
		return hosts, nil
	case len(endpoints) > 1:
		hosts, err := class.FromEndpoints(endpoints)
		if err != nil {
			return nil, &cmdutil.UsageError{Err: err}
		}
		return hosts, nil
	}
	return nil, nil
}

// openRegular opens a file that must be a regular one: a FIFO would make
// the open wait for a writer.
func openRegular(name string) (*os.File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return os.Open(name)
}

// ctxReader reads r, giving up when ctx ends: a read from a pipe cannot be
// interrupted, so it is left to finish on its own.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if c.ctx == nil {
		return c.r.Read(p)
	}
	type result struct {
		n   int
		err error
	}
	buf := make([]byte, len(p))
	done := make(chan result, 1)
	go func() {
		n, err := c.r.Read(buf)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		copy(p, buf[:r.n])
		return r.n, r.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}
