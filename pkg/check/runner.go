package check

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// Daemon is the subset of daemon state the checks read.
type Daemon interface {
	Endpoint(ctx context.Context) (dockerstate.Endpoint, error)
	Image(ctx context.Context, ref string) (dockerstate.Image, error)
}

// Runner evaluates a mission's objectives.
type Runner struct {
	Daemon Daemon
	// Dir is where the mission's files (archives) are looked for.
	Dir string
	// Answers holds the learner's answers by objective id.
	Answers map[string]string
}

// DaemonError says the daemon could not be reached at all; nothing was
// evaluated.
type DaemonError struct{ Err error }

func (e *DaemonError) Error() string { return e.Err.Error() }
func (e *DaemonError) Unwrap() error { return e.Err }

// Run evaluates the objectives of m (expanded), or only those named in
// only. Checks run concurrently and share image look-ups, so a check costs
// one round trip however many objectives ask about the same image.
func (r *Runner) Run(ctx context.Context, m *mission.Mission, only []string) (*Result, error) {
	start := time.Now()
	objectives, err := selectObjectives(m, only)
	if err != nil {
		return nil, err
	}
	env := &env{runner: r, images: map[string]*imageLookup{}}

	res := &Result{MissionID: m.ID, MissionTitle: m.Title, Objectives: make([]ObjectiveResult, len(objectives))}
	var wg sync.WaitGroup
	var endpointErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		res.Endpoint, endpointErr = r.Daemon.Endpoint(ctx)
	}()
	for i, o := range objectives {
		res.Objectives[i] = ObjectiveResult{ID: o.ID, Title: o.Title, Points: o.Points, Checks: make([]Outcome, len(o.Checks))}
		for j, c := range o.Checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res.Objectives[i].Checks[j] = env.evaluate(ctx, o, c)
			}()
		}
	}
	wg.Wait()
	if endpointErr != nil {
		if errors.Is(endpointErr, context.Canceled) {
			return nil, endpointErr
		}
		return nil, &DaemonError{Err: endpointErr}
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

func selectObjectives(m *mission.Mission, only []string) ([]mission.Objective, error) {
	if len(only) == 0 {
		return m.Objectives, nil
	}
	out := make([]mission.Objective, 0, len(only))
	for _, id := range only {
		o, ok := m.Objective(id)
		if !ok {
			ids := make([]string, len(m.Objectives))
			for i, o := range m.Objectives {
				ids[i] = o.ID
			}
			return nil, &UnknownObjectiveError{Mission: m.ID, ID: id, Known: ids}
		}
		out = append(out, *o)
	}
	return out, nil
}

// UnknownObjectiveError names an objective the mission does not have.
type UnknownObjectiveError struct {
	Mission, ID string
	Known       []string
}

func (e *UnknownObjectiveError) Error() string {
	return fmt.Sprintf("mission %s has no objective %q (it has: %v)", e.Mission, e.ID, e.Known)
}

// env is what one run's checks share.
type env struct {
	runner *Runner
	mu     sync.Mutex
	images map[string]*imageLookup
}

type imageLookup struct {
	once sync.Once
	img  dockerstate.Image
	err  error
}

// image inspects ref once per run, however many checks ask.
func (e *env) image(ctx context.Context, ref string) (dockerstate.Image, error) {
	e.mu.Lock()
	l, ok := e.images[ref]
	if !ok {
		l = &imageLookup{}
		e.images[ref] = l
	}
	e.mu.Unlock()
	l.once.Do(func() {
		l.img, l.err = e.runner.Daemon.Image(ctx, ref)
		if l.err == nil && !named(l.img, ref) {
			// The daemon also resolves ID prefixes; a lesson's name must
			// be a real tag.
			l.err = fmt.Errorf("image %s: %w", ref, dockerstate.ErrNotFound)
		}
	})
	return l.img, l.err
}

// named says whether img carries ref as a tag or digest, rather than having
// been found by an ID prefix.
func named(img dockerstate.Image, ref string) bool {
	return hasName(img.RepoTags, ref) || hasName(img.RepoDigests, ref)
}

func (e *env) evaluate(ctx context.Context, o mission.Objective, c mission.Check) Outcome {
	switch {
	case c.Image != nil:
		return e.checkImage(ctx, c.Image)
	case c.Archive != nil:
		return e.checkArchive(ctx, c.Archive)
	case c.Answer != nil:
		return e.checkAnswer(ctx, o.ID, c.Answer)
	}
	return Outcome{Kind: c.Kind(), Status: Error, Message: "unknown check kind"}
}

// daemonFailure turns an error reading the daemon into an Outcome with
// status error: the check could not be evaluated.
func daemonFailure(kind, subject string, err error) Outcome {
	return Outcome{Kind: kind, Subject: subject, Status: Error, Message: fmt.Sprintf("could not check %s: %v", subject, err)}
}
