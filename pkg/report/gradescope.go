package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("gradescope", gradescopeRenderer{}) }

// gradescopeRenderer writes the results.json a Gradescope autograder leaves
// in /autograder/results: one test per objective, its points as max_score
// and what was earned as score. The shape is Gradescope's "Autograder
// Specifications" (gradescope-autograders.readthedocs.io/en/latest/specs,
// "Output format"); only fields documented there are written.
type gradescopeRenderer struct{}

type gradescopeResults struct {
	// Score overrides the sum of the tests' scores; it is that sum.
	Score         int    `json:"score"`
	ExecutionTime int    `json:"execution_time"` // seconds
	Output        string `json:"output"`
	// OutputFormat "text": the default for the top-level output renders
	// HTML, and these strings come from a daemon and a mission file.
	OutputFormat string           `json:"output_format"`
	Tests        []gradescopeTest `json:"tests"`
}

type gradescopeTest struct {
	Name     string `json:"name"`
	Score    int    `json:"score"`
	MaxScore int    `json:"max_score"`
	Status   string `json:"status"` // passed or failed
	Output   string `json:"output"`
	// OutputFormat is "text", the documented default, said outright.
	OutputFormat string `json:"output_format"`
}

func (gradescopeRenderer) Render(w io.Writer, r *check.Result, _ Options) error {
	return writeGradescope(w, []*check.Result{r}, false)
}

// RenderMulti writes one test per host and objective, each named after
// its host.
func (gradescopeRenderer) RenderMulti(w io.Writer, rs []*check.Result, _ Options) error {
	return writeGradescope(w, rs, true)
}

func writeGradescope(w io.Writer, rs []*check.Result, multi bool) error {
	res := gradescopeResults{OutputFormat: "text", Tests: []gradescopeTest{}}
	var seconds float64
	var outputs []string
	for _, r := range rs {
		r = cleaned(r)
		seconds += r.Duration.Seconds()
		prefix := ""
		if multi {
			prefix = hostName(r) + ": "
		}
		for _, o := range r.Objectives {
			st := "failed"
			if statusOf(o.Status) == check.Pass {
				st = "passed"
			}
			res.Score += o.Earned
			res.Tests = append(res.Tests, gradescopeTest{
				Name:  prefix + o.ID + ": " + titleOr(o.Title, o.ID),
				Score: o.Earned, MaxScore: o.Points, Status: st,
				Output: checkLines(o), OutputFormat: "text",
			})
		}
		outputs = append(outputs, prefix+scoreLine(r))
	}
	res.ExecutionTime = int(math.Round(seconds))
	res.Output = strings.Join(outputs, "\n")
	return encodeJSON(w, res)
}

// checkLines says what each check of an objective found, one per line,
// with the values compared when the message does not already show them.
func checkLines(o check.ObjectiveResult) string {
	var lines []string
	if statusOf(o.Status) == check.Error {
		lines = append(lines, "could not be checked:")
	}
	for _, c := range o.Checks {
		msg := c.Message
		if msg == "" {
			msg = fmt.Sprintf("%s %s", c.Kind, c.Subject)
		}
		lines = append(lines, strings.ToUpper(string(statusOf(c.Status)))+" "+msg)
		if statusOf(c.Status) != check.Pass && addsToMessage(c) {
			lines = append(lines, "  expected: "+orNone(c.Expected), "  actual:   "+orNone(c.Actual))
		}
	}
	return strings.Join(lines, "\n")
}

// scoreLine is one line on a result as a whole: mission, objectives passed,
// points, endpoint.
func scoreLine(r *check.Result) string {
	t := countObjectives(r.Objectives)
	earned, possible := r.Score()
	line := fmt.Sprintf("%s: %d/%d objectives passed, %d of %s", titleOr(r.MissionTitle, r.MissionID), t.passed, t.total, earned, pointCount(possible))
	if e := r.Endpoint; e.Host != "" {
		line += " (" + e.Host
		if e.ServerVersion != "" {
			line += ", " + engineName(e.Engine) + " " + e.ServerVersion
		}
		line += ")"
	}
	return line
}
