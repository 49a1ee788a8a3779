package check

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/progress"
	"github.com/academy-dev/academy/pkg/report"
)

// Options are everything `academy check` needs, parsed and validated.
type Options struct {
	IO         *cmdutil.IOStreams
	Catalog    func() *mission.Catalog
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)

	MissionID  string
	Objectives []string
	Outputs    []report.Output
	Dir        string
	Vars       map[string]string
	Answers    map[string]string
	Host       string
	Timeout    time.Duration
	// Explain names the docker command behind each check.
	Explain bool
	// MinScore, when set (>= 0), makes a run whose score reaches it a
	// pass although some objective failed.
	MinScore int
}

// maxAnswer bounds one answer: a digest reference is under 300 bytes.
const maxAnswer = 1024

// NewCmdCheck returns the check command. runF replaces the run function in
// tests of flag parsing.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, OpenDaemon: f.OpenDaemon}
	var outputs, vars, answers, hosts []string
	cmd := &cobra.Command{
		Use:   "check MISSION [OBJECTIVE...]",
		Short: "Check the daemon against a mission's objectives",
		Long: `Check asks the Docker daemon whether each objective of MISSION holds, and
says exactly why not. Only the named objectives are checked when some are given.
Check only reads: it never changes an image, a tag, a container or a file.

Exit codes: 0 every objective passed, 1 an objective failed, 2 usage error or
unknown mission, 3 the Docker daemon could not be reached or answered with an
error, 130 interrupted.`,
		Example: `  academy check zone7
  academy check zone7 multi-tag
  academy check zone7 --answer digest=nginx@sha256:… -o junit=report.xml -o json=grade.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.Usagef("check needs a mission, e.g. academy check zone7")
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return f.Catalog().IDs(), cobra.ShellCompDirectiveNoFileComp
			}
			m, err := f.Catalog().Find(args[0])
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ids := make([]string, 0, len(m.Objectives))
			for _, o := range m.Objectives {
				ids = append(ids, o.ID+"\t"+o.Title)
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MissionID, opts.Objectives = args[0], args[1:]
			var err error
			if opts.Outputs, err = report.ParseOutputs(outputs); err != nil {
				return &cmdutil.UsageError{Err: err}
			}
			if opts.Vars, err = parsePairs("--var", vars); err != nil {
				return err
			}
			if opts.Answers, err = parsePairs("--answer", answers); err != nil {
				return err
			}
			for k, v := range opts.Answers {
				if len(v) > maxAnswer {
					return cmdutil.Usagef("--answer %s: the answer is longer than %d bytes", k, maxAnswer)
				}
			}
			switch len(hosts) {
			case 0:
			case 1:
				opts.Host = hosts[0]
			default:
				return cmdutil.Usagef("--host is given %d times; academy checks one endpoint at a time — run it once per endpoint", len(hosts))
			}
			if cmd.Flags().Changed("min-score") && opts.MinScore < 0 {
				return cmdutil.Usagef("--min-score must be 0 or more")
			}
			if opts.Timeout <= 0 {
				return cmdutil.Usagef("--timeout must be positive")
			}
			if err := checkDir(opts.Dir); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&outputs, "output", "o", nil, "report `FORMAT[=FILE]`: "+strings.Join(report.Names(), " | ")+"; repeatable, at most one to stdout")
	fl.StringVarP(&opts.Dir, "dir", "C", ".", "the `FOLDER` where the mission's files (e.g. my-app.tar) are looked for")
	fl.StringArrayVar(&vars, "var", nil, "override a mission variable, `KEY=VALUE` (repeatable)")
	fl.StringArrayVar(&answers, "answer", nil, "the answer for an objective that asks for one, `ID=VALUE` (repeatable)")
	fl.StringArrayVarP(&hosts, "host", "H", nil, "Docker endpoint `URL`: unix:// or tcp:// (default: DOCKER_HOST, then the platform's socket)")
	fl.DurationVar(&opts.Timeout, "timeout", dockerstate.DefaultTimeout, "limit for each Engine API request")
	fl.BoolVar(&opts.Explain, "explain", false, "also name, for each check, the docker command that shows the same fact")
	fl.IntVar(&opts.MinScore, "min-score", -1, "exit 0 when the score reaches `N` points, though an objective failed")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return report.Names(), cobra.ShellCompDirectiveNoSpace
	})
	return cmd
}

// checkDir makes sure -C names a folder: a typo there is the user's mistake
// to fix now, not an objective the learner failed.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cmdutil.Usagef("--dir %s: no such folder", dir)
	case err != nil:
		return cmdutil.Usagef("--dir %s: %v", dir, err)
	case !fi.IsDir():
		return cmdutil.Usagef("--dir %s is a file, not a folder", dir)
	}
	return nil
}

// parsePairs reads repeated KEY=VALUE flags.
func parsePairs(flag string, values []string) (map[string]string, error) {
	pairs := make(map[string]string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, cmdutil.Usagef("%s %q: expected KEY=VALUE", flag, v)
		}
		pairs[k] = val
	}
	return pairs, nil
}

// Plan loads the mission, expands its variables and compiles its checks:
// every mistake in the mission or the flags is found here, before the
// daemon is asked anything.
func Plan(catalog *mission.Catalog, id string, vars map[string]string, only []string) (*check.Plan, error) {
	if err := catalog.CheckDirs(); err != nil {
		return nil, &cmdutil.UsageError{Err: err}
	}
	m, err := catalog.Find(id)
	if err != nil {
		return nil, err
	}
	if m, err = m.Expand(vars); err != nil {
		var unknown *mission.UnknownVarError
		if errors.As(err, &unknown) {
			return nil, &cmdutil.UsageError{Err: err}
		}
		return nil, err
	}
	p, err := check.Compile(m)
	if err != nil {
		return nil, err
	}
	if _, err := p.Select(only); err != nil {
		return nil, err
	}
	return p, nil
}

// checkAnswers refuses an answer no selected objective asks for: a typo in
// its key would otherwise be silently ignored.
func checkAnswers(p *check.Plan, only []string, answers map[string]string) error {
	var asking []string
	for _, q := range p.Questions(only) {
		asking = append(asking, q.Objective)
	}
	for k := range answers {
		if slices.Contains(asking, k) {
			continue
		}
		if len(asking) == 0 {
			return cmdutil.Usagef("--answer %s: no objective checked here asks for an answer", k)
		}
		return cmdutil.Usagef("--answer %s: no objective checked here asks for that answer (objectives that do: %s)", k, strings.Join(asking, ", "))
	}
	return nil
}

// Run checks the mission and writes the reports. Its error decides the exit
// code: nil when every objective passed.
func Run(ctx context.Context, opts *Options) error {
	p, err := Plan(opts.Catalog(), opts.MissionID, opts.Vars, opts.Objectives)
	if err != nil {
		return err
	}
	if err := checkAnswers(p, opts.Objectives, opts.Answers); err != nil {
		return err
	}
	daemon, err := opts.OpenDaemon(dockerstate.Options{Host: opts.Host, Timeout: opts.Timeout})
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	defer daemon.Close()
	runner := &check.Runner{Daemon: daemon, Dir: opts.Dir, Answers: opts.Answers, FileTimeout: opts.Timeout}
	if opts.IO.InTTY && opts.IO.ErrTTY {
		runner.Ask = func(ctx context.Context, qs []check.Question) (map[string]string, error) {
			return ask(ctx, opts.IO, qs)
		}
	}
	res, err := runner.Run(ctx, p, opts.Objectives)
	var unreachable *check.DaemonError
	if errors.As(err, &unreachable) {
		// The reports still say why nothing was checked: a CI test
		// reporter finds a file, not nothing.
		res = check.Unreachable(p, opts.Objectives, dockerstate.Endpoint{Host: daemon.Host()}, err)
		if werr := writeReports(opts, res, false); werr != nil {
			return errors.Join(err, werr)
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := writeReports(opts, res, true); err != nil {
		return err
	}
	progress.RecordCheck(opts.IO.ErrOut, res)
	switch res.Status() {
	case check.Error:
		return &cmdutil.DaemonError{Err: fmt.Errorf("some checks could not be evaluated: the daemon at %s answered with an error", daemon.Host())}
	case check.Fail:
		if earned, _ := res.Score(); opts.MinScore >= 0 && earned >= opts.MinScore {
			return nil
		}
		return cmdutil.ErrFailed
	}
	return nil
}

// ask prompts on the terminal for each answer and reads a line; Enter alone
// skips. Ctrl-C while waiting ends the run at once.
func ask(ctx context.Context, io *cmdutil.IOStreams, qs []check.Question) (map[string]string, error) {
	in := bufio.NewReader(io.In)
	answers := map[string]string{}
	for _, q := range qs {
		fmt.Fprintf(io.ErrOut, "Objective %s — %s, or press Enter to skip: ", q.Objective, strings.TrimSuffix(strings.TrimSpace(report.CleanLine(q.Prompt)), ":"))
		line, err := readLine(ctx, in)
		if err != nil {
			fmt.Fprintln(io.ErrOut)
			return nil, err
		}
		if len(line) > maxAnswer {
			return nil, cmdutil.Usagef("the answer for %s is longer than %d bytes", q.Objective, maxAnswer)
		}
		if strings.TrimSpace(line) != "" {
			answers[q.Objective] = strings.TrimSpace(line)
		}
	}
	fmt.Fprintln(io.ErrOut)
	return answers, nil
}

// readLine reads one line, giving up when ctx ends: a read from a terminal
// cannot be interrupted, so it is left to finish on its own.
func readLine(ctx context.Context, in *bufio.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := in.ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// writeReports renders every requested output. With complete false (the
// daemon could not be reached), text to the terminal is left out: the error
// line says it all.
func writeReports(opts *Options, res *check.Result, complete bool) error {
	var errs []error
	for _, o := range opts.Outputs {
		r, _ := report.Lookup(o.Format)
		if o.File == "" {
			if !complete && o.Format == report.Default {
				continue
			}
			if err := r.Render(opts.IO.Out, res, report.Options{Color: opts.IO.ColorOut(), Explain: opts.Explain}); err != nil {
				errs = append(errs, fmt.Errorf("writing the %s report: %w", o.Format, err))
			}
			continue
		}
		if err := report.WriteFile(o.File, func(w io.Writer) error { return r.Render(w, res, report.Options{Explain: opts.Explain}) }); err != nil {
			errs = append(errs, fmt.Errorf("writing the %s report to %s: %w", o.Format, o.File, err))
		}
	}
	return errors.Join(errs...)
}
