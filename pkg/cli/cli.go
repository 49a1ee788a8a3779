package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/academy-dev/academy/pkg/cmd/root"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/report"
)

// Main runs academy with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C asks every wait to end and clean up; a second one,
	// if clean-up itself hangs (a daemon that no longer answers), ends the
	// process at once, as the signal's default does.
	go func() {
		<-ctx.Done()
		stop()
	}()
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
	var shown *cmdutil.ShownError
	if err != nil && ctx.Err() != nil && !errors.As(err, &shown) {
		err = cmdutil.ErrInterrupted
	}
	printError(f.IOStreams.ErrOut, err)
	return cmdutil.ExitCode(err)
}

func printError(w io.Writer, err error) {
	var shown *cmdutil.ShownError
	switch {
	case err == nil, errors.Is(err, cmdutil.ErrFailed), errors.As(err, &shown):
		return
	case errors.Is(err, cmdutil.ErrInterrupted):
		fmt.Fprintln(w, "academy: interrupted")
		return
	}
	// Errors carry what daemons, files and flags said: one clean line.
	fmt.Fprintf(w, "academy: %s\n", report.CleanLine(err.Error()))
}
