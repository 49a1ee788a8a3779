package lesson

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/muesli/reflow/truncate"
	"github.com/muesli/reflow/wrap"
	"golang.org/x/term"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/report"
)

// Bounds on the width text is laid out for: narrower than this nothing
// reads well, wider and lines are too long to follow. Tables use up to
// maxWidth; prose (Wrap) at most proseWidth, as a book would.
const (
	minWidth   = 30
	maxWidth   = 160
	proseWidth = 80
)

// Width is the number of columns to lay text out in: the terminal's, when
// the output is one (COLUMNS when its size cannot be read, else 80),
// bounded; 0 when the output is not a terminal, where nothing is wrapped
// or cut.
func Width(ios *cmdutil.IOStreams) int {
	if !ios.OutTTY {
		return 0
	}
	w := 0
	if f, ok := ios.Out.(interface{ Fd() uintptr }); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			w = cols
		}
	}
	if w <= 0 {
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil {
			w = n
		}
	}
	if w <= 0 {
		w = 80
	}
	return max(minWidth, min(w, maxWidth))
}

// Line makes a string from outside (a mission file, the state) safe to show
// on one line.
func Line(s string) string { return report.CleanLine(s) }

// TextWidth is the number of columns s takes on a terminal.
func TextWidth(s string) int { return runewidth.StringWidth(s) }

// Truncate cuts s to width columns, ending with "…" when cut; width 0
// leaves it whole.
func Truncate(s string, width int) string {
	if width <= 0 || TextWidth(s) <= width {
		return s
	}
	return truncate.StringWithTail(s, uint(max(width, 1)), "…")
}

// Pad fills s with spaces to width columns.
func Pad(s string, width int) string {
	if n := TextWidth(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

// Wrap lays out text from a mission file in width columns (at most 80),
// each line after the first indented by indent: paragraphs (separated by a
// blank line) are refilled; a line that starts a list item ("- ", "* ",
// "1. "), is indented or is a command (docker …) keeps a line of its own,
// and so does the line after it. Lines break as report.Wrap breaks them:
// never inside a word, a quoted span or a command, which overflow the line
// rather than be cut. With width 0, the text keeps its own lines. Control
// characters are replaced, as everywhere.
func Wrap(text string, width int, indent string) string {
	text = strings.TrimSpace(report.Clean(text))
	if width <= 0 {
		return strings.ReplaceAll(text, "\n", "\n"+indent)
	}
	width = min(width, proseWidth)
	var lines []string
	for _, l := range logicalLines(text) {
		if l == "" {
			lines = append(lines, l)
			continue
		}
		body := strings.TrimLeft(l, " \t")
		lead := l[:len(l)-len(body)]
		hang := strings.Repeat(" ", max(listIndent(l), len(lead)))
		for i, wl := range report.Wrap(body, max(width-TextWidth(indent)-len(hang), minWidth/2)) {
			if i == 0 {
				wl = lead + wl
			} else {
				wl = hang + wl
			}
			lines = append(lines, wl)
		}
	}
	return strings.Join(lines, "\n"+indent)
}

// WrapHard is Wrap for a message that is not pasted anywhere, such as an
// error: a word too long for a line (a long path) is broken, so every line
// fits.
func WrapHard(text string, width int) string {
	text = Wrap(text, width, "")
	if width <= 0 {
		return text
	}
	return wrap.String(text, min(width, proseWidth))
}

// logicalLines joins the lines of each paragraph of text, except where a
// line starts a list item, is indented or is a command and nothing more:
// those keep a line of their own, and are never joined with the line after them either (a
// command's line is not the start of a sentence).
func logicalLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, " \t")
		switch {
		case l == "":
			out = append(out, "")
		case len(out) == 0 || out[len(out)-1] == "" || listIndent(l) > 0 || preformatted(l) || preformatted(out[len(out)-1]):
			out = append(out, l)
		default:
			out[len(out)-1] += " " + strings.TrimSpace(l)
		}
	}
	return out
}

// preformatted says whether a line of a briefing is kept as its author
// wrote it: indented, or a command.
func preformatted(l string) bool { return startsIndented(l) || report.IsCommand(l) }

