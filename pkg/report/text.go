package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("text", textRenderer{}) }

// textRenderer writes the report for a learner: one line per objective, the
// diagnosis under each that did not pass, a score and the endpoint.
type textRenderer struct{}

func (textRenderer) Render(w io.Writer, r *check.Result, opts Options) error {
	r = cleaned(r)
	t := textWriter{p: palette{opts.Color}, explain: opts.Explain}
	t.heading(r)
	t.objectives(r, "  ")
	t.b.WriteByte('\n')
	t.summary(r, "", true)
	return write(w, []byte(t.b.String()))
}

// RenderMulti writes the mission title once, then one section per endpoint,
// then how many endpoints passed.
func (textRenderer) RenderMulti(w io.Writer, rs []*check.Result, opts Options) error {
	t := textWriter{p: palette{opts.Color}, explain: opts.Explain}
	if len(rs) > 0 {
		t.heading(cleaned(rs[0]))
	}
	passed := 0
	for _, r := range rs {
		r = cleaned(r)
		st := r.Status()
		if st == check.Pass {
			passed++
		}
		fmt.Fprintf(&t.b, "%s %s\n", t.p.status(st), t.p.bold(r.Endpoint.Host))
		t.objectives(r, "    ")
		t.summary(r, "    ", false)
		t.b.WriteByte('\n')
	}
	line := fmt.Sprintf("%d/%d hosts passed", passed, len(rs))
	if passed == len(rs) && passed > 0 {
		line = t.p.green(line)
	} else {
		line = t.p.red(line)
	}
	t.b.WriteString(line + "\n")
	return write(w, []byte(t.b.String()))
}

type textWriter struct {
	b       strings.Builder
	p       palette
	explain bool // name the docker command behind each check
}

func (t *textWriter) heading(r *check.Result) {
	fmt.Fprintf(&t.b, "%s\n\n", t.p.bold(titleOr(r.MissionTitle, r.MissionID)))
}

// objectives writes one line per objective, columns aligned, and under each
// that did not pass the messages of its checks that did not pass.
func (t *textWriter) objectives(r *check.Result, indent string) {
	if len(r.Objectives) == 0 {
		t.b.WriteString(indent + "no objectives were checked\n")
		return
	}
	idWidth, titleWidth := 0, 0
	for _, o := range r.Objectives {
		idWidth = max(idWidth, width(o.ID))
		titleWidth = max(titleWidth, width(oneLine(titleOr(o.Title, o.ID))))
	}
	detail := indent + strings.Repeat(" ", 4)
	if !t.p.on {
		detail = indent + strings.Repeat(" ", len("ERROR ")) // under the id
	}
	for _, o := range r.Objectives {
		st := statusOf(o.Status)
		fmt.Fprintf(&t.b, "%s%s %s  %s  %s\n", indent, t.p.status(st),
			pad(o.ID, idWidth), pad(oneLine(titleOr(o.Title, o.ID)), titleWidth),
			t.p.dim(points(o.Earned, o.Points)))
		if st == check.Pass && !t.explain {
			continue
		}
		for _, c := range o.Checks {
			if statusOf(c.Status) == check.Pass {
				if t.explain && c.Command != "" {
					t.b.WriteString(t.p.dim(detail+"$ "+c.Command) + "\n")
				}
				continue
			}
			msg := c.Message
			if msg == "" {
				msg = fmt.Sprintf("%s %s: %s", c.Kind, c.Subject, statusOf(c.Status))
			}
			t.b.WriteString(detail + indentLines(msg, detail) + "\n")
			if addsToMessage(c) {
				t.b.WriteString(t.p.dim(detail+"  expected: "+orNone(c.Expected)) + "\n")
				t.b.WriteString(t.p.dim(detail+"  actual:   "+orNone(c.Actual)) + "\n")
			}
			if t.explain && c.Command != "" {
				t.b.WriteString(t.p.dim(detail+"  $ "+c.Command) + "\n")
			}
		}
	}
}

// summary writes the score line, coloured by the worst status, and the
// endpoint in one dim line.
func (t *textWriter) summary(r *check.Result, indent string, withHost bool) {
	n := countObjectives(r.Objectives)
	earned, possible := r.Score()
	line := fmt.Sprintf("%d/%d objectives passed", n.passed, n.total)
	var notes []string
	if n.failed > 0 {
		notes = append(notes, fmt.Sprintf("%d failed", n.failed))
	}
	if n.errored > 0 {
		notes = append(notes, fmt.Sprintf("%d could not be checked", n.errored))
	}
	if len(notes) > 0 {
		line += " (" + strings.Join(notes, ", ") + ")"
	}
	line += fmt.Sprintf(", %d of %d points", earned, possible)
	switch r.Status() {
	case check.Pass:
		line = t.p.green(line)
	case check.Fail:
		line = t.p.red(line)
	default:
		line = t.p.yellow(line)
	}
	t.b.WriteString(indent + line + "\n")

	var parts []string
	e := r.Endpoint
	if withHost && e.Host != "" {
		parts = append(parts, e.Host)
	}
	if e.ServerVersion != "" {
		parts = append(parts, "Docker "+e.ServerVersion)
	}
	if e.APIVersion != "" {
		parts = append(parts, "API "+e.APIVersion)
	}
	if e.ImageStore != "" {
		parts = append(parts, e.ImageStore+" image store")
	}
	parts = append(parts, "checked in "+r.Duration.Round(time.Millisecond).String())
	t.b.WriteString(indent + t.p.dim(strings.Join(parts, ", ")) + "\n")
}

// addsToMessage says whether expected and actual tell the learner anything
// the message has not already said. Only a comparison of two values is
// shown: "actual: (none)" under "X does not exist" is noise.
func addsToMessage(c check.Outcome) bool {
	if c.Expected == "" || c.Actual == "" {
		return false
	}
	adds := func(v string) bool { return !strings.Contains(c.Message, v) }
	return adds(c.Expected) || adds(c.Actual)
}

func points(earned, possible int) string {
	unit := "pts"
	if possible == 1 {
		unit = "pt"
	}
	return fmt.Sprintf("%d/%d %s", earned, possible, unit)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// indentLines indents every line of s but the first.
func indentLines(s, indent string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}

// width counts runes: close enough to terminal columns for ids and titles.
func width(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, w int) string {
	if n := width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// palette colours text on a terminal and leaves it alone otherwise.
type palette struct{ on bool }

func (p palette) sgr(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) bold(s string) string   { return p.sgr("1", s) }
func (p palette) dim(s string) string    { return p.sgr("2", s) }
func (p palette) red(s string) string    { return p.sgr("31", s) }
func (p palette) green(s string) string  { return p.sgr("32", s) }
func (p palette) yellow(s string) string { return p.sgr("33", s) }

// status is the mark in front of an objective: a coloured symbol on a
// terminal, a word padded to one width otherwise.
func (p palette) status(s check.Status) string {
	if !p.on {
		return pad(strings.ToUpper(string(s)), len("ERROR"))
	}
	switch s {
	case check.Pass:
		return p.green("✓")
	case check.Fail:
		return p.red("✗")
	default:
		return p.yellow("!")
	}
}
