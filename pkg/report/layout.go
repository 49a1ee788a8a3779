package report

import (
	"strings"

	"github.com/rivo/uniseg"
)

// width is the number of terminal columns s takes: East Asian wide
// characters and most emoji take two.
func width(s string) int { return uniseg.StringWidth(s) }

// pad fills s with spaces to w columns.
func pad(s string, w int) string {
	if n := width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// truncate shortens s to at most w columns, marking the cut with "…".
func truncate(s string, w int) string {
	if width(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w-1 {
			break
		}
		b.WriteString(g.Str())
		used += cw
	}
	return b.String() + "…"
}

// hanging wraps s to w columns: the first line after first, the others
// after rest, a deeper indent, so a wrapped message reads as one item.
func hanging(s string, w int, first, rest string) []string { return Hanging(s, w, first, rest) }

// Hanging wraps s as Wrap does to w columns, the first line after first and
// the others after rest, a deeper indent, so a wrapped message reads as one
// item. w <= 0 means no limit.
func Hanging(s string, w int, first, rest string) []string {
	var lines []string
	if w <= 0 {
		lines = []string{s}
	} else {
		// A line too narrow to read is worse than one that overflows.
		lines = wrapWidths(s, max(w-width(first), 16), max(w-width(rest), 16))
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = first + l
		} else {
			out[i] = rest + l
		}
	}
	return out
}