func startsIndented(l string) bool { return strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") }

// listIndent is the width of a list item's marker ("- ", "12. "), so its
// wrapped lines hang under its text; 0 for any other line.
func listIndent(l string) int {
	trimmed := strings.TrimLeft(l, " ")
	lead := len(l) - len(trimmed)
	switch {
	case strings.HasPrefix(trimmed, "- "), strings.HasPrefix(trimmed, "* "):
		return lead + 2
	}
	digits := len(trimmed) - len(strings.TrimLeft(trimmed, "0123456789"))
	if digits > 0 && digits < 4 && strings.HasPrefix(trimmed[digits:], ". ") {
		return lead + digits + 2
	}
	return 0
}

// Palette colours text on a terminal and leaves it alone otherwise.
type Palette struct{ On bool }

// NewPalette colours when the command's output is a terminal that takes
// colour (NO_COLOR unset, TERM not dumb).
func NewPalette(ios *cmdutil.IOStreams) Palette { return Palette{On: ios.ColorOut()} }

func (p Palette) sgr(code, s string) string {
	if !p.On || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bold, Dim, Green, Red and Yellow colour s on a terminal.
func (p Palette) Bold(s string) string   { return p.sgr("1", s) }
func (p Palette) Dim(s string) string    { return p.sgr("2", s) }
func (p Palette) Green(s string) string  { return p.sgr("32", s) }
func (p Palette) Red(s string) string    { return p.sgr("31", s) }
func (p Palette) Yellow(s string) string { return p.sgr("33", s) }

// Ago says how long ago d was, roughly, as a person would: "5 minutes ago".
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago" // short: it shares a table row with a title
	case d < 24*time.Hour:
		return Count(int(d/time.Hour), "hour") + " ago"
	case d < 60*24*time.Hour:
		return Count(int(d/(24*time.Hour)), "day") + " ago"
	}
	return "long ago"
}

// Count says n of a unit: "1 hint", "3 hints".
func Count(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// Command lays out a shell command from a mission file to be pasted: never
// broken inside, since a line break in a pasted command runs half of it.
// When it is wider than width, it is split after a " && " outside quotes,
// where the shell reads on to the next line; continuation lines are
// indented two more columns. Every line starts with indent.
func Command(cmd string, width int, indent string) string {
	cmd = strings.TrimSpace(report.Clean(cmd))
	var lines []string
	for _, line := range strings.Split(cmd, "\n") {
		lines = append(lines, splitCommand(line, width-TextWidth(indent))...)
	}
	return indent + strings.Join(lines, "\n"+indent)
}

func splitCommand(line string, width int) []string {
	if width <= 0 || TextWidth(line) <= width {
		return []string{line}
	}
	var parts []string
	start, single, double := 0, false, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\'' && !double:
			single = !single
		case c == '"' && !single:
			double = !double
		case !single && !double && strings.HasPrefix(line[i:], " && "):
			parts = append(parts, line[start:i]+" &&")
			start = i + len(" && ")
			i += len(" && ") - 1
		}
	}
	parts = append(parts, line[start:])
	// Join back what fits on one line.
	out := []string{parts[0]}
	for _, p := range parts[1:] {
		last := out[len(out)-1]
		if TextWidth(last)+1+TextWidth(p) <= width-2 {
			out[len(out)-1] = last + " " + p
			continue
		}
		out = append(out, "  "+p)
	}
	return out
}

// Next says text followed by an academy command, the command kept whole:
// on the same line when it fits in width, else on a line of its own. Every
// line after the first starts with indent.
func Next(text, command string, width int, indent string) string {
	one := text + " " + command
	if width <= 0 || TextWidth(indent)+TextWidth(one) <= min(width, proseWidth) {
		return Wrap(one, width, indent)
	}
	return Wrap(text, width, indent) + "\n" + indent + command
}

// Hang lays s out as report.Hanging does, in width columns (0: one line):
// its first line after first, the others after rest. Every screen wraps
// this way, so a command is never cut in two on any of them.
func Hang(s string, width int, first, rest string) string {
	return strings.Join(report.Hanging(s, width, first, rest), "\n")
}

// ErrWidth is Width for the error stream: the columns of the terminal it
// is, or 0.
func ErrWidth(ios *cmdutil.IOStreams) int {
	return Width(&cmdutil.IOStreams{Out: ios.ErrOut, OutTTY: ios.ErrTTY})
}
