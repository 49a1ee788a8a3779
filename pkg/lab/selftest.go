package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// The daemon as mission test needs it.
type (
	// TestDaemon reads everything a check reads, and lists the lab.
	TestDaemon interface {
		Daemon
		Images(ctx context.Context) ([]dockerstate.ImageSummary, error)
		Containers(ctx context.Context) ([]dockerstate.ContainerSummary, error)
	}
	// TestWriter also moves images through a registry.
	TestWriter interface {
		Writer
		Push(ctx context.Context, ref string) error
		Pull(ctx context.Context, ref string) error
	}
)

// DockerCLI is how mission test runs the docker CLI: pointed at the daemon
// academy resolved, never through a shell.
type DockerCLI struct {
	Path string   // the docker executable
	Args []string // before the command's own: --context NAME
	Env  []string // the environment, with DOCKER_HOST when academy used it
}

// CLIFor returns the docker CLI at path pointed at target as academy
// resolved it: a named context by --context, anything else by DOCKER_HOST
// (TLS settings come from the same DOCKER_TLS_VERIFY and DOCKER_CERT_PATH
// academy read). environ is the environment to start from.
func CLIFor(path string, target dockerstate.Target, environ []string) DockerCLI {
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DOCKER_HOST" || k == "DOCKER_CONTEXT" {
			continue
		}
		env = append(env, kv)
	}
	if target.Context != "" && target.Context != dockerstate.DefaultContext {
		return DockerCLI{Path: path, Args: []string{"--context", target.Context}, Env: env}
	}
	return DockerCLI{Path: path, Env: append(env, "DOCKER_HOST="+target.Host)}
}

// TestOptions tune a mission test.
type TestOptions struct {
	// Out receives the test's progress as it happens: every name made,
	// every command run and what it printed, every objective's state.
	Out io.Writer
	// Dir is the lab's folder: where solutions run and files are looked
	// for. The caller makes it (a temporary folder) and removes it.
	Dir string
	// Prefix starts every name the test makes; empty: academy-test- and
	// random hex.
	Prefix string
	// Docker runs the solutions' commands.
	Docker DockerCLI
	// CommandTimeout bounds each command of a solution; 0 means 2 minutes.
	CommandTimeout time.Duration
	// FileTimeout bounds the reading of one of the lab's files by a check.
	FileTimeout time.Duration
}

// Problem is one way the mission misbehaves.
type Problem struct {
	Objective string
	Message   string
}

// TestResult is what a mission test found.
type TestResult struct {
	Renaming *Renaming
	Problems []Problem
	// Removed counts what the clean-up removed.
	Removed struct{ Names, Containers int }
}

// Prepared is a mission ready to be tested: renamed and with its solutions
// parsed, nothing touched yet. Prepare refuses, as a usage error, what
// cannot be tested.
type Prepared struct {
	m         *mission.Mission
	prefix    string
	renaming  *Renaming
	plan      *check.Plan
	solutions map[string][]Command
	registry  *loopbackRegistry
}

