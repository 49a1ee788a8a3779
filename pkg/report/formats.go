package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/academy-dev/academy/pkg/check"
)

// Options tune rendering. The command fills them from its flags and
// streams; renderers never read the environment.
type Options struct {
	// Color turns on ANSI colour and the ✓ ✗ ! symbols, for a terminal. When
	// false, the report adds no escape codes and no symbols of its own: only
	// the mission's and the daemon's own words may be non-ASCII. Formats
	// meant for machines ignore it.
	Color bool
	// Explain names, under each check, the docker command that shows the
	// fact it looked at, so a learner can see it for themselves.
	Explain bool
	// Width is the terminal's width in columns: text wraps long lines to it,
	// with a hanging indent, and fits the class matrix of several hosts into
	// it. 0 means no limit (not a terminal).
	Width int
	// StepSummary is the file GitHub Actions names in $GITHUB_STEP_SUMMARY:
	// the github format appends a Markdown table of the objectives to it.
	// "" leaves it alone.
	StepSummary string
	// AllChecks shows, in text, the message of every check, passing ones
	// too: archive verify lists the images of a valid archive that way.
	AllChecks bool
	// Noun is the plural of what the objectives are, for text that counts
	// them ("2/3 archives passed"); "" means "objectives".
	Noun string
	// Next are lines the text report ends with, saying what to do next
	// ("Mission complete. Next, …: academy show zone7-airgap"). Other
	// formats ignore them.
	Next []string
	// CheckedAt, when set, is when the check ran: text says it, so a
	// screen redrawn by --watch shows how fresh it is.
	CheckedAt time.Time
	// Extra holds more top-level members of the json report, by name: the
	// data a command has beyond the result model (archive verify's images
	// and layers under "archives"). A member of the report itself is never
	// replaced. Other formats ignore it.
	Extra map[string]any
}

// noun is the plural naming the objectives.
func (o Options) noun() string {
	if o.Noun == "" {
		return "objectives"
	}
	return o.Noun
}

// Renderer writes results in one format.
type Renderer interface {
	// Render writes the report of one endpoint.
	Render(w io.Writer, r *check.Result, opts Options) error
	// RenderMulti writes the reports of several endpoints (--hosts) as one
	// document, in the order given.
	RenderMulti(w io.Writer, rs []*check.Result, opts Options) error
}

// Default is the format used when none is asked for.
const Default = "text"

// formats is filled once, by each format's init, and only read after.
var formats = map[string]Renderer{}

// register makes a format available by name; each format's file calls it
// from init.
func register(name string, r Renderer) {
	if _, dup := formats[name]; dup {
		panic("report: format " + name + " registered twice")
	}
	formats[name] = r
}

// Lookup returns the renderer registered for a format name, and whether it
// exists.
func Lookup(name string) (Renderer, bool) {
	r, ok := formats[name]
	return r, ok
}

// Names lists the formats, the default first and the others in alphabetical
// order, for help text and completion.
func Names() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		if n != Default {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return append([]string{Default}, names...)
}

// write hands the whole report to w in one call.
func write(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}

// tally counts objectives by status.
type tally struct{ total, passed, failed, errored int }

func countObjectives(objs []check.ObjectiveResult) tally {
	t := tally{total: len(objs)}
	for _, o := range objs {
		switch statusOf(o.Status) {
		case check.Pass:
			t.passed++
		case check.Fail:
			t.failed++
		default:
			t.errored++
		}
	}
	return t
}

// statusOf reads anything but pass or fail as error: a status nobody set
// means nothing was evaluated, and must never look like a pass.
func statusOf(s check.Status) check.Status {
	if s == check.Pass || s == check.Fail {
		return s
	}
	return check.Error
}

// firstProblem is the first check of an objective that did not pass, with
// error checks first when the objective itself is in error: that is the one
// that explains the objective's status.
func firstProblem(o check.ObjectiveResult) (check.Outcome, bool) {
	want := statusOf(o.Status)
	for _, c := range o.Checks {
		if statusOf(c.Status) == want && want != check.Pass {
			return c, true
		}
	}
	for _, c := range o.Checks {
		if statusOf(c.Status) != check.Pass {
			return c, true
		}
	}
	return check.Outcome{}, false
}

// allPassed says whether every result passed; no results is not a pass.
func allPassed(rs []*check.Result) bool {
	for _, r := range rs {
		if !r.Passed() {
			return false
		}
	}
	return len(rs) > 0
}

// hostName names the endpoint of a result for people: the name it has in
// a --hosts file, else its address.
//
// hostName is how a report calls a host: its name in the class's list of
// hosts, else its endpoint.
func hostName(r *check.Result) string {
	if r.Host != "" {
		return r.Host
	}
	return r.Endpoint.Host
}

// ofPoints is ", E of P points", or nothing when nothing is worth points.
func ofPoints(earned, possible int) string {
	if possible == 0 {
		return ""
	}
	return fmt.Sprintf(", %d of %s", earned, pointCount(possible))
}

// titleOr returns title, or id when the title is empty.
func titleOr(title, id string) string {
	if title == "" {
		return id
	}
	return title
}

// Clean makes a string from outside — a mission file, a daemon's answer,
// an archive, a flag — safe to show: control characters other than newline
// and tab, Unicode format characters (bidirectional overrides such as
// U+202E, zero-width characters), and what is not valid UTF-8 or valid in
// XML become U+FFFD. Nothing from outside can then drive a terminal, reorder
// what it shows, or break a report's syntax.
func Clean(s string) string {
	bad := func(r rune) bool {
		return r == unicode.ReplacementChar || r == 0xFFFE || r == 0xFFFF || r == '\r' ||
			(unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Cf, r)
	}
	if strings.IndexFunc(s, bad) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case bad(r):
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// CleanLine is Clean onto one line: runs of white space, line breaks
// included, become one space. A message shown on one line cannot forge
// another line of a report.
func CleanLine(s string) string {
	return oneLine(Clean(s))
}

// clean is CleanLine: every string of a result is shown on one line.
func clean(s string) string { return CleanLine(s) }

// oneLine folds a multi-line string onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cleaned returns a copy of r with every string passed through clean, for
// the formats that write strings as they are.
func cleaned(r *check.Result) *check.Result {
	c := *r
	c.MissionID, c.MissionTitle, c.Host = clean(r.MissionID), clean(r.MissionTitle), clean(r.Host)
	e := &c.Endpoint
	e.Host, e.APIVersion, e.ServerVersion, e.ImageStore = clean(e.Host), clean(e.APIVersion), clean(e.ServerVersion), clean(e.ImageStore)
	e.Engine, e.Source = clean(e.Engine), clean(e.Source)
	c.Objectives = make([]check.ObjectiveResult, len(r.Objectives))
	for i, o := range r.Objectives {
		o.ID, o.Title = clean(o.ID), clean(o.Title)
		checks := make([]check.Outcome, len(o.Checks))
		for j, k := range o.Checks {
			k.Kind, k.Subject, k.Message, k.Command = clean(k.Kind), clean(k.Subject), clean(k.Message), clean(k.Command)
			k.Expected, k.Actual = clean(k.Expected), clean(k.Actual)
			checks[j] = k
		}
		o.Checks = checks
		c.Objectives[i] = o
	}
	return &c
}
