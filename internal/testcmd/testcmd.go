package testcmd

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmdutil"
)

// Execute runs cmd with args, its streams being out and errOut (those of
// the factory it was made with), and returns the exit code and what each
// stream got; an error is one "academy: …" line on errOut, as cli.Run
// prints it.
func Execute(cmd *cobra.Command, out, errOut *bytes.Buffer, args ...string) (int, string, string) {
	cmd.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("academy: " + err.Error() + "\n")
	}
	return cmdutil.ExitCode(err), out.String(), errOut.String()
}

// Main runs a package's tests with their own learner state (a fresh
// XDG_STATE_HOME, removed after), so no check they run records into the
// developer's progress. Call it from TestMain: os.Exit(testcmd.Main(m)).
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "academy-state-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.Setenv("XDG_STATE_HOME", dir)
	return m.Run()
}
