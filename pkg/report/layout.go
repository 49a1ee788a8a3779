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

// wrap breaks s into lines of at most w columns, at spaces where it can;
// a word longer than a line (a digest) is cut. w <= 0 means no limit.
func wrap(s string, w int) []string { return wrapWidths(s, w, w) }

// wrapWidths is wrap with a first line of first columns and the others of
// rest.
func wrapWidths(s string, first, rest int) []string {
	if rest <= 0 || width(s) <= first {
		return []string{s}
	}
	var lines []string
	line, lineW := "", 0
	limit := func() int {
		if len(lines) == 0 {
			return max(first, 1)
		}
		return rest
	}
	flush := func() {
		lines = append(lines, line)
		line, lineW = "", 0
	}
	for _, word := range strings.Fields(s) {
		ww := width(word)
		if lineW > 0 {
			if lineW+1+ww <= limit() {
				line += " " + word
				lineW += 1 + ww
				continue
			}
			if room := limit() - lineW - 1; ww > rest && room >= 8 {
				// A word longer than any line is cut anyway: start it
				// here rather than leave this line short.
				head, tail := cut(word, room)
				line += " " + head
				word, ww = tail, width(tail)
			}
			flush()
		}
		for ww > limit() { // here the line is empty: cut the word into lines
			head, tail := cut(word, limit())
			if head == "" { // a character wider than the line
				head, tail = cut(word, 2)
			}
			line = head
			flush()
			word, ww = tail, width(tail)
		}
		line, lineW = word, ww
	}
	if line != "" || len(lines) == 0 {
		flush()
	}
	return lines
}

// cut splits s after at most w columns, between graphemes.
func cut(s string, w int) (head, rest string) {
	used, end := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w {
			break
		}
		used += cw
		_, end = g.Positions()
	}
	return s[:end], s[end:]
}

// hanging wraps s to w columns: the first line after first, the others
// after rest, a deeper indent, so a wrapped message reads as one item.
func hanging(s string, w int, first, rest string) []string {
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
