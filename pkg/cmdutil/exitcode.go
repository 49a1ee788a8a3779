package cmdutil

import (
	"context"
	"errors"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// ExitCode decides the exit code from a command's error: the one place
// where errors become exit codes.
func ExitCode(err error) int {
	var (
		usage        *UsageError
		spec         *mission.SpecError
		specs        mission.SpecErrors
		clash        *mission.ClashError
		unknown      *mission.NotFoundError
		unknownObj   *check.UnknownObjectiveError
		daemon       *DaemonError
		checkDaemon  *check.DaemonError
		requestError *dockerstate.RequestError
		config       *dockerstate.ConfigError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, ErrFailed):
		return ExitFailed
	case errors.As(err, &daemon), errors.As(err, &checkDaemon), errors.As(err, &requestError):
		return ExitDaemon
	case errors.As(err, &usage), errors.As(err, &config), errors.As(err, &spec), errors.As(err, &specs), errors.As(err, &clash),
		errors.As(err, &unknown), errors.As(err, &unknownObj):
		return ExitUsage
	}
	// Cobra's own flag and argument errors are usage errors too; anything
	// unforeseen is treated as one rather than as a learner's failure.
	return ExitUsage
}
