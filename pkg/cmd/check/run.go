package check

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/progress"
	"github.com/academy-dev/academy/pkg/report"
)

// Run checks the mission and writes the reports. Its error decides the exit
// code: nil when every objective passed.
func Run(ctx context.Context, opts *Options) error {
	p, err := Plan(opts.Catalog(), opts.MissionID, opts.Vars, opts.Objectives)
	if err != nil {
		return err
	}
	if err := checkAnswers(p, opts.Objectives, opts.Answers); err != nil {
		return err
	}
	for _, h := range opts.Hosts {
		if err := checkAnswers(p, opts.Objectives, h.Answers); err != nil {
			return fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	if len(opts.Hosts) > 0 {
		return runClass(ctx, opts, p)
	}
	daemon, err := opts.OpenDaemon(dockerstate.Options{Host: opts.Host, Context: opts.Context, Timeout: opts.Timeout})
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	defer func() { daemon.Close() }() // the one in use at the end: --wait may open another
	for _, w := range daemon.Target().Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "academy: warning: %s\n", report.CleanLine(w))
	}
	runner := &check.Runner{Daemon: daemon, Dir: opts.Dir, Answers: opts.Answers, FileTimeout: opts.Timeout,
		Setup: opts.Flags.Command("setup", p.Mission.ID)}
	if opts.IO.InTTY && opts.IO.ErrTTY {
		runner.Ask = func(ctx context.Context, qs []check.Question) (map[string]string, error) {
			got, err := ask(ctx, opts.IO, qs)
			for k, v := range got {
				opts.Answers[k] = v // asked once, kept for every re-check
			}
			return got, err
		}
	}
	if opts.Watch {
		err := runWatch(ctx, opts, p, daemon, runner)
		if errors.Is(err, context.Canceled) {
			// Ctrl-C is how a learner leaves --watch: not an accident. On a
			// terminal, the line starts over the ^C it echoed.
			lead := ""
			if opts.IO.ErrTTY {
				lead = "\r"
			}
			fmt.Fprintln(opts.IO.ErrOut, lead+"stopped watching")
			return &cmdutil.ShownError{Err: cmdutil.ErrInterrupted}
		}
		return err
	}
	res, err := runOnce(ctx, runner, p, opts.Objectives, daemon.Host())
	if opts.Wait > 0 {
		var say io.Writer = io.Discard
		if opts.IO.ErrTTY {
			say = opts.IO.ErrOut
		}
		res, err = waitForPass(ctx, opts.Wait, say, waitingFor(opts, p), res, err, func(res *check.Result, err error) bool {
			return err == nil && verdict(res, opts, daemon.Host()) == nil
		}, func() (*check.Result, error) {
			runner.Ask = nil
			if err != nil {
				// A daemon that failed stays failed for its client (a CI
				// job's daemon still starting): ask it afresh.
				if d, oerr := opts.OpenDaemon(dockerstate.Options{Host: opts.Host, Context: opts.Context, Timeout: opts.Timeout}); oerr == nil {
					daemon.Close()
					daemon, runner.Daemon = d, d
				}
			}
			res, err = runOnce(ctx, runner, p, opts.Objectives, daemon.Host())
			return res, err
		})
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var unreachable *check.DaemonError
	complete := !errors.As(err, &unreachable)
	if werr := writeReports(ctx, opts, res, complete); werr != nil {
		return errors.Join(err, werr)
	}
	if err != nil {
		return err
	}
	progress.RecordCheck(opts.IO.ErrOut, res)
	return verdict(res, opts, daemon.Host())
}

// runOnce checks once. When the daemon cannot be reached, the result still
// says why, for the report files, and the error is a *check.DaemonError.
func runOnce(ctx context.Context, runner *check.Runner, p *check.Plan, only []string, host string) (*check.Result, error) {
	res, err := runner.Run(ctx, p, only)
	var unreachable *check.DaemonError
	if errors.As(err, &unreachable) {
		return check.Unreachable(p, only, dockerstate.Endpoint{Host: host}, err), err
	}
	return res, err
}

// verdict is the run's error, from which the exit code is decided: nil when
// every objective passed, or the score reached --min-score.
func verdict(res *check.Result, opts *Options, host string) error {
	switch res.Status() {
	case check.Error:
		return &cmdutil.DaemonError{Err: fmt.Errorf("some checks could not be evaluated: the daemon at %s answered with an error", host)}
	case check.Fail:
		if earned, _ := res.Score(); opts.MinScore >= 0 && earned >= opts.MinScore {
			return nil
		}
		return cmdutil.ErrFailed
	}
	return nil
}

// pollInterval is how often --wait checks again.
const pollInterval = 500 * time.Millisecond

// waitForPass checks again, every pollInterval, until everything passes or
// wait has gone by; a daemon that cannot be reached yet (a CI job starting
// it) is waited for too. It returns the last result. On say (a terminal's
// stderr, or io.Discard) it tells what it waits for and how to stop, and
// when the time runs out that it stopped waiting.
func waitForPass(ctx context.Context, wait time.Duration, say io.Writer, what string, res *check.Result, err error,
	done func(*check.Result, error) bool, again func() (*check.Result, error)) (*check.Result, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	told := false
	for {
		if done(res, err) || errors.Is(err, context.Canceled) {
			return res, err
		}
		if !told {
			fmt.Fprintf(say, "Waiting up to %s for %s, checking every %s — Ctrl-C to stop.\n", duration(wait), what, duration(pollInterval))
			told = true
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-deadline.C:
			fmt.Fprintf(say, "Stopped waiting after %s, before everything passed. The last check:\n", duration(wait))
			return res, err
		case <-time.After(pollInterval):
		}
		res, err = again()
	}
}

// waitingFor says what --wait waits for: "every objective to pass", "the
// objective digest to pass".
func waitingFor(opts *Options, p *check.Plan) string {
	switch len(opts.Objectives) {
	case 0:
		if len(p.Objectives) == 1 {
			return "its objective to pass"
		}
		return "every objective of " + report.CleanLine(p.Mission.ID) + " to pass"
	case 1:
		return "the objective " + report.CleanLine(opts.Objectives[0]) + " to pass"
	}
	return "the objectives " + report.CleanLine(strings.Join(opts.Objectives, ", ")) + " to pass"
}

// duration writes d as people do: 1m, 30s, 1h30m, 500ms.
func duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// nextMission is what the text report says when every objective of the
// mission passed (all of them were checked): that it is complete, and the
// next mission of the catalog, with the command that shows it.
func nextMission(opts *Options, id string) []string {
	// The catalog's files, listed once: each is read only when needed.
	files, err := opts.Catalog().Files()
	if err != nil {
		return nil
	}
	i := slices.IndexFunc(files, func(f mission.File) bool { return f.ID == id })
	if i < 0 {
		return nil
	}
	// The next mission in the catalog's order that the learner has not
	// completed, from this one on and round to the start.
	store, err := progress.Default()
	for k := 1; k < len(files); k++ {
		next := files[(i+k)%len(files)]
		if err == nil && completed(store, next) {
			continue
		}
		title := next.ID
		if t := next.Title(); t != "" {
			title = t
		}
		return []string{"Mission " + report.CleanLine(id) + " is complete. Next, " + report.CleanLine(title) + ": " + opts.Flags.Command("show", next.ID)}
	}
	if len(files) == 1 {
		return []string{"Mission " + report.CleanLine(id) + " is complete, and it is the only one. Your progress: " + opts.Flags.Command("missions")}
	}
	return []string{"Mission " + report.CleanLine(id) + " is complete, and so is every other one. Your progress on each: " + opts.Flags.Command("missions")}
}

// completed says whether every objective of mission f passed at the
// learner's last check. A mission never checked is not: its file is not
// even read.
func completed(store *progress.Store, f mission.File) bool {
	state, err := store.Load(f.ID)
	if err != nil || len(state.Objectives) == 0 {
		return false
	}
	m, err := f.Load()
	if err != nil || len(m.Objectives) == 0 {
		return false
	}
	objectives := make([]string, len(m.Objectives))
	for i, o := range m.Objectives {
		objectives[i] = o.ID
	}
	return state.Passed(objectives) == len(objectives)
}

// ask prompts on the terminal for each answer and reads a line; Enter alone
// skips. Ctrl-C while waiting ends the run at once. The prompt is the
// mission's ("paste the digest of nginx …"); the objective is named only
// when several ask, to tell them apart.
func ask(ctx context.Context, io *cmdutil.IOStreams, qs []check.Question) (map[string]string, error) {
	in := bufio.NewReader(io.In)
	answers := map[string]string{}
	for _, q := range qs {
		prompt := strings.TrimSuffix(strings.TrimSpace(report.CleanLine(q.Prompt)), ":")
		if len(qs) == 1 {
			fmt.Fprintf(io.ErrOut, "Your answer: %s, or press Enter to skip: ", prompt)
		} else {
			fmt.Fprintf(io.ErrOut, "Your answer for %s: %s, or press Enter to skip: ", report.CleanLine(q.Objective), prompt)
		}
		line, err := readLine(ctx, in)
		if err != nil {
			fmt.Fprintln(io.ErrOut)
			return nil, err
		}
		if len(line) > maxAnswer {
			return nil, cmdutil.Usagef("the answer for %s is longer than %d bytes", q.Objective, maxAnswer)
		}
		if strings.TrimSpace(line) != "" {
			answers[q.Objective] = strings.TrimSpace(line)
		}
	}
	fmt.Fprintln(io.ErrOut)
	return answers, nil
}

// readLine reads one line, giving up when ctx ends: a read from a terminal
// cannot be interrupted, so it is left to finish on its own.
func readLine(ctx context.Context, in *bufio.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := in.ReadString('\n')
		if err == io.EOF {
			err = nil
		}
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// writeReports renders every requested output. With complete false (the
// daemon could not be reached), text to the terminal is left out: the error
// line says it all. The github format appends its table to the job summary
// when GitHub Actions names one. On the terminal, a mission complete says
// so and what is next; --watch says when it last checked.
func writeReports(ctx context.Context, opts *Options, res *check.Result, complete bool) error {
	return renderWith(ctx, opts, func(r report.Renderer, w io.Writer, o report.Options) error { return r.Render(w, res, o) }, !complete,
		func(term *report.Options) {
			if complete && res.Passed() && len(res.Objectives) > 0 && len(opts.Objectives) == 0 {
				term.Next = nextMission(opts, res.MissionID)
			}
			if opts.Watch {
				term.CheckedAt = time.Now()
			}
		})
}

// render writes every requested output with the options each needs: colour
// and width for the terminal, none for files.
func render(ctx context.Context, opts *Options, write func(report.Renderer, io.Writer, report.Options) error, skipText bool) error {
	return renderWith(ctx, opts, write, skipText, nil)
}

// renderWith is render whose terminal's options are tuned by term. Every
// write yields to ctx: a reader that never reads (a FIFO, `| sleep`) does
// not hold the run past Ctrl-C.
func renderWith(ctx context.Context, opts *Options, write func(report.Renderer, io.Writer, report.Options) error, skipText bool, tune func(*report.Options)) error {
	var errs []error
	file := report.Options{Explain: opts.Explain, StepSummary: os.Getenv("GITHUB_STEP_SUMMARY")}
	for _, o := range opts.Outputs {
		r, _ := report.Lookup(o.Format)
		if o.File == "" {
			if skipText && o.Format == report.Default {
				continue
			}
			term := file
			term.Color, term.Width = opts.IO.ColorOut(), opts.IO.TerminalWidth
			if tune != nil {
				tune(&term)
			}
			if err := report.Write(ctx, opts.IO.Out, func(w io.Writer) error { return write(r, w, term) }); err != nil {
				errs = append(errs, fmt.Errorf("writing the %s report: %w", o.Format, err))
			}
			continue
		}
		if err := report.WriteFile(ctx, o.File, func(w io.Writer) error { return write(r, w, file) }); err != nil {
			errs = append(errs, fmt.Errorf("writing the %s report to %s: %w", o.Format, o.File, err))
		}
	}
	return errors.Join(errs...)
}
