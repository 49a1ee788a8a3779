package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmd/root"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// Main runs academy with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cmdutil.NewFactory()
	return Run(ctx, f, os.Args[1:])
}

// Run runs academy with args and returns the exit code.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err != nil && ctx.Err() != nil {
		err = cmdutil.ErrInterrupted
	}
	printError(f.IOStreams.ErrOut, err)
	return ExitCode(err)
}

// ExitCode decides the exit code from a command's error: the one place
// where errors become exit codes.
func ExitCode(err error) int {
	var (
		usage        *cmdutil.UsageError
		spec         *mission.SpecError
		unknown      *mission.NotFoundError
		unknownObj   *check.UnknownObjectiveError
		daemon       *cmdutil.DaemonError
		checkDaemon  *check.DaemonError
		requestError *dockerstate.RequestError
	)
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case errors.Is(err, cmdutil.ErrInterrupted), errors.Is(err, context.Canceled):
		return cmdutil.ExitInterrupted
	case errors.Is(err, cmdutil.ErrFailed):
		return cmdutil.ExitFailed
	case errors.As(err, &daemon), errors.As(err, &checkDaemon), errors.As(err, &requestError):
		return cmdutil.ExitDaemon
	case errors.As(err, &usage), errors.As(err, &spec), errors.As(err, &unknown), errors.As(err, &unknownObj):
		return cmdutil.ExitUsage
	}
	// Cobra's own flag and argument errors are usage errors too; anything
	// unforeseen is treated as one rather than as a learner's failure.
	return cmdutil.ExitUsage
}

func printError(w io.Writer, err error) {
	switch {
	case err == nil, errors.Is(err, cmdutil.ErrFailed):
		return
	case errors.Is(err, cmdutil.ErrInterrupted):
		fmt.Fprintln(w, "academy: interrupted")
		return
	}
	fmt.Fprintf(w, "academy: %v\n", err)
}
