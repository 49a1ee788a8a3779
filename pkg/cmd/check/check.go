package check

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// Output is one requested report: a format, and a file or "" for stdout.
type Output struct {
	Format string
	File   string
}

// Options are everything `academy check` needs, parsed and validated.
type Options struct {
	IO         *cmdutil.IOStreams
	Catalog    func() *mission.Catalog
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)

	MissionID  string
	Objectives []string
	Outputs    []Output
	Dir        string
	Vars       map[string]string
	Answers    map[string]string
	Host       string
	Timeout    time.Duration
}

// NewCmdCheck returns the check command. runF replaces the run function in
// tests of flag parsing.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, OpenDaemon: f.OpenDaemon}
	var outputs, vars, answers []string
	cmd := &cobra.Command{
		Use:   "check MISSION [OBJECTIVE...]",
		Short: "Check the daemon against a mission's objectives",
		Long: `Check asks the Docker daemon whether each objective of MISSION holds, and
says exactly why not. Only the named objectives are checked when some are given.

Exit codes: 0 every objective passed, 1 an objective failed, 2 usage error or
unknown mission, 3 the Docker daemon could not be reached or answered with an
error, 130 interrupted.`,
		Example: `  academy check zone7
  academy check zone7 multi-tag
  academy check zone7 --answer digest=nginx@sha256:… -o junit=report.xml -o json=grade.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.Usagef("check needs a mission, e.g. academy check zone7 (academy missions lists them)")
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
			if opts.Outputs, err = parseOutputs(outputs); err != nil {
				return err
			}
			if opts.Vars, err = parsePairs("--var", vars); err != nil {
				return err
			}
			if opts.Answers, err = parsePairs("--answer", answers); err != nil {
				return err
			}
			if opts.Timeout <= 0 {
				return cmdutil.Usagef("--timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&outputs, "output", "o", nil, "report `FORMAT[=FILE]`: "+strings.Join(report.Names(), " | ")+"; repeatable, at most one to stdout")
	fl.StringVarP(&opts.Dir, "dir", "C", ".", "where the mission's files (e.g. my-app.tar) are looked for")
	fl.StringArrayVar(&vars, "var", nil, "override a mission variable, `KEY=VALUE` (repeatable)")
	fl.StringArrayVar(&answers, "answer", nil, "the answer for an objective that asks for one, `ID=VALUE` (repeatable)")
	fl.StringVarP(&opts.Host, "host", "H", "", "Docker endpoint `URL`: unix:// or tcp:// (default: DOCKER_HOST, then the platform's socket)")
	fl.DurationVar(&opts.Timeout, "timeout", dockerstate.DefaultTimeout, "limit for each Engine API request")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return report.Names(), cobra.ShellCompDirectiveNoSpace
	})
	return cmd
}

// parseOutputs reads -o FORMAT[=FILE] values; text to stdout by default.
func parseOutputs(values []string) ([]Output, error) {
	if len(values) == 0 {
		return []Output{{Format: report.Default}}, nil
	}
	out := make([]Output, 0, len(values))
	toStdout := 0
	for _, v := range values {
		format, file, _ := strings.Cut(v, "=")
		if _, ok := report.Lookup(format); !ok {
			return nil, cmdutil.Usagef("unknown output format %q (choose from: %s)", format, strings.Join(report.Names(), ", "))
		}
		if file == "" || file == "-" {
			file = ""
			toStdout++
		}
		out = append(out, Output{Format: format, File: file})
	}
	if toStdout > 1 {
		return nil, cmdutil.Usagef("at most one -o format can go to stdout; give the others a file: -o junit=report.xml")
	}
	return out, nil
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

// Run checks the mission and writes the reports. Its error decides the exit
// code: nil when every objective passed.
func Run(ctx context.Context, opts *Options) error {
	m, err := opts.Catalog().Find(opts.MissionID)
	if err != nil {
		return err
	}
	if m, err = m.Expand(opts.Vars); err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	for _, id := range opts.Objectives {
		if _, ok := m.Objective(id); !ok {
			return cmdutil.Usagef("mission %s has no objective %q", m.ID, id)
		}
	}
	if err := askMissingAnswers(opts, m); err != nil {
		return err
	}

	daemon, err := opts.OpenDaemon(dockerstate.Options{Host: opts.Host, Timeout: opts.Timeout})
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	defer daemon.Close()
	runner := &check.Runner{Daemon: daemon, Dir: opts.Dir, Answers: opts.Answers}
	res, err := runner.Run(ctx, m, opts.Objectives)
	if err != nil {
		return err
	}
	if err := writeReports(opts, res); err != nil {
		return err
	}
	switch res.Status() {
	case check.Error:
		return &cmdutil.DaemonError{Err: fmt.Errorf("some checks could not be evaluated: the daemon at %s answered with an error", daemon.Host())}
	case check.Fail:
		return cmdutil.ErrFailed
	}
	return nil
}

// askMissingAnswers prompts, on a terminal only, for the answers the
// selected objectives need and the flags did not give.
func askMissingAnswers(opts *Options, m *mission.Mission) error {
	if !opts.IO.InTTY || !opts.IO.ErrTTY {
		return nil
	}
	var in *bufio.Reader
	for _, o := range m.Objectives {
		if len(opts.Objectives) > 0 && !slices.Contains(opts.Objectives, o.ID) {
			continue
		}
		for _, c := range o.Checks {
			if c.Answer == nil || opts.Answers[o.ID] != "" {
				continue
			}
			if in == nil {
				in = bufio.NewReader(opts.IO.In)
			}
			prompt := c.Answer.Prompt
			if prompt == "" {
				prompt = o.Title + ":"
			}
			fmt.Fprintf(opts.IO.ErrOut, "%s ", prompt)
			line, err := in.ReadString('\n')
			if err != nil && err != io.EOF {
				return fmt.Errorf("reading the answer for %s: %w", o.ID, err)
			}
			opts.Answers[o.ID] = strings.TrimSpace(line)
		}
	}
	return nil
}

// writeReports renders every requested output; files are written whole or
// not at all.
func writeReports(opts *Options, res *check.Result) error {
	for _, o := range opts.Outputs {
		r, _ := report.Lookup(o.Format)
		if o.File == "" {
			if err := r.Render(opts.IO.Out, res, report.Options{Color: opts.IO.ColorOut()}); err != nil {
				return fmt.Errorf("writing the %s report: %w", o.Format, err)
			}
			continue
		}
		if err := writeFile(o.File, func(w io.Writer) error { return r.Render(w, res, report.Options{}) }); err != nil {
			return fmt.Errorf("writing the %s report to %s: %w", o.Format, o.File, err)
		}
	}
	return nil
}

// writeFile writes through a temporary file renamed into place, so a grader
// never reads half a report.
func writeFile(path string, render func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".academy-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := render(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
