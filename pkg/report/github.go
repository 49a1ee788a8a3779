package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("github", githubRenderer{}) }

// githubRenderer writes GitHub Actions workflow commands: an ::error
// annotation for each objective that did not pass, a plain log line for each
// that did, and the score. With Options.StepSummary it also appends a
// Markdown table of the objectives to the job's summary.
type githubRenderer struct{}

func (githubRenderer) Render(w io.Writer, r *check.Result, opts Options) error {
	var b bytes.Buffer
	writeGitHub(&b, r, "", opts.noun())
	if err := write(w, b.Bytes()); err != nil {
		return err
	}
	return appendSummary(opts.StepSummary, summaryTable(cleaned(r)))
}

// RenderMulti names the endpoint in every annotation's title; the step
// summary is the class matrix.
func (githubRenderer) RenderMulti(w io.Writer, rs []*check.Result, opts Options) error {
	var b bytes.Buffer
	passed := 0
	for _, r := range rs {
		writeGitHub(&b, r, hostName(r), opts.noun())
		if r.Passed() {
			passed++
		}
	}
	fmt.Fprintf(&b, "%d/%d hosts passed\n", passed, len(rs))
	if err := write(w, b.Bytes()); err != nil {
		return err
	}
	cl := make([]*check.Result, len(rs))
	for i, r := range rs {
		cl[i] = cleaned(r)
	}
	return appendSummary(opts.StepSummary, summaryMatrix(cl))
}

func writeGitHub(b *bytes.Buffer, r *check.Result, host, noun string) {
	r = cleaned(r)
	_, possible := r.Score()
	pts := func(o check.ObjectiveResult) string {
		if possible == 0 {
			return ""
		}
		return " (" + points(o.Earned, o.Points, true) + ")"
	}
	suffix := ""
	if host != "" {
		suffix = " (" + clean(host) + ")"
	}
	for _, o := range r.Objectives {
		title := oneLine(r.MissionID+" "+o.ID+": "+titleOr(o.Title, o.ID)) + suffix
		st := statusOf(o.Status)
		if st == check.Pass {
			// A plain line: it starts with a word of ours, so no title can
			// smuggle in a workflow command.
			fmt.Fprintf(b, "PASS %s%s\n", title, pts(o))
			continue
		}
		var msg strings.Builder
		if st == check.Error {
			msg.WriteString("could not be checked: ")
		}
		first := true
		for _, c := range o.Checks {
			if statusOf(c.Status) == check.Pass {
				continue
			}
			if !first {
				msg.WriteByte('\n')
			}
			first = false
			msg.WriteString(c.Message)
			if addsToMessage(c) {
				fmt.Fprintf(&msg, "\nexpected: %s\nactual: %s", orNone(c.Expected), orNone(c.Actual))
			}
		}
		title += pts(o)
		fmt.Fprintf(b, "::error title=%s::%s\n", escapeProperty(title), escapeData(msg.String()))
	}
	earned, _ := r.Score()
	t := countObjectives(r.Objectives)
	fmt.Fprintf(b, "academy %s%s: %d/%d %s passed%s\n",
		oneLine(r.MissionID), suffix, t.passed, t.total, noun, ofPoints(earned, possible))
}

// escapeData and escapeProperty escape as GitHub's workflow commands
// documentation and @actions/core's command.ts do, so a message stays one
// command whatever it holds: % CR LF in data, and : , too in a property.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// appendSummary appends md to the step summary file in one write, opened
// for appending, so steps that write the same summary cannot interleave
// within it. An empty path does nothing.
func appendSummary(path string, md []byte) error {
	if path == "" {
		return nil
	}
	// Only a regular file, or a new one: opening a pipe that no one reads
	// would wait beyond Ctrl-C.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("the step summary %s is not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("appending to the step summary: %w", err)
	}
	if _, err := f.Write(md); err != nil {
		f.Close()
		return fmt.Errorf("appending to the step summary %s: %w", path, err)
	}
	return f.Close()
}

// summaryTable is the step summary of one endpoint: a Markdown table of the
// objectives, their status, points and first problem.
func summaryTable(r *check.Result) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "### %s\n\n", md(titleOr(r.MissionTitle, r.MissionID)))
	b.WriteString("| objective | status | points | details |\n|---|---|---:|---|\n")
	for _, o := range r.Objectives {
		detail := ""
		if c, ok := firstProblem(o); ok {
			detail = c.Message
		}
		fmt.Fprintf(&b, "| `%s` %s | %s | %d/%d | %s |\n", mdCode(o.ID), md(titleOr(o.Title, o.ID)),
			mdStatus(o.Status), o.Earned, o.Points, md(truncate(detail, 300)))
	}
	earned, possible := r.Score()
	t := countObjectives(r.Objectives)
	fmt.Fprintf(&b, "| **total** | %d/%d passed | **%d/%d** | %s |\n\n", t.passed, t.total, earned, possible, md(r.Endpoint.Host))
	return b.Bytes()
}

// summaryMatrix is the step summary of a class: hosts × objectives.
func summaryMatrix(rs []*check.Result) []byte {
	var b bytes.Buffer
	if len(rs) > 0 {
		fmt.Fprintf(&b, "### %s\n\n", md(titleOr(rs[0].MissionTitle, rs[0].MissionID)))
	}
	var ids []string
	seen := map[string]bool{}
	for _, r := range rs {
		for _, o := range r.Objectives {
			if !seen[o.ID] {
				seen[o.ID] = true
				ids = append(ids, o.ID)
			}
		}
	}
	b.WriteString("| host |")
	for _, id := range ids {
		fmt.Fprintf(&b, " `%s` |", mdCode(id))
	}
	b.WriteString(" points |\n|---|" + strings.Repeat("---|", len(ids)) + "---:|\n")
	passed := 0
	for _, r := range rs {
		if r.Passed() && len(r.Objectives) > 0 {
			passed++
		}
		fmt.Fprintf(&b, "| %s |", md(hostName(r)))
		for _, id := range ids {
			cell := ""
			for _, o := range r.Objectives {
				if o.ID == id {
					cell = mdStatus(o.Status)
					break
				}
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		earned, possible := r.Score()
		fmt.Fprintf(&b, " %d/%d |\n", earned, possible)
	}
	fmt.Fprintf(&b, "\n%d/%d hosts passed\n\n", passed, len(rs))
	return b.Bytes()
}

func mdStatus(s check.Status) string {
	switch statusOf(s) {
	case check.Pass:
		return "✅ pass"
	case check.Fail:
		return "❌ fail"
	}
	return "⚠️ error"
}

// md escapes a string from outside for a Markdown table cell: nothing in it
// can end the cell, start markup, a link or HTML. Strings are already on
// one line (cleaned).
func md(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '(', ')', '#', '!', '|', '~', '{', '}', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode makes an id safe inside a `code span`: no backquote can end it and
// no | can end the cell (GitHub splits cells before it reads code spans).
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "\\|").Replace(s)
}
