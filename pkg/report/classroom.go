package report

import (
	"io"
	"strings"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("classroom", classroomRenderer{}) }

// classroomRenderer writes the result of a GitHub Classroom autograding
// runner: the JSON a runner step publishes, base64-encoded, as its `result`
// output, and that classroom-resources/autograding-grading-reporter reads
// back from the <RUNNER>_RESULTS environment variable (src/main.js,
// parseRunnerResults). The shape is the runners' own, as
// classroom-resources/autograding-command-grader builds it (src/main.js,
// generateResult): version 1, status, max_score, and tests with name,
// status, score, message, test_code, filename, line_no and duration. The
// reporter sends the sum of the tests' scores over max_score to Classroom
// (src/notify-classroom.js), so partial credit reaches the grade.
type classroomRenderer struct{}

type classroomResult struct {
	Version  int             `json:"version"`
	Status   string          `json:"status"` // pass, fail or error
	MaxScore int             `json:"max_score"`
	Tests    []classroomTest `json:"tests"`
}

type classroomTest struct {
	Name    string `json:"name"`
	Status  string `json:"status"` // pass, fail or error
	Score   int    `json:"score"`
	Message string `json:"message"`
	// TestCode is the command that checks this objective again; the
	// reporter shows it under the test.
	TestCode string `json:"test_code"`
	Filename string `json:"filename"`
	LineNo   int    `json:"line_no"`
	// Duration in milliseconds: objectives are not timed one by one.
	Duration int64 `json:"duration"`
}

func (classroomRenderer) Render(w io.Writer, r *check.Result, _ Options) error {
	return writeClassroom(w, []*check.Result{r}, false)
}

// RenderMulti writes one test per host and objective, each named after its
// host; the status is the worst of all.
func (classroomRenderer) RenderMulti(w io.Writer, rs []*check.Result, _ Options) error {
	return writeClassroom(w, rs, true)
}

func writeClassroom(w io.Writer, rs []*check.Result, multi bool) error {
	res := classroomResult{Version: 1, Status: string(check.Pass), Tests: []classroomTest{}}
	statuses := []check.Status{}
	for _, r := range rs {
		r = cleaned(r)
		prefix := ""
		if multi {
			prefix = hostName(r) + ": "
		}
		for _, o := range r.Objectives {
			st := statusOf(o.Status)
			statuses = append(statuses, st)
			res.MaxScore += o.Points
			res.Tests = append(res.Tests, classroomTest{
				Name: prefix + o.ID + ": " + titleOr(o.Title, o.ID), Status: string(st),
				Score: o.Earned, Message: checkLines(o),
				TestCode: strings.Join([]string{"academy", "check", r.MissionID, o.ID}, " "),
			})
		}
	}
	res.Status = string(worstOf(statuses))
	return encodeJSON(w, res)
}

// worstOf is error over fail over pass; nothing checked is an error.
func worstOf(ss []check.Status) check.Status {
	if len(ss) == 0 {
		return check.Error
	}
	w := check.Pass
	for _, s := range ss {
		switch statusOf(s) {
		case check.Error:
			return check.Error
		case check.Fail:
			w = check.Fail
		}
	}
	return w
}
