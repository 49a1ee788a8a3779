package check

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// DefaultConcurrency is how many checks of one run are evaluated at once.
const DefaultConcurrency = 8

// Runner evaluates a plan's objectives.
type Runner struct {
	// Daemon is the daemon checked; kinds reach it through the small
	// interfaces they need (ImageReader, …).
	Daemon Daemon
	// Dir is where the mission's files (archives) are looked for.
	Dir string
	// Answers holds the learner's answers by objective id.
	Answers map[string]string
	// Concurrency bounds the checks evaluated at once; 0 means
	// DefaultConcurrency.
	Concurrency int
	// FileTimeout bounds the reading of one file of the lab (an archive);
	// 0 means dockerstate.DefaultTimeout.
	FileTimeout time.Duration
	// Setup is the command that makes the mission's starting state, as
	// the learner types it ("academy setup zone7 --var image=shop:v2"): a
	// check that misses an image set-up makes names it. "" means "academy
	// setup MISSION".
	Setup string
	// Ask, when set, is called once the daemon has answered and before
	// any check runs, with the questions of the selected objectives that
	// have no answer yet; what it returns is added to Answers.
	Ask func(ctx context.Context, qs []Question) (map[string]string, error)
}

// DaemonError says the daemon could not be reached at all; nothing was
// evaluated.
type DaemonError struct{ Err error }

func (e *DaemonError) Error() string { return e.Err.Error() }
func (e *DaemonError) Unwrap() error { return e.Err }

// UnknownObjectiveError names an objective the mission does not have.
type UnknownObjectiveError struct {
	Mission, ID string
	Known       []string
}

func (e *UnknownObjectiveError) Error() string {
	return fmt.Sprintf("mission %s has no objective %q (it has: %s)", e.Mission, e.ID, strings.Join(e.Known, ", "))
}

// Select returns the plan's objectives named in only, in the order given;
// all of them when only is empty.
func (p *Plan) Select(only []string) ([]Objective, error) {
	if len(only) == 0 {
		return p.Objectives, nil
	}
	out := make([]Objective, 0, len(only))
	seen := map[string]bool{}
	for _, id := range only {
		if seen[id] {
			continue // named twice, checked (and scored) once
		}
		seen[id] = true
		found := false
		for _, o := range p.Objectives {
			if o.ID == id {
				out, found = append(out, o), true
				break
			}
		}
		if !found {
			return nil, &UnknownObjectiveError{Mission: p.Mission.ID, ID: id, Known: p.Mission.ObjectiveIDs()}
		}
	}
	return out, nil
}

// Run evaluates the objectives of p named in only (all when only is empty).
// The daemon is asked first whether it answers: when it does not, nothing is
// evaluated and the error is a *DaemonError. Checks then run concurrently,
// at most Concurrency at once, sharing look-ups.
func (r *Runner) Run(ctx context.Context, p *Plan, only []string) (*Result, error) {
	start := time.Now()
	objectives, err := p.Select(only)
	if err != nil {
		return nil, err
	}
	res := &Result{MissionID: p.Mission.ID, MissionTitle: p.Mission.Title, Vars: maps.Clone(p.Mission.Vars), Objectives: make([]ObjectiveResult, len(objectives))}
	endpoint, err := r.Daemon.Endpoint(ctx)
	res.Endpoint = endpoint
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, &DaemonError{Err: err}
	}
	state := &labState{
		daemon: r.Daemon, dir: r.Dir, setup: r.Setup, setupRefs: setupRefs(p),
		mission: p.Mission.ID, builtins: builtinRefs(p),
		builtinIDs:  map[string]*lookup[*builtin.Archive]{},
		fileTimeout: r.FileTimeout,
		images:      map[string]*lookup[dockerstate.Image]{},
	}
	if state.setup == "" {
		state.setup = "academy setup " + p.Mission.ID
	}
	if state.fileTimeout <= 0 {
		state.fileTimeout = dockerstate.DefaultTimeout
	}
	if state.answers, err = r.answers(ctx, p, only, state); err != nil {
		return nil, err
	}
	start = time.Now() // the time at the prompt is not the check's
	n := r.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, o := range objectives {
		res.Objectives[i] = ObjectiveResult{ID: o.ID, Title: o.Title, Points: o.Points, Checks: make([]Outcome, len(o.Checks))}
		lab := &Lab{shared: state, objective: o.ID}
		for j, c := range o.Checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
					res.Objectives[i].Checks[j] = Outcome{Kind: c.Kind, Status: Error, Message: ctx.Err().Error()}
					return
				}
				out := c.Spec.Check(ctx, lab)
				out.Kind = c.Kind
				res.Objectives[i].Checks[j] = out
			}()
		}
	}
	wg.Wait()
	// What the look-ups taught of the daemon (its image store) shows in
	// the report; asking again costs nothing once negotiated.
	if ep, err := r.Daemon.Endpoint(ctx); err == nil {
		res.Endpoint = ep
	}
	for i := range res.Objectives {
		o := &res.Objectives[i]
		statuses := make([]Status, len(o.Checks))
		for j, c := range o.Checks {
			statuses[j] = c.Status
		}
		o.Status = worst(statuses...)
		if o.Status == Pass {
			o.Earned = o.Points
		}
	}
	res.Duration = time.Since(start)
	return res, ctx.Err()
}

// answers are the answers given, and those Ask gets for the questions left.
// A question is not asked when its answer could not be checked anyway (the
// image whose digest is asked for is not there): the check says why.
func (r *Runner) answers(ctx context.Context, p *Plan, only []string, state *labState) (map[string]string, error) {
	answers := make(map[string]string, len(r.Answers))
	for k, v := range r.Answers {
		answers[k] = v
	}
	if r.Ask == nil {
		return answers, nil
	}
	var open []Question
	for _, q := range p.Questions(only) {
		if _, given := answers[q.Objective]; given {
			continue
		}
		if a, ok := q.spec.(answerable); ok && !a.Answerable(ctx, &Lab{shared: state, objective: q.Objective}) {
			continue
		}
		open = append(open, q)
	}
	if len(open) == 0 {
		return answers, nil
	}
	got, err := r.Ask(ctx, open)
	if err != nil {
		return nil, err
	}
	for k, v := range got {
		answers[k] = v
	}
	return answers, nil
}

// daemonFailure turns an error reading the daemon into an Outcome with
// status error: the check could not be evaluated.
func daemonFailure(subject string, err error) Outcome {
	return Outcome{Subject: subject, Status: Error, Message: fmt.Sprintf("could not check %s: %v", subject, err)}
}

// Unreachable is the result of a run whose daemon could not be reached:
// every objective asked for is in error, with err as the reason, so a
// report file still says why nothing was checked.
func Unreachable(p *Plan, only []string, endpoint dockerstate.Endpoint, err error) *Result {
	objectives, selErr := p.Select(only)
	if selErr != nil {
		objectives = p.Objectives
	}
	res := &Result{MissionID: p.Mission.ID, MissionTitle: p.Mission.Title, Endpoint: endpoint,
		Vars: maps.Clone(p.Mission.Vars), Objectives: make([]ObjectiveResult, len(objectives))}
	for i, o := range objectives {
		res.Objectives[i] = ObjectiveResult{ID: o.ID, Title: o.Title, Status: Error, Points: o.Points,
			Checks: []Outcome{{Kind: "daemon", Subject: endpoint.Host, Status: Error, Message: err.Error()}}}
	}
	return res
}
