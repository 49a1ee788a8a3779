package class

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

// DefaultConcurrency is how many hosts are checked at once.
const DefaultConcurrency = 32

// Daemon is one host's daemon connection, as the class needs it.
type Daemon interface {
	check.Daemon
	Close() error
}

// Options say how to check a class.
type Options struct {
	// Open connects to a host's endpoint; it must not dial (the first
	// request does), so a host that is off costs nothing here.
	Open func(h Host) (Daemon, error)
	// Concurrency bounds the hosts checked at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// HostTimeout bounds the whole check of one host.
	HostTimeout time.Duration
	// Dir is where each host's files are looked for; {name} is replaced
	// by the host's name.
	Dir string
	// Answers are the whole class's answers; a host's own win.
	Answers map[string]string
	// FileTimeout bounds the reading of one file of a host's lab.
	FileTimeout time.Duration
}

// Check checks the plan's objectives (those in only, or all) on every host,
// at most Concurrency at once, each within HostTimeout. A host that cannot
// be reached, or does not answer in time, gets a result whose objectives are
// in error, saying why; the others go on. Results are in the hosts' order.
// When ctx ends, Check returns at once with ctx's error.
func Check(ctx context.Context, p *check.Plan, only []string, hosts []Host, opts Options) ([]*check.Result, error) {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	results := make([]*check.Result, len(hosts))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, h := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return nil, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = checkHost(ctx, p, only, h, opts)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// errHostTimeout is the cause of a host's own deadline.
var errHostTimeout = errors.New("the host did not finish in time")

func checkHost(ctx context.Context, p *check.Plan, only []string, h Host, opts Options) *check.Result {
	start := time.Now()
	endpoint := dockerstate.Endpoint{Host: h.Endpoint}
	unreachable := func(err error) *check.Result {
		r := check.Unreachable(p, only, endpoint, err)
		r.Host, r.Duration = h.Name, time.Since(start)
		return r
	}
	if opts.HostTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.HostTimeout, errHostTimeout)
		defer cancel()
	}
	d, err := opts.Open(h)
	if err != nil {
		return unreachable(err)
	}
	defer d.Close()
	answers := make(map[string]string, len(opts.Answers)+len(h.Answers))
	for k, v := range opts.Answers {
		answers[k] = v
	}
	for k, v := range h.Answers {
		answers[k] = v
	}
	runner := &check.Runner{Daemon: d, Dir: ExpandDir(opts.Dir, h), Answers: answers, FileTimeout: opts.FileTimeout}
	res, err := runner.Run(ctx, p, only)
	if errors.Is(context.Cause(ctx), errHostTimeout) {
		return unreachable(fmt.Errorf("docker daemon at %s: %w (%s)", h.Endpoint, errHostTimeout, opts.HostTimeout))
	}
	if err != nil {
		return unreachable(err)
	}
	res.Host = h.Name
	return res
}
