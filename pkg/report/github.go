package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("github", githubRenderer{}) }

// githubRenderer writes GitHub Actions workflow commands: an ::error
// annotation for each objective that did not pass, a plain log line for each
// that did, and the score.
type githubRenderer struct{}

func (githubRenderer) Render(w io.Writer, r *check.Result, _ Options) error {
	var b bytes.Buffer
	writeGitHub(&b, r, "")
	return write(w, b.Bytes())
}

// RenderMulti names the endpoint in every annotation's title.
func (githubRenderer) RenderMulti(w io.Writer, rs []*check.Result, _ Options) error {
	var b bytes.Buffer
	passed := 0
	for _, r := range rs {
		writeGitHub(&b, r, r.Endpoint.Host)
		if r.Passed() {
			passed++
		}
	}
	fmt.Fprintf(&b, "%d/%d hosts passed\n", passed, len(rs))
	return write(w, b.Bytes())
}

func writeGitHub(b *bytes.Buffer, r *check.Result, host string) {
	r = cleaned(r)
	suffix := ""
	if host != "" {
		suffix = " (" + oneLine(host) + ")"
	}
	for _, o := range r.Objectives {
		title := oneLine(r.MissionID+" "+o.ID+": "+titleOr(o.Title, o.ID)) + suffix
		st := statusOf(o.Status)
		if st == check.Pass {
			// A plain line: it starts with a word of ours, so no title can
			// smuggle in a workflow command.
			fmt.Fprintf(b, "PASS %s (%s)\n", title, points(o.Earned, o.Points))
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
		fmt.Fprintf(b, "::error title=%s::%s\n", escapeProperty(title), escapeData(msg.String()))
	}
	earned, possible := r.Score()
	t := countObjectives(r.Objectives)
	fmt.Fprintf(b, "academy %s%s: %d/%d objectives passed, %d of %d points\n",
		oneLine(r.MissionID), suffix, t.passed, t.total, earned, possible)
}

// escapeData and escapeProperty escape as @actions/core does, so a message
// stays one command whatever it holds.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
