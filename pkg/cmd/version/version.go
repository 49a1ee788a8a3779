package version

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmdutil"
)

// Version is set at build time with -ldflags "-X …/version.Version=v1.2.3";
// otherwise the module version or VCS revision is used.
var Version = ""

// NewCmdVersion returns the version command.
func NewCmdVersion(io *cmdutil.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print academy's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(io.Out, "academy %s\n", current())
			return err
		},
	}
}

func current() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "(devel)"
}
