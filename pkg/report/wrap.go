package report

import (
	"strings"
)

// What a learner copies from a terminal must come out whole: a command, a
// quoted --format template, a digest. So text is wrapped between units, not
// between words: a unit is a word, a quoted span, or a command from its
// first word to the end of its clause, and a unit is never broken. One too
// wide for a line overflows it: the terminal folds it on screen, and a
// copy of the folded line comes out whole, which a line academy broke
// would not.

// Wrap breaks s into lines of at most w columns, between units (see
// units); a unit wider than a line has a line of its own. w <= 0 means no
// limit.
func Wrap(s string, w int) []string { return wrapWidths(s, w, w) }

func wrap(s string, w int) []string { return Wrap(s, w) }

// wrapWidths is Wrap with a first line of first columns and the others of
// rest.
func wrapWidths(s string, first, rest int) []string {
	if rest <= 0 || (width(s) <= first && !strings.Contains(s, "\n")) {
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
	for _, u := range units(s) {
		uw := width(u)
		if lineW > 0 {
			if lineW+1+uw <= limit() {
				line += " " + u
				lineW += 1 + uw
				continue
			}
			lines = append(lines, line)
		}
		line, lineW = u, uw
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// commandWords start a command, when a cue says one follows (see units).
var commandWords = map[string]bool{"docker": true, "podman": true, "academy": true, "tar": true, "mv": true, "sudo": true, "gzip": true}

// academyCommands are the words that follow academy in a command: academy
// in prose ("point academy there") is not one.
var academyCommands = map[string]bool{
	"check": true, "show": true, "hint": true, "setup": true, "reset": true, "missions": true, "doctor": true,
	"archive": true, "mission": true, "version": true, "completion": true,
}

// clauseWords end a command: the prose goes on after it ("docker pull
// nginx and pass it as …").
var clauseWords = map[string]bool{
	"—": true, "–": true, "-": true, "and": true, "or": true, "then": true, "if": true, "so": true, "but": true,
	"which": true, "where": true, "when": true, "once": true, "to": true, "until": true, "says": true, "makes": true,
	"gives": true, "lists": true, "shows": true, "brings": true, "removes": true, "is": true, "are": true,
}

// units splits s at its blanks into what wrapping keeps whole:
//   - a quoted span ('…' or "…", or a flag's value --format='…'), from the
//     word that opens it to the word that closes it;
//   - a command: a command word (docker, academy check, tar, mv, …) where a
//     cue says a command follows — the start of the text, a word ending
//     with a colon, "(", "$", "with", "then", "run", "try", the ";" after
//     another command — up to the end
//     of its clause: a word ending with , ; : . or a closing parenthesis,
//     or before a word that goes on in prose (and, then, —, …). A command
//     may break after && or |, where the shell reads on;
//   - any other word, digests and IDs included.
func units(s string) []string {
	words := quoted(strings.Fields(s))
	var out []string
	seen := false // a command came before
	for i := 0; i < len(words); i++ {
		if !startsCommand(words, i, seen) {
			if isFlag(words[i]) && i+1 < len(words) && !startsCommand(words, i+1, seen) {
				// A flag and its value, in prose: --answer digest=VALUE.
				out = append(out, words[i]+" "+words[i+1])
				i++
				continue
			}
			out = append(out, words[i])
			continue
		}
		seen = true
		span := words[i]
		if n := len(out); n > 0 && out[n-1] == "$" {
			span, out = "$ "+span, out[:n-1] // a prompt and its command
		}
		opened, depth := strings.HasPrefix(words[i], "("), parens(words[i])
		for i+1 < len(words) && !endsCommand(words[i], depth, opened) && !clauseWords[words[i+1]] && !strings.HasPrefix(words[i+1], "(") {
			if words[i] == "&&" || words[i] == "||" || words[i] == "|" {
				break // the shell reads on: a line may end here
			}
			i++
			depth += parens(words[i])
			span += " " + words[i]
		}
		out = append(out, span)
	}
	return out
}

// startsCommand says whether words[i] starts a command; afterCommand, that
// a command came before it.
func startsCommand(words []string, i int, afterCommand bool) bool {
	w := strings.TrimPrefix(words[i], "(")
	if !commandWords[w] || i+1 >= len(words) {
		return false
	}
	if w == "academy" && !academyCommands[strings.TrimRight(words[i+1], ",;:.)")] {
		return false
	}
	if strings.HasPrefix(words[i], "(") || i == 0 {
		return true
	}
	prev := words[i-1]
	switch prev {
	case "$", "with", "then", "run", "try", "&&", "||", "|", "—", "or":
		return true
	}
	// After a command, "; docker …" is another: "tar -xOf a.tar
	// manifest.json; docker image inspect …".
	return strings.HasSuffix(prev, ":") || strings.HasSuffix(prev, ";") && afterCommand
}

// endsCommand says whether a command ends with word: at the end of a
// clause or sentence, or where a parenthesis closes: its own, when it
// opened with one, or one that opened before it.
func endsCommand(word string, depth int, opened bool) bool {
	if strings.HasPrefix(word, "'") || strings.HasPrefix(word, `"`) || strings.Contains(word, "='") || strings.Contains(word, `="`) {
		// A quoted span: only what follows its closing quote counts.
		word = word[max(strings.LastIndexAny(word, `'"`), 0):]
	}
	if depth < 0 || (opened && depth == 0) {
		return true
	}
	return strings.HasSuffix(word, ",") || strings.HasSuffix(word, ";") || strings.HasSuffix(word, ":") ||
		(strings.HasSuffix(word, ".") && !strings.HasSuffix(word, ".."))
}

// isFlag says whether word is a command-line flag with its value to come:
// -C, --answer (not --dir=x, which is whole already).
func isFlag(word string) bool {
	name := strings.TrimLeft(word, "-")
	if len(word)-len(name) == 0 || len(word)-len(name) > 2 || name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// parens is how many more parentheses word opens than it closes.
func parens(word string) int { return strings.Count(word, "(") - strings.Count(word, ")") }

// maxQuotedWords bounds a quoted span: one longer is prose, not something
// to copy, and the look for its end stays linear in the text's length.
const maxQuotedWords = 32

// quoted joins the words of each quoted span into one. A quote opens at the
// start of a word (after a "(") or after "=": an apostrophe inside a word
// (the image's name) opens nothing. A quote never closed joins nothing.
func quoted(words []string) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		q, at := opens(words[i])
		if q == 0 || closes(words[i][at+1:], q) {
			out = append(out, words[i])
			continue
		}
		end := -1
		for j := i + 1; j < min(len(words), i+maxQuotedWords); j++ {
			if closes(words[j], q) {
				end = j
				break
			}
		}
		if end < 0 {
			out = append(out, words[i])
			continue
		}
		out = append(out, strings.Join(words[i:end+1], " "))
		i = end
	}
	return out
}

// opens returns the quote a word opens and where, or 0.
func opens(word string) (byte, int) {
	start := len(word) - len(strings.TrimLeft(word, "("))
	if start < len(word) && (word[start] == '\'' || word[start] == '"') {
		return word[start], start
	}
	for _, q := range []byte{'\'', '"'} {
		if at := strings.Index(word, "="+string(q)); at >= 0 {
			return q, at + 1
		}
	}
	return 0, 0
}

// closes says whether rest (what follows an opening quote in its word, or
// a later word) holds the closing quote q.
func closes(rest string, q byte) bool { return strings.IndexByte(rest, q) >= 0 }

// IsCommand says whether s is one command a learner would type and nothing
// more (docker logs my-app), as opposed to a sentence that starts with one
// (academy setup zone7 gives you …).
func IsCommand(s string) bool {
	words := strings.Fields(s)
	return len(words) > 0 && startsCommand(words, 0, false) && len(units(s)) == 1
}

// Unbreakable says whether a line of text, as a terminal shows it (without
// colour codes), is wider than its width only because it holds one unit
// wrapping never breaks — a command, a quoted span, a digest, a long name —
// after its indent and at most one label or mark ("expected:", "FAIL",
// "✗"): tests of layout allow such a line to overflow.
func Unbreakable(line string) bool {
	us := units(strings.TrimLeft(line, " "))
	if len(us) == 2 && (strings.HasSuffix(us[0], ":") || marks[us[0]]) {
		us = us[1:]
	}
	return len(us) == 1
}

// marks are what a status looks like at the start of a line of text.
var marks = map[string]bool{"PASS": true, "FAIL": true, "ERROR": true, "ERR": true, "✓": true, "✗": true, "!": true}
