package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmd/setup"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/lab"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// Options are everything `academy mission test` needs, parsed and validated.
type Options struct {
	IO         *cmdutil.IOStreams
	Catalog    func() *mission.Catalog
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)

	MissionID string
	Lab       setup.LabFlags
	// CommandTimeout bounds each command of a solution.
	CommandTimeout time.Duration
}

// NewCmdTest returns the mission test command. runF replaces the run
// function in tests of flag parsing.
func NewCmdTest(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, OpenDaemon: f.OpenDaemon}
	cmd := &cobra.Command{
		Use:   "test MISSION",
		Short: "Prove a mission on a real daemon: a fresh lab fails, each solution passes",
		Long: `Test proves MISSION on the Docker daemon, under names of its own so that no
learner's image or container is touched: every variable that names an image or
a container gets a random prefix (academy-test-1a2b3c4d-my-app:v1), and the lab's
folder is a temporary one. It then

  1. sets the lab up, as academy setup does;
  2. checks that every objective fails on the fresh lab;
  3. carries out each objective's solution, printing each command before it
     runs, and checks that the objective then passes — when the objective asks
     for an answer, the last line its solution printed is the answer;
  4. checks that every objective still passes once all solutions have run;
  5. removes every image name and container under its prefix, even when
     interrupted.

A solution runs without a shell: it is split on &&, each part must be a
docker command of literal words, and it runs with the docker CLI pointed at the
same daemon. An image a check needs from a registry (a RepoDigest) comes from a
throwaway registry on 127.0.0.1 that the test starts, so no network is needed
(the daemon must run on this machine to reach it).

Test runs the mission's solutions: it is an author's tool. Unlike check, which
only reads, it runs whatever docker commands the mission file says; test a
mission from a stranger only on a daemon you can spare.

Exit codes: 0 the mission behaves, 1 an objective passes on a fresh lab or
fails after its solution (each is named), 2 usage error, unknown or invalid
mission, or a solution that cannot be run, 3 the Docker daemon could not be
reached or answered with an error, 130 interrupted.`,
		Example: `  academy mission test zone7
  academy mission test --missions course my-mission`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("mission test needs one mission, e.g. academy mission test zone7")
			}
			return nil
		},
		ValidArgsFunction: setup.MissionArg(func() []string { return f.Catalog().IDs() }),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MissionID = args[0]
			if err := opts.Lab.Parse(); err != nil {
				return err
			}
			if opts.CommandTimeout <= 0 {
				return cmdutil.Usagef("--command-timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	opts.Lab.BindDaemon(cmd)
	cmd.Flags().DurationVar(&opts.CommandTimeout, "command-timeout", 2*time.Minute, "limit for each command of a solution")
	return cmd
}

// Run tests the mission. Its error decides the exit code.
func Run(ctx context.Context, opts *Options) error {
	catalog := opts.Catalog()
	if err := catalog.CheckDirs(); err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	m, err := catalog.Find(opts.MissionID)
	if err != nil {
		return err
	}
	docker, err := lab.LookDocker()
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	prep, err := lab.Prepare(m, "")
	var (
		solution *lab.SolutionError
		unowned  *lab.UnownedError
	)
	if errors.As(err, &solution) || errors.As(err, &unowned) {
		return &cmdutil.UsageError{Err: err}
	}
	if err != nil {
		return err
	}
	defer prep.Close()
	d, err := opts.Lab.Open(opts.IO, opts.OpenDaemon)
	if err != nil {
		return err
	}
	defer d.Close()
	ep, err := d.Endpoint(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "academy-mission-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	out := opts.IO.Out
	r := prep.Renaming()
	fmt.Fprintf(out, "Testing %s on %s, under names of its own\n", clean(m.ID), clean(ep.Host))
	width := len("lab folder")
	for _, k := range r.Names() {
		width = max(width, len(k))
	}
	for _, k := range r.Names() {
		fmt.Fprintf(out, "  %-*s  %s → %s\n", width, clean(k), clean(r.Old[k]), clean(r.Vars[k]))
	}
	fmt.Fprintf(out, "  %-*s  %s\n", width, "lab folder", clean(dir))
	res, err := prep.Run(ctx, d, dockerstate.NewWriter(d), lab.TestOptions{
		Out:            out,
		Dir:            dir,
		Docker:         lab.CLIFor(docker, d.Target(), os.Environ()),
		CommandTimeout: opts.CommandTimeout,
		FileTimeout:    opts.Lab.Timeout,
	})
	if err != nil {
		return err
	}
	if len(res.Problems) == 0 {
		fmt.Fprintf(out, "%s behaves: every objective fails on a fresh lab and passes after its solution.\n", clean(m.ID))
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s misbehaves:\n", clean(m.ID))
	for _, p := range res.Problems {
		fmt.Fprintf(opts.IO.ErrOut, "  objective %s %s\n", clean(p.Objective), clean(p.Message))
	}
	return cmdutil.ErrFailed
}

func clean(s string) string { return report.CleanLine(s) }
