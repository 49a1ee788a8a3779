package root

import (
	"fmt"
	"strings"

	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/spf13/pflag"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmd/archive"
	checkcmd "github.com/academy-dev/academy/pkg/cmd/check"
	"github.com/academy-dev/academy/pkg/cmd/doctor"
	"github.com/academy-dev/academy/pkg/cmd/hint"
	missioncmd "github.com/academy-dev/academy/pkg/cmd/mission"
	"github.com/academy-dev/academy/pkg/cmd/missions"
	"github.com/academy-dev/academy/pkg/cmd/reset"
	"github.com/academy-dev/academy/pkg/cmd/setup"
	"github.com/academy-dev/academy/pkg/cmd/show"
	"github.com/academy-dev/academy/pkg/cmd/version"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/report"
)

// NewCmdRoot returns the academy command with every subcommand.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "academy",
		Short: "Check a Docker daemon against a hands-on Docker lesson",
		Long: `academy asks the Docker daemon, through the Engine API, whether the objectives
of a lesson ("mission") hold, and says exactly why not.`,
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
		// A command academy does not have: said here, with cobra's
		// suggestion on a line of its own, where the one-line error
		// printer would run them together.
		Args: unknownCommand,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.PersistentFlags().StringSliceVar(&f.MissionDirs, "missions", f.MissionDirs, "extra folder of mission files (also ACADEMY_MISSIONS)")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: suggestFlag(c, err)}
	})
	cmd.AddCommand(
		checkcmd.NewCmdCheck(f, nil),
		doctor.NewCmdDoctor(f, nil),
		missions.NewCmdMissions(f, nil),
		show.NewCmdShow(f, nil),
		hint.NewCmdHint(f, nil),
		archive.NewCmdArchive(f.IOStreams),
		missioncmd.NewCmdMission(f),
		setup.NewCmdSetup(f, nil),
		reset.NewCmdReset(f, nil),
		version.NewCmdVersion(f.IOStreams),
	)
	// cobra adds completion when it runs; added now, its unknown shells are
	// refused as every other group's unknown commands are.
	cmd.InitDefaultCompletionCmd()
	for _, c := range cmd.Commands() {
		refuseUnknown(c)
	}
	return cmd
}

// refuseUnknown makes every group of commands (archive, mission,
// completion) refuse a command it does not have, with exit 2, where cobra
// would print the group's help and exit 0.
func refuseUnknown(c *cobra.Command) {
	if !c.HasSubCommands() {
		return
	}
	if c.Run == nil && c.RunE == nil {
		c.SuggestionsMinimumDistance = 2
		c.Args = unknownCommand
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	for _, sub := range c.Commands() {
		refuseUnknown(sub)
	}
}

// unknownCommand refuses arguments that name no command of c, suggesting
// the nearest.
func unknownCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("academy: unknown command %q for %q\n", report.CleanLine(args[0]), c.CommandPath())
	if c == c.Root() {
		msg = fmt.Sprintf("academy: unknown command %q\n", report.CleanLine(args[0]))
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "Did you mean: " + c.CommandPath() + " " + strings.Join(s, " or "+c.CommandPath()+" ") + "\n"
	} else {
		msg += "academy help " + strings.TrimPrefix(c.CommandPath()+" ", c.Root().Name()+" ") + "lists the commands\n"
	}
	fmt.Fprint(c.ErrOrStderr(), msg)
	return &cmdutil.ShownError{Err: &cmdutil.UsageError{Err: fmt.Errorf("unknown command %q", args[0])}}
}

// suggestFlag adds the nearest flag of c to an unknown one: "unknown flag:
// --anwser — did you mean --answer?".
func suggestFlag(c *cobra.Command, err error) error {
	typed, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	c.InheritedFlags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if s := lesson.Suggest(typed, names); s != "" {
		return fmt.Errorf("%w — did you mean --%s?", err, s)
	}
	return err
}
