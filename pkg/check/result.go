package check

import (
	"fmt"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// Status is the outcome of a check or an objective.
type Status string

// The three statuses of the JSON report.
const (
	// Pass: the expected state holds.
	Pass Status = "pass"
	// Fail: the learner's state differs from the expected one.
	Fail Status = "fail"
	// Error: the check could not be evaluated (the daemon broke mid-run).
	Error Status = "error"
)

// Outcome is what one check found.
type Outcome struct {
	Kind    string // image, archive, answer, container
	Subject string // what was looked at: a reference, a file, an answer id
	Status  Status
	// Message is the diagnosis in the learner's words, with the next step
	// when there is one.
	Message string
	// Expected and Actual are the two values compared, when the check
	// compares two. A secret the learner must find (a digest asked for as
	// an answer) is never put here: Expected then says what kind of value
	// it is.
	Expected string
	Actual   string
	// Command is the docker command that shows the fact the check looked
	// at, so the learner can see it for themselves (--explain).
	Command string
}

// pass sets the outcome's status to Pass with a formatted message.
func (o Outcome) pass(format string, args ...any) Outcome {
	o.Status, o.Message = Pass, fmt.Sprintf(format, args...)
	return o
}

// fail sets the outcome's status to Fail with a formatted message.
func (o Outcome) fail(format string, args ...any) Outcome {
	o.Status, o.Message = Fail, fmt.Sprintf(format, args...)
	return o
}

// ObjectiveResult is the outcome of one objective: it passes when all its
// checks pass.
type ObjectiveResult struct {
	ID     string
	Title  string
	Status Status
	Points int // what the objective is worth
	Earned int // what the learner earned of it
	Checks []Outcome
}

// Result is the outcome of checking one mission against one endpoint; every
// report format renders it.
type Result struct {
	// Host is the host's name in a class (--hosts); empty when one
	// endpoint is checked.
	Host         string
	MissionID    string
	MissionTitle string
	// Vars are the mission's variables as this run used them: its own
	// values, and those --var gave. A grader sees what was checked.
	Vars       map[string]string
	Objectives []ObjectiveResult
	Endpoint   dockerstate.Endpoint
	Duration   time.Duration
}

// Passed says whether every objective passed.
func (r *Result) Passed() bool {
	for _, o := range r.Objectives {
		if o.Status != Pass {
			return false
		}
	}
	return true
}

// Score returns the points earned and possible.
func (r *Result) Score() (earned, possible int) {
	for _, o := range r.Objectives {
		earned += o.Earned
		possible += o.Points
	}
	return earned, possible
}

// Status is the worst status of the objectives: error over fail over pass.
func (r *Result) Status() Status { return worst(objectiveStatuses(r.Objectives)...) }

func objectiveStatuses(objs []ObjectiveResult) []Status {
	out := make([]Status, len(objs))
	for i, o := range objs {
		out[i] = o.Status
	}
	return out
}

func worst(ss ...Status) Status {
	w := Pass
	for _, s := range ss {
		switch {
		case s == Error:
			return Error
		case s == Fail:
			w = Fail
		}
	}
	return w
}