// Prepare renames the mission under prefix (random when empty) and parses
// every objective's solution. When a check needs an image from a registry,
// it starts a throwaway one on 127.0.0.1 (Close stops it).
func Prepare(m *mission.Mission, prefix string) (*Prepared, error) {
	if prefix == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		prefix = "academy-test-" + hex.EncodeToString(b)
	}
	base, err := compileWith(m, nil)
	if err != nil {
		return nil, err
	}
	p := &Prepared{m: m, prefix: prefix}
	host := ""
	if len(base.Pulls()) > 0 {
		if p.registry, err = startRegistry(); err != nil {
			return nil, err
		}
		host = p.registry.host
	}
	p.renaming, p.plan, err = Rename(m, prefix, host)
	if err != nil {
		p.Close()
		return nil, err
	}
	p.solutions = map[string][]Command{}
	var errs []error
	for _, o := range p.plan.Objectives {
		cmds, err := ParseSolution(o.ID, o.Solution)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.solutions[o.ID] = cmds
	}
	if len(errs) > 0 {
		p.Close()
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// Renaming is how the mission's names were rewritten.
func (p *Prepared) Renaming() *Renaming { return p.renaming }

// Plan is the mission compiled with its new names.
func (p *Prepared) Plan() *check.Plan { return p.plan }

// Registry is the throwaway registry's host:port, or "".
func (p *Prepared) Registry() string {
	if p.registry == nil {
		return ""
	}
	return p.registry.host
}

// Close stops the throwaway registry.
func (p *Prepared) Close() {
	if p.registry != nil {
		p.registry.close()
	}
}

// Run tests the mission on the daemon: set up, check that every objective
// fails, carry out each objective's solution and check that it passes,
// then check them all together; and remove everything made under the
// prefix, whatever happened (an error, ctx cancelled). Problems are the
// mission's; an error is the daemon's, the docker CLI's or ctx's.
func (p *Prepared) Run(ctx context.Context, d TestDaemon, w TestWriter, opts TestOptions) (res *TestResult, err error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 2 * time.Minute
	}
	res = &TestResult{Renaming: p.renaming}
	defer func() {
		if ctx.Err() != nil {
			fmt.Fprintln(out, "Interrupted: cleaning up")
		}
		names, ctrs, cerr := cleanUp(ctx, d, w, p.renaming)
		res.Removed.Names, res.Removed.Containers = names, ctrs
		fmt.Fprintf(out, "Clean-up: %d %s, %d %s removed\n", names, plural(names, "name", "names"), ctrs, plural(ctrs, "container", "containers"))
		if err == nil && cerr != nil {
			err = fmt.Errorf("cleaning up: %w", cerr)
		}
	}()

	fmt.Fprintln(out, "Set-up")
	sres, err := Setup(ctx, d, w, p.plan.Mission, SetupOptions{})
	if err != nil {
		return res, err
	}
	for _, img := range sres.Images {
		fmt.Fprintf(out, "  %s made (%s)\n", clean(img.Ref), shortID(img.ID))
	}
	if err := p.registryImages(ctx, d, w, sres.Arch, out); err != nil {
		return res, err
	}

	runner := &check.Runner{Daemon: d, Dir: opts.Dir, FileTimeout: opts.FileTimeout}
	fmt.Fprintln(out, "A fresh lab: every objective must fail")
	fresh, err := runner.Run(ctx, p.plan, nil)
	if err != nil {
		return res, err
	}
	for _, o := range fresh.Objectives {
		switch o.Status {
		case check.Fail:
			fmt.Fprintf(out, "  ✓ %s fails\n      %s\n", clean(o.ID), clean(firstMessage(o, check.Fail)))
		case check.Pass:
			fmt.Fprintf(out, "  ✗ %s passes on a fresh lab\n", clean(o.ID))
			res.Problems = append(res.Problems, Problem{o.ID, "passes on a fresh lab, before its solution: its checks do not tell a learner who did nothing from one who did it"})
		default:
			return res, fmt.Errorf("objective %s could not be checked: %s", o.ID, firstMessage(o, check.Error))
		}
	}

	fmt.Fprintln(out, "Each objective's solution")
	answers := map[string]string{}
	for _, o := range p.plan.Objectives {
		fmt.Fprintf(out, "  %s\n", clean(o.ID))
		last, err := p.solve(ctx, o.ID, opts, out)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			fmt.Fprintf(out, "    ✗ %s\n", clean(err.Error()))
			res.Problems = append(res.Problems, Problem{o.ID, "its solution failed: " + err.Error()})
			continue
		}
		if len(p.plan.Questions([]string{o.ID})) > 0 {
			answers[o.ID] = lastLine(last)
			fmt.Fprintf(out, "    answer: %s (the solution's output)\n", clean(answers[o.ID]))
		}
		runner.Answers = answers
		after, err := runner.Run(ctx, p.plan, []string{o.ID})
		if err != nil {
			return res, err
		}
		if r := after.Objectives[0]; r.Status == check.Pass {
			fmt.Fprintln(out, "    ✓ passes")
		} else {
			msg := firstMessage(r, r.Status)
			fmt.Fprintf(out, "    ✗ still fails\n      %s\n", clean(msg))
			res.Problems = append(res.Problems, Problem{o.ID, "fails after its solution: " + msg})
		}
	}

	fmt.Fprintln(out, "All objectives together, after every solution")
	all, err := runner.Run(ctx, p.plan, nil)
	if err != nil {
		return res, err
	}
	together := true
	for _, o := range all.Objectives {
		if o.Status != check.Pass {
			together = false
			msg := firstMessage(o, o.Status)
			fmt.Fprintf(out, "  ✗ %s no longer passes\n      %s\n", clean(o.ID), clean(msg))
			res.Problems = append(res.Problems, Problem{o.ID, "no longer passes once every solution has run (a later solution undoes it): " + msg})
		}
	}
	if together {
		fmt.Fprintln(out, "  ✓ every objective passes")
	}
	return res, nil
}

