package check

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/class"
	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
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
	Context    string
	Timeout    time.Duration
	// Explain names the docker command behind each check.
	Explain bool
	// MinScore, when set (>= 0), makes a run whose score reaches it a
	// pass although some objective failed.
	MinScore int
	// Hosts, when set, are the endpoints of a class, checked at once
	// (--hosts FILE, or -H given several times); Host is then unused.
	Hosts []class.Host
	// Concurrency bounds the hosts of a class checked at once.
	Concurrency int
	// Watch stays after the first check and checks again on every change
	// of the daemon or the lab's files, until everything passes.
	Watch bool
	// Wait, when positive, checks again until everything passes or it
	// has gone by.
	Wait time.Duration
	// Flags are the learner's, repeated in every academy command printed.
	Flags lesson.Flags
}

// maxAnswer bounds one answer: a digest reference is under 300 bytes.
const maxAnswer = 1024

// NewCmdCheck returns the check command. runF replaces the run function in
// tests of flag parsing.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, OpenDaemon: f.OpenDaemon}
	var (
		outputs, vars, answers, hosts []string
		hostsFile                     string
	)
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
				ids = append(ids, report.CleanLine(o.ID)+"\t"+report.CleanLine(o.Title))
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
			if opts.Hosts, err = classHosts(cmd.Context(), opts.IO, hostsFile, opts.Context, hosts); err != nil {
				return err
			}
			if len(hosts) == 1 && hostsFile == "" {
				opts.Host = hosts[0]
			}
			if opts.Watch && (opts.Wait > 0 || len(opts.Hosts) > 0) {
				return cmdutil.Usagef("--watch follows one endpoint until everything passes; it goes with neither --wait nor a class")
			}
			if opts.Wait > 0 && len(opts.Hosts) > 0 {
				return cmdutil.Usagef("--wait checks one endpoint until it passes; a class is checked once")
			}
			if opts.Wait < 0 {
				return cmdutil.Usagef("--wait must be positive")
			}
			if opts.Concurrency <= 0 {
				return cmdutil.Usagef("--concurrency must be positive")
			}
			if !cmd.Flags().Changed("min-score") {
				opts.MinScore = -1 // no minimum: every objective must pass
			} else if opts.MinScore < 0 {
				return cmdutil.Usagef("--min-score must be 0 or more")
			}
			if opts.Timeout <= 0 {
				return cmdutil.Usagef("--timeout must be positive")
			}
			if len(opts.Hosts) == 0 || !strings.Contains(opts.Dir, "{name}") {
				if err := checkDir(opts.Dir); err != nil {
					return err
				}
			}
			opts.Flags = lesson.FlagsOf(cmd, opts.MissionID)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&outputs, "output", "o", nil, "report `FORMAT[=FILE]`: "+strings.Join(report.Names(), " | ")+"; repeatable, at most one to stdout, each file named once")
	fl.StringVarP(&opts.Dir, "dir", "C", ".", "the `FOLDER` where the mission's files (e.g. my-app.tar) are looked for")
	fl.StringArrayVar(&vars, "var", nil, "override a mission variable, `KEY=VALUE` (repeatable)")
	fl.StringArrayVar(&answers, "answer", nil, "the answer for an objective that asks for one, `ID=VALUE` (repeatable)")
	fl.StringArrayVarP(&hosts, "host", "H", nil, "Docker endpoint `URL`: unix://, tcp:// or ssh:// (default: as the docker CLI: DOCKER_HOST, contexts, the platform's socket); several make a class")
	fl.StringVar(&opts.Context, "context", "", "the docker CLI context `NAME` to check (as docker --context)")
	fl.StringVar(&hostsFile, "hosts", "", "check every endpoint in `FILE` ('[NAME] ENDPOINT [ID=ANSWER...]' lines, '#' comments), concurrently; -C may use {name}")
	fl.BoolVar(&opts.Watch, "watch", false, "stay, and check again on every change of the daemon or the lab's files; with -o json, one report per line")
	fl.DurationVar(&opts.Wait, "wait", 0, "check again until everything passes or `DURATION` runs out")
	fl.IntVar(&opts.Concurrency, "concurrency", class.DefaultConcurrency, "hosts of a class checked at once")
	fl.DurationVar(&opts.Timeout, "timeout", dockerstate.DefaultTimeout, "limit for each Engine API request")
	fl.BoolVar(&opts.Explain, "explain", false, "also name, for each check, the docker command that shows the same fact")
	fl.IntVar(&opts.MinScore, "min-score", 0, "exit 0 when the score reaches `N` points, though an objective failed (default: every objective must pass)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return report.Names(), cobra.ShellCompDirectiveNoSpace
	})
	return cmd
}

// checkDir makes sure -C names a folder: a typo there is the user's mistake
// to fix now, not an objective the learner failed.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	where := dir
	if abs, aerr := filepath.Abs(dir); aerr == nil && abs != dir {
		where += " (" + abs + ")"
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cmdutil.Usagef("-C %s: no such folder", where)
	case err != nil:
		return cmdutil.Usagef("-C %s: %v", where, err)
	case !fi.IsDir():
		return cmdutil.Usagef("-C %s is a file, not a folder", where)
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
// daemon is asked anything. A mistake of the learner's is a usage error in
// their words (lesson.Plan); an unknown objective names those there are.
func Plan(catalog *mission.Catalog, id string, vars map[string]string, only []string) (*check.Plan, error) {
	p, err := lesson.Plan(catalog, id, vars)
	if err != nil {
		return nil, err
	}
	var unknown *check.UnknownObjectiveError
	if _, err := p.Select(only); errors.As(err, &unknown) {
		return nil, lesson.UnknownObjective(unknown.Mission, unknown.ID, unknown.Known)
	} else if err != nil {
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
