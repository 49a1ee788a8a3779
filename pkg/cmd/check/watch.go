package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/progress"
	"github.com/academy-dev/academy/pkg/report"
)

// How --watch waits for changes.
const (
	// filePoll is how often the lab's files are looked at; a file being
	// written (docker save) is re-checked once it has stopped changing.
	filePoll = 100 * time.Millisecond
	// eventsRetryMax bounds the wait before reconnecting to the events.
	eventsRetryMax = 5 * time.Second
	// eventsGiveUp is how many failed connections in a row, without one
	// event, make the watch fall back to polling.
	eventsGiveUp = 3
	// pollEvery is the polling interval when events are unavailable.
	pollEvery = time.Second
)

// change is something that may affect the lab: a daemon event, a file of
// the lab that changed, or a poll (which affects everything).
type change struct {
	event *dockerstate.Event
	file  string
	all   bool
}

// watcher re-checks the objectives a change can affect and redraws.
type watcher struct {
	opts     *Options
	plan     *check.Plan
	runner   *check.Runner
	daemon   *dockerstate.Daemon
	current  *check.Result
	watches  map[string]check.Watch // by objective id
	watchAll map[string]bool        // objectives whose checks do not say what they read
}

// runWatch checks, then stays: it follows the daemon's events and the lab's
// files, re-checks only the objectives a change can affect, and redraws,
// until everything passes (exit 0) or Ctrl-C (exit 130).
func runWatch(ctx context.Context, opts *Options, p *check.Plan, daemon *dockerstate.Daemon, runner *check.Runner) error {
	objectives, err := p.Select(opts.Objectives)
	if err != nil {
		return err
	}
	w := &watcher{opts: opts, plan: p, runner: runner, daemon: daemon,
		watches: map[string]check.Watch{}, watchAll: map[string]bool{}}
	var files []string
	wantContainers := false
	for _, o := range objectives {
		ow, all := o.Watches()
		w.watches[o.ID], w.watchAll[o.ID] = ow, all
		files = append(files, ow.Files...)
		wantContainers = wantContainers || len(ow.Containers) > 0 || all
	}
	res, err := runOnce(ctx, runner, p, opts.Objectives, daemon.Host())
	if errors.Is(err, context.Canceled) {
		return err
	}
	runner.Ask = nil
	w.current = res
	if err := w.draw(ctx, err == nil); err != nil {
		return err
	}
	if err == nil && res.Passed() {
		return nil
	}

	changes := make(chan change, 64)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.followEvents(ctx, wantContainers, changes)
	go pollFiles(ctx, opts.Dir, files, changes)

	for {
		var c change
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c = <-changes:
		}
		affected := w.affected(c)
		// Take whatever else has arrived meanwhile into the same round.
	drain:
		for {
			select {
			case more := <-changes:
				for _, id := range w.affected(more) {
					affected = appendNew(affected, id)
				}
			default:
				break drain
			}
		}
		if len(affected) == 0 {
			continue
		}
		part, err := runOnce(ctx, w.runner, p, affected, w.daemon.Host())
		if errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil || part.Status() == check.Error {
			// A daemon that failed stays failed for its client: the next
			// round talks to it afresh.
			w.reopen()
		}
		w.merge(part)
		if err := w.draw(ctx, err == nil); err != nil {
			return err
		}
		if err == nil && w.current.Passed() {
			return nil
		}
	}
}

