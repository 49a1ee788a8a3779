package dockerstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// Events streams the daemon's events that filter selects, from now on (or
// from filter.Since, as far back as the daemon remembers). The sequence
// ends after one error: the caller's when ctx ends, a *RequestError when
// the daemon cannot be reached, answers nothing within the timeout, sends
// a line longer than MaxEventBytes, or closes the stream. Reconnecting is
// the caller's choice.
func (d *Daemon) Events(ctx context.Context, filter EventFilter) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if err := d.negotiate(ctx); err != nil {
			yield(Event{}, err)
			return
		}
		// The stream has no end, so the timeout only bounds the wait for
		// the daemon to start answering.
		sctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		timer := time.AfterFunc(d.timeout, func() { cancel(errNoAnswer) })
		res := d.api.Events(sctx, eventOptions(filter))
		timer.Stop()
		for {
			select {
			case m := <-res.Messages:
				if !yield(toEvent(m), nil) {
					return
				}
			case err := <-res.Err:
				yield(Event{}, d.streamError(ctx, sctx, err))
				return
			}
		}
	}
}

// ErrNoHistory says the engine cannot tell its past events.
var ErrNoHistory = errors.New("this engine cannot tell its past events")

// MaxPastEvents bounds what PastEvents reads: more than a daemon keeps.
const MaxPastEvents = 4096

// PastEvents reads the events filter selects between filter.Since and
// filter.Until (now when zero), as far back as the daemon remembers: the
// daemon sends them and closes the stream. Bounded by the timeout and by
// MaxPastEvents.
func (d *Daemon) PastEvents(ctx context.Context, filter EventFilter) ([]Event, error) {
	if filter.Since.IsZero() {
		return nil, errors.New("PastEvents needs a start (Since)")
	}
	if filter.Until.IsZero() {
		filter.Until = time.Now()
	}
	if err := d.negotiate(ctx); err != nil {
		return nil, err
	}
	if d.endpoint().Engine == EnginePodman {
		// Podman 4.3 answers a span of its event log with few or none of
		// the events in it, and names no image in a load: nothing to go by.
		return nil, ErrNoHistory
	}
	var out []Event
	err := d.request(ctx, func(ctx context.Context) error {
		out = out[:0]
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		res := d.api.Events(sctx, eventOptions(filter))
		for {
			select {
			case m := <-res.Messages:
				if len(out) >= MaxPastEvents {
					return fmt.Errorf("the daemon sent more than %d past events", MaxPastEvents)
				}
				out = append(out, toEvent(m))
			case err := <-res.Err:
				if err == nil || errors.Is(err, io.EOF) {
					return nil // the span is over: the daemon closed the stream
				}
				return err
			}
		}
	})
	return out, err
}

// streamError explains why a stream ended: ctx is the caller's, sctx the
// stream's own.
func (d *Daemon) streamError(ctx, sctx context.Context, err error) error {
	if ctx.Err() != nil {
		return d.explain(ctx, ctx.Err())
	}
	if err == nil || errors.Is(err, io.EOF) {
		return &RequestError{Host: d.target.Host, Err: errors.New("the daemon closed the event stream"), Hint: "is it restarting? try again"}
	}
	return d.explain(sctx, err)
}

func eventOptions(f EventFilter) client.EventsListOptions {
	filters := client.Filters{}
	for term, values := range map[string][]string{
		"type": f.Types, "event": f.Actions, "image": f.Images, "container": f.Containers,
	} {
		if len(values) > 0 {
			filters.Add(term, values...)
		}
	}
	opts := client.EventsListOptions{Filters: filters}
	if !f.Since.IsZero() {
		opts.Since = eventTime(f.Since)
	}
	if !f.Until.IsZero() {
		opts.Until = eventTime(f.Until)
	}
	return opts
}

// eventTime writes t as the events API reads it: seconds.nanoseconds.
func eventTime(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }

func toEvent(m events.Message) Event {
	e := Event{Type: string(m.Type), Action: string(m.Action), ActorID: m.Actor.ID, Name: m.Actor.Attributes["name"]}
	switch {
	case m.TimeNano != 0:
		e.Time = time.Unix(0, m.TimeNano)
	case m.Time != 0:
		e.Time = time.Unix(m.Time, 0)
	}
	return e
}