// registryImages puts each image the checks need from a registry into the
// throwaway registry; one that no solution pulls is pulled now, as part of
// the starting state (zone7's digest objective reads the digest of an
// image the learner pulled before).
func (p *Prepared) registryImages(ctx context.Context, d TestDaemon, w TestWriter, arch string, out io.Writer) error {
	for _, ref := range p.plan.Pulls() {
		name := tagName(string(ref))
		arc, err := builtin.Image{Ref: name, Mission: p.m.ID, Arch: arch, Program: builtin.Program{Message: builtin.DefaultMessage(name)}}.Archive()
		if err != nil {
			return err
		}
		if _, err := w.Load(ctx, bytes.NewReader(arc.Data)); err != nil {
			return fmt.Errorf("loading %s: %w", name, err)
		}
		if err := w.Push(ctx, name); err != nil {
			return fmt.Errorf("%w (the throwaway registry is on this machine's loopback: a daemon elsewhere cannot reach it)", err)
		}
		// Only a pull records the digest as a learner's pull would.
		if err := w.Untag(ctx, name); err != nil {
			return err
		}
		if p.solutionPulls(name) {
			fmt.Fprintf(out, "  %s is in the throwaway registry, for a solution to pull\n", clean(name))
			continue
		}
		if err := w.Pull(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s pulled from the throwaway registry (it has a RepoDigest)\n", clean(name))
	}
	return nil
}

// solutionPulls says whether some solution runs docker pull of name.
func (p *Prepared) solutionPulls(name string) bool {
	for _, cmds := range p.solutions {
		for _, c := range cmds {
			a := c.Args[1:]
			if len(a) > 0 && a[0] == "image" {
				a = a[1:]
			}
			if len(a) > 1 && a[0] == "pull" && tagName(a[len(a)-1]) == name {
				return true
			}
		}
	}
	return false
}

// solve runs the objective's solution, command by command, visibly, and
// returns what the last one printed.
func (p *Prepared) solve(ctx context.Context, id string, opts TestOptions, out io.Writer) (string, error) {
	var last string
	for _, c := range p.solutions[id] {
		fmt.Fprintf(out, "    $ %s\n", clean(c.String()))
		stdout, stderr, err := opts.Docker.run(ctx, opts.Dir, c, opts.CommandTimeout)
		printIndented(out, stdout)
		printIndented(out, stderr)
		if err != nil {
			return "", fmt.Errorf("%s: %w", c.String(), err)
		}
		last = stdout
	}
	return last, nil
}

// maxCommandOutput bounds what is kept of one command's output.
const maxCommandOutput = 64 << 10

// run runs one command of a solution: the docker CLI, without a shell, in
// dir, bounded by timeout and ctx.
func (c DockerCLI) run(ctx context.Context, dir string, cmd Command, timeout time.Duration) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := append(append([]string(nil), c.Args...), cmd.Args[1:]...)
	x := exec.CommandContext(ctx, c.Path, args...)
	x.Dir, x.Env = dir, c.Env
	x.WaitDelay = 2 * time.Second
	var o, e capped
	x.Stdout, x.Stderr = &o, &e
	err = x.Run()
	switch {
	case err == nil:
	case ctx.Err() == context.DeadlineExceeded:
		err = fmt.Errorf("no end within %s", timeout)
	default:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("exit code %d", exit.ExitCode())
		}
	}
	return o.String(), e.String(), err
}

// capped keeps the first maxCommandOutput bytes written to it.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxCommandOutput - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// maxShownLines bounds the lines of one command's output shown.
const maxShownLines = 12

func printIndented(out io.Writer, s string) {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return
	}
	for i, l := range lines {
		if i == maxShownLines {
			fmt.Fprintf(out, "      … %d more lines\n", len(lines)-i)
			break
		}
		fmt.Fprintf(out, "      %s\n", clean(l))
	}
}

// lastLine is the last line of a command's output that is not blank.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func firstMessage(o check.ObjectiveResult, status check.Status) string {
	for _, c := range o.Checks {
		if c.Status == status {
			return c.Message
		}
	}
	return string(o.Status)
}

// cleanUp removes every container and image name the renaming owns, with a
// context of its own: it runs after ctx is cancelled too.
func cleanUp(parent context.Context, d TestDaemon, w TestWriter, r *Renaming) (names, containers int, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), time.Minute)
	defer cancel()
	var errs []error
	ctrs, err := d.Containers(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, c := range ctrs {
		if r.Owns(c.Name) {
			if err := w.RemoveContainer(ctx, c.ID, true); err != nil && !errors.Is(err, dockerstate.ErrNotFound) {
				errs = append(errs, err)
				continue
			}
			containers++
		}
	}
	imgs, err := d.Images(ctx)
	if err != nil {
		return names, containers, err
	}
	for _, i := range imgs {
		for _, t := range i.RepoTags {
			if r.Owns(t) {
				if err := w.Untag(ctx, t); err != nil && !errors.Is(err, dockerstate.ErrNotFound) {
					errs = append(errs, err)
					continue
				}
				names++
			}
		}
	}
	return names, containers, errors.Join(errs...)
}

// loopbackRegistry is a registry in this process, on 127.0.0.1, holding
// blobs in memory: the daemon pushes to and pulls from it without any
// configuration (Docker treats loopback registries as insecure ones).
type loopbackRegistry struct {
	host string
	srv  *http.Server
}

func startRegistry() (*loopbackRegistry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting a registry on loopback: %w", err)
	}
	srv := &http.Server{
		Handler:           registry.New(registry.Logger(log.New(io.Discard, "", 0))),
		ReadHeaderTimeout: 30 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	return &loopbackRegistry{host: ln.Addr().String(), srv: srv}, nil
}

func (r *loopbackRegistry) close() { _ = r.srv.Close() }

// LookDocker finds the docker CLI that runs the solutions.
func LookDocker() (string, error) {
	p, err := exec.LookPath("docker")
	if err != nil {
		return "", errors.New("mission test runs each objective's solution with the docker CLI, and none is on PATH: install it")
	}
	return p, nil
}

func clean(s string) string { return report.CleanLine(s) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