// affected lists the ids of the objectives a change can affect.
func (w *watcher) affected(c change) []string {
	var ids []string
	for _, o := range w.current.Objectives {
		ow := w.watches[o.ID]
		hit := c.all || w.watchAll[o.ID]
		switch {
		case c.event != nil:
			hit = hit || ow.Affects(*c.event)
		case c.file != "":
			for _, f := range ow.Files {
				hit = hit || f == c.file
			}
		}
		if hit {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// merge puts a partial result's objectives in place in the current one.
func (w *watcher) merge(part *check.Result) {
	next := *w.current
	next.Objectives = append([]check.ObjectiveResult(nil), w.current.Objectives...)
	for _, o := range part.Objectives {
		for i := range next.Objectives {
			if next.Objectives[i].ID == o.ID {
				next.Objectives[i] = o
			}
		}
	}
	if part.Endpoint.Host != "" {
		next.Endpoint = part.Endpoint
	}
	next.Duration = part.Duration
	w.current = &next
}

func (w *watcher) reopen() {
	d, err := w.opts.OpenDaemon(dockerstate.Options{Host: w.opts.Host, Context: w.opts.Context, Timeout: w.opts.Timeout})
	if err != nil {
		return
	}
	w.daemon.Close()
	w.daemon, w.runner.Daemon = d, d
}

// draw shows the current result: redrawn in place for text on a terminal,
// one report per line for json, and every report file rewritten.
func (w *watcher) draw(ctx context.Context, complete bool) error {
	streams := w.opts.IO
	redraw := streams.OutTTY && onlyTextToStdout(w.opts.Outputs)
	if redraw {
		fmt.Fprint(streams.Out, "\x1b[H\x1b[2J")
	}
	if err := writeReports(ctx, w.opts, w.current, complete); err != nil {
		return err
	}
	if complete {
		progress.RecordCheck(streams.ErrOut, w.current)
	}
	if redraw && !w.current.Passed() {
		fmt.Fprintf(streams.Out, "\nWatching the daemon and %s for changes — Ctrl-C to stop.\n", folderOf(w.opts.Dir))
	}
	return nil
}

func onlyTextToStdout(outs []report.Output) bool {
	for _, o := range outs {
		if o.File == "" && o.Format != report.Default {
			return false
		}
	}
	return true
}

func folderOf(dir string) string {
	if dir == "" || dir == "." {
		return "this folder"
	}
	return dir
}

// followEvents sends the daemon's image (and container) events as changes,
// reconnecting when the stream drops, and falls back to polling, saying so,
// when events cannot be had.
func (w *watcher) followEvents(ctx context.Context, containers bool, changes chan<- change) {
	filter := dockerstate.EventFilter{Types: []string{"image"}}
	if containers {
		filter.Types = append(filter.Types, "container")
	}
	since := time.Now()
	failures, wait := 0, 250*time.Millisecond
	for ctx.Err() == nil {
		d, err := w.opts.OpenDaemon(dockerstate.Options{Host: w.opts.Host, Context: w.opts.Context, Timeout: w.opts.Timeout})
		if err != nil {
			return
		}
		filter.Since = since
		got := false
		var streamErr error
		for ev, err := range d.Events(ctx, filter) {
			if err != nil {
				streamErr = err
				break
			}
			got, failures, wait = true, 0, 250*time.Millisecond
			if !ev.Time.IsZero() {
				since = ev.Time.Add(time.Nanosecond)
			}
			select {
			case changes <- change{event: &ev}:
			case <-ctx.Done():
			}
		}
		d.Close()
		if ctx.Err() != nil {
			return
		}
		if !got {
			failures++
		}
		if failures >= eventsGiveUp {
			fmt.Fprintf(w.opts.IO.ErrOut, "academy: the daemon's events are unavailable (%s); checking every %s instead\n",
				report.CleanLine(errString(streamErr)), pollEvery)
			poll(ctx, changes)
			return
		}
		// Something may have changed while the stream was down.
		select {
		case changes <- change{all: true}:
		case <-ctx.Done():
			return
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		wait = min(2*wait, eventsRetryMax)
	}
}

func errString(err error) string {
	if err == nil {
		return "the stream ended"
	}
	return err.Error()
}

// poll sends a change that affects everything every pollEvery.
func poll(ctx context.Context, changes chan<- change) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			select {
			case changes <- change{all: true}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// pollFiles sends a change when one of the lab's files has changed and then
// stayed the same for one more look (a file being written is checked once,
// when it is done).
func pollFiles(ctx context.Context, dir string, files []string, changes chan<- change) {
	if len(files) == 0 {
		return
	}
	type seen struct {
		size    int64
		mod     time.Time
		exists  bool
		pending bool
	}
	look := func(name string) seen {
		fi, err := os.Stat(dirJoin(dir, name))
		if err != nil {
			return seen{}
		}
		return seen{size: fi.Size(), mod: fi.ModTime(), exists: true}
	}
	last := map[string]seen{}
	for _, f := range files {
		last[f] = look(f)
	}
	t := time.NewTicker(filePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, f := range files {
			now, before := look(f), last[f]
			same := now.exists == before.exists && now.size == before.size && now.mod.Equal(before.mod)
			switch {
			case !same:
				now.pending = true
			case before.pending:
				select {
				case changes <- change{file: f}:
				case <-ctx.Done():
					return
				}
			}
			last[f] = now
		}
	}
}

func dirJoin(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + string(os.PathSeparator) + name
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
