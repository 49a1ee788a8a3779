package cmdutil

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes; commands never touch
// os.Stdout directly, so tests can capture everything.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// OutTTY and ErrTTY say whether Out and ErrOut are terminals; InTTY
	// whether In is one (prompts are only shown then).
	InTTY, OutTTY, ErrTTY bool
	// NoColor is true when NO_COLOR is set or TERM is dumb.
	NoColor bool
	// TerminalWidth is the width of the terminal Out is, in columns; 0
	// when Out is not a terminal (no limit: a pipe gets whole lines).
	TerminalWidth int
}

// System returns the process's own streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	_, noColor := os.LookupEnv("NO_COLOR")
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTTY(os.Stdin), OutTTY: isTTY(os.Stdout), ErrTTY: isTTY(os.Stderr),
		NoColor: noColor || os.Getenv("TERM") == "dumb",
	}
	if s.OutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.TerminalWidth = w
		}
	}
	return s
}

// ColorOut says whether Out should carry colour.
func (s *IOStreams) ColorOut() bool { return s.OutTTY && !s.NoColor }
