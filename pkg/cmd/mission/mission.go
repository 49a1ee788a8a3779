package mission

import (
	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmd/mission/lint"
	"github.com/academy-dev/academy/pkg/cmd/mission/test"
	"github.com/academy-dev/academy/pkg/cmdutil"
)

// NewCmdMission returns the mission command and its subcommands.
func NewCmdMission(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mission",
		Short: "Write missions: validate mission files, prove them on a daemon",
		Long: `Commands for mission authors. The mission file format is described in
docs/missions.md; editors that read JSON Schemas complete and check mission files
with docs/schema/mission.v1.json.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(lint.NewCmdLint(f, nil), test.NewCmdTest(f, nil))
	return cmd
}
