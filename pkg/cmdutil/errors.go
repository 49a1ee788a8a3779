package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, a contract with scripts and graders.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitDaemon      = 3
	ExitInterrupted = 130
)

// ErrFailed says that the command ran and reported a learner's failure (an
// objective failed, an archive is invalid). The report has already been
// written, so nothing more is printed.
var ErrFailed = errors.New("failed")

// ErrInterrupted says that the user interrupted the command.
var ErrInterrupted = errors.New("interrupted")

// UsageError is a wrong flag, argument, unknown mission or objective, or an
// invalid mission file: exit 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// DaemonError says that the Docker daemon could not be reached or answered
// with an error: exit 3.
type DaemonError struct{ Err error }

func (e *DaemonError) Error() string { return e.Err.Error() }
func (e *DaemonError) Unwrap() error { return e.Err }

// ShownError is an error the command has already shown the user in its
// own output: it decides the exit code as Err does, and is not printed
// again.
type ShownError struct{ Err error }

func (e *ShownError) Error() string { return e.Err.Error() }
func (e *ShownError) Unwrap() error { return e.Err }
