package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

func init() { register("text", textRenderer{}) }

// textRenderer writes the report for a learner: one line per objective, the
// diagnosis under each that did not pass, a score and the endpoint. On a
// terminal (Options.Width) long lines wrap with a hanging indent.
type textRenderer struct{}

func (textRenderer) Render(w io.Writer, r *check.Result, opts Options) error {
	r = cleaned(r)
	t := newTextWriter(opts)
	t.heading(r)
	t.objectives(r, "  ", false)
	t.b.WriteByte('\n')
	t.summary(r, "", true)
	if len(opts.Next) > 0 {
		t.b.WriteByte('\n')
		for _, l := range opts.Next {
			t.lines(hanging(clean(l), t.width, "", "  "), plain)
		}
	}
	return write(w, []byte(t.b.String()))
}

// RenderMulti writes a class: the mission title, a matrix of hosts ×
// objectives with a total per host and per objective, then the details of
// each host that did not pass, then how many hosts passed.
func (textRenderer) RenderMulti(w io.Writer, rs []*check.Result, opts Options) error {
	t := newTextWriter(opts)
	cl := make([]*check.Result, len(rs))
	for i, r := range rs {
		cl[i] = cleaned(r)
	}
	if len(cl) > 0 {
		t.heading(cl[0])
	}
	t.matrix(cl)
	passed, earned, possible := 0, 0, 0
	for _, r := range cl {
		e, p := r.Score()
		earned, possible = earned+e, possible+p
		if r.Passed() && len(r.Objectives) > 0 {
			passed++
			continue
		}
		t.b.WriteByte('\n')
		t.hostDetails(r)
	}
	line := fmt.Sprintf("%d/%d hosts passed", passed, len(cl))
	if possible > 0 {
		line += fmt.Sprintf(", %d of %s", earned, pointCount(possible))
	}
	colour := t.p.red
	if passed == len(cl) && passed > 0 {
		colour = t.p.green
	}
	t.b.WriteByte('\n')
	t.lines(hanging(line, t.width, "", "  "), colour)
	return write(w, []byte(t.b.String()))
}

type textWriter struct {
	b     strings.Builder
	p     palette
	opts  Options
	width int // 0: no limit
}

func newTextWriter(opts Options) *textWriter {
	return &textWriter{p: palette{opts.Color}, opts: opts, width: max(opts.Width, 0)}
}

// lines writes each line through colour.
func (t *textWriter) lines(ls []string, colour func(string) string) {
	for _, l := range ls {
		t.b.WriteString(colour(l) + "\n")
	}
}

func plain(s string) string { return s }

func (t *textWriter) heading(r *check.Result) {
	t.lines(wrap(titleOr(r.MissionTitle, r.MissionID), t.width), t.p.bold)
	t.b.WriteByte('\n')
}

