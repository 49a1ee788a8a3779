package archive

import (
	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmd/archive/verify"
	"github.com/academy-dev/academy/pkg/cmdutil"
)

// NewCmdArchive returns the archive command and its subcommands.
func NewCmdArchive(streams *cmdutil.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Work on docker save archives offline",
		Long:  "Commands on docker save archives (my-app.tar); they need no Docker daemon.",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(verify.NewCmdVerify(streams, nil))
	return cmd
}
