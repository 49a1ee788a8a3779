package root

import (
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
)

// NewCmdRoot returns the academy command with every subcommand.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "academy",
		Short: "Check a Docker daemon against a hands-on Docker lesson",
		Long: `academy asks the Docker daemon, through the Engine API, whether the objectives
of a lesson ("mission") hold, and says exactly why not.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.PersistentFlags().StringSliceVar(&f.MissionDirs, "missions", f.MissionDirs, "extra folder of mission files (also ACADEMY_MISSIONS)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: err}
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
	return cmd
}