// objectives writes one line per objective, columns aligned, and under each
// that did not pass the messages of its checks that did not pass. With
// onlyProblems, passing objectives are left out.
func (t *textWriter) objectives(r *check.Result, indent string, onlyProblems bool) {
	objs := r.Objectives
	if onlyProblems {
		objs = nil
		for _, o := range r.Objectives {
			if statusOf(o.Status) != check.Pass {
				objs = append(objs, o)
			}
		}
	}
	if len(objs) == 0 {
		t.b.WriteString(indent + "no " + t.opts.noun() + " were checked\n")
		return
	}
	_, possible := r.Score()
	withPoints := possible > 0
	idWidth, titleWidth, pointsWidth := 0, 0, 0
	for _, o := range objs {
		idWidth = max(idWidth, width(o.ID))
		titleWidth = max(titleWidth, width(titleOr(o.Title, o.ID)))
		pointsWidth = max(pointsWidth, len(points(o.Earned, o.Points, true)))
	}
	markWidth := len("ERROR")
	detail := indent + strings.Repeat(" ", len("ERROR ")) // under the id
	if t.p.on {
		markWidth = 1
		detail = indent + strings.Repeat(" ", 4)
	}
	titleAt := width(indent) + markWidth + 1 + idWidth + 2
	titleCol := titleWidth
	unit := true // "1/2 points"; "1/2" where a title would have no room
	if t.width > 0 {
		avail := t.width - titleAt
		if withPoints {
			avail -= 2 + pointsWidth
			if avail < min(titleCol, 12) {
				unit = false
				bare := 0
				for _, o := range objs {
					bare = max(bare, len(points(o.Earned, o.Points, false)))
				}
				avail += pointsWidth - bare
			}
		}
		// Below a dozen columns a title is better left to overflow.
		if avail < titleCol && avail >= 12 {
			titleCol = avail
		}
	}
	// When nothing could be checked for one reason (the daemon could not
	// be reached), the reason is said once, under the list.
	reason, oneReason := sameError(r)
	oneReason = oneReason && len(objs) > 1 && !t.opts.Explain
	for _, o := range objs {
		st := statusOf(o.Status)
		titles := wrap(titleOr(o.Title, o.ID), titleCol)
		for i, tl := range titles {
			if i > 0 {
				t.b.WriteString(strings.Repeat(" ", titleAt) + tl + "\n")
				continue
			}
			line := fmt.Sprintf("%s%s %s  ", indent, t.p.status(st), pad(o.ID, idWidth))
			if withPoints {
				line += pad(tl, titleCol) + "  " + t.p.dim(points(o.Earned, o.Points, unit))
			} else {
				line += tl
			}
			t.b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		if oneReason || st == check.Pass && !t.opts.Explain && !t.opts.AllChecks {
			continue
		}
		said := map[string]bool{} // a message said twice adds nothing
		for _, c := range o.Checks {
			if statusOf(c.Status) == check.Pass {
				if t.opts.AllChecks && c.Message != "" {
					t.lines(hanging(c.Message, t.width, detail, detail+"  "), plain)
				}
				if t.opts.Explain && c.Command != "" {
					t.lines(hanging("$ "+c.Command, t.width, detail, detail+"    "), t.p.dim)
				}
				continue
			}
			msg := c.Message
			if msg == "" {
				msg = fmt.Sprintf("%s %s: %s", c.Kind, c.Subject, statusOf(c.Status))
			}
			if said[msg] && !addsToMessage(c) {
				continue
			}
			said[msg] = true
			t.lines(hanging(msg, t.width, detail, detail+"  "), plain)
			if addsToMessage(c) {
				under := detail + "  " + strings.Repeat(" ", len("expected: "))
				t.lines(hanging(orNone(c.Expected), t.width, detail+"  expected: ", under), t.p.dim)
				t.lines(hanging(orNone(c.Actual), t.width, detail+"  actual:   ", under), t.p.dim)
			}
			if t.opts.Explain && c.Command != "" {
				t.lines(hanging("$ "+c.Command, t.width, detail+"  ", detail+"      "), t.p.dim)
			}
		}
	}
	if oneReason {
		t.lines(hanging(reason, t.width, detail, detail+"  "), plain)
	}
}

// summary writes the score line, coloured by the worst status, and the
// endpoint in one dim line.
func (t *textWriter) summary(r *check.Result, indent string, withHost bool) {
	n := countObjectives(r.Objectives)
	earned, possible := r.Score()
	line := fmt.Sprintf("%d/%d %s passed", n.passed, n.total, t.opts.noun())
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
	if possible > 0 {
		line += fmt.Sprintf(", %d of %s", earned, pointCount(possible))
	}
	colour := t.p.yellow
	switch r.Status() {
	case check.Pass:
		colour = t.p.green
	case check.Fail:
		colour = t.p.red
	}
	t.lines(hanging(line, t.width, indent, indent+"  "), colour)

	var parts []string
	e := r.Endpoint
	if withHost && e.Host != "" {
		host := e.Host
		if e.Source != "" {
			host += " (" + e.Source + ")"
		}
		parts = append(parts, host)
	}
	if e.ServerVersion != "" {
		parts = append(parts, engineName(e.Engine)+" "+e.ServerVersion)
	}
	if e.APIVersion != "" {
		parts = append(parts, "API "+e.APIVersion)
	}
	if e.ImageStore != "" {
		parts = append(parts, e.ImageStore+" image store")
	}
	switch at := t.opts.CheckedAt; {
	case !at.IsZero() && r.Duration > 0:
		parts = append(parts, "checked at "+at.Format("15:04:05")+" in "+r.Duration.Round(time.Millisecond).String())
	case !at.IsZero():
		parts = append(parts, "checked at "+at.Format("15:04:05"))
	case r.Duration > 0:
		parts = append(parts, "checked in "+r.Duration.Round(time.Millisecond).String())
	}
	if len(parts) > 0 {
		t.lines(hanging(strings.Join(parts, ", "), t.width, indent, indent+"  "), t.p.dim)
	}
}

// hostDetails writes what went wrong on one host of a class: its name and
// address, the objectives that did not pass, its score.
func (t *textWriter) hostDetails(r *check.Result) {
	label := hostName(r)
	if label != r.Endpoint.Host && r.Endpoint.Host != "" {
		label += "  " + r.Endpoint.Host
	}
	mark, markW := t.p.status(r.Status())+" ", len("ERROR ")
	if t.p.on {
		markW = 2 // a symbol and a space, between escape codes
	}
	for i, l := range wrap(label, max(t.width-markW, 0)) {
		if i > 0 {
			mark = strings.Repeat(" ", markW)
		}
		t.b.WriteString(mark + t.p.bold(l) + "\n")
	}
	if msg, ok := sameError(r); ok {
		// An unreachable host: one reason, not one per objective.
		t.lines(hanging(msg, t.width, "  ", "    "), plain)
	} else {
		t.objectives(r, "  ", true)
	}
	t.summary(r, "  ", false)
}

// sameError returns the message when every objective is in error for one
// and the same reason, as when the daemon could not be reached.
func sameError(r *check.Result) (string, bool) {
	msg := ""
	for i, o := range r.Objectives {
		c, ok := firstProblem(o)
		if statusOf(o.Status) != check.Error || !ok || (i > 0 && c.Message != msg) {
			return "", false
		}
		msg = c.Message
	}
	return msg, msg != ""
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

// pointCount is n points: "1 point", "3 points".
func pointCount(n int) string {
	if n == 1 {
		return "1 point"
	}
	return fmt.Sprintf("%d points", n)
}

// points is an objective's score, in the unit every screen uses: "0/1
// point", "2/3 points"; without the unit, "2/3".
func points(earned, possible int, unit bool) string {
	if !unit {
		return fmt.Sprintf("%d/%d", earned, possible)
	}
	word := "points"
	if possible == 1 {
		word = "point"
	}
	return fmt.Sprintf("%d/%d %s", earned, possible, word)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
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
	return p.cell(s)
}

// cell is the mark of a status in the class matrix: a coloured symbol on a
// terminal, a short word otherwise.
func (p palette) cell(s check.Status) string {
	text := p.cellText(s)
	switch statusOf(s) {
	case check.Pass:
		return p.green(text)
	case check.Fail:
		return p.red(text)
	}
	return p.yellow(text)
}

// cellText is cell without its colour: what the terminal shows, to align.
func (p palette) cellText(s check.Status) string {
	words := map[check.Status][2]string{check.Pass: {"PASS", "✓"}, check.Fail: {"FAIL", "✗"}, check.Error: {"ERR", "!"}}
	w := words[statusOf(s)]
	if p.on {
		return w[1]
	}
	return w[0]
}

// engineName is how the summary calls the engine: Podman is not Docker.
func engineName(engine string) string {
	switch engine {
	case dockerstate.EnginePodman:
		return "Podman"
	case dockerstate.EngineDocker, "":
		return "Docker"
	}
	return engine
}
