package dockerstate

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

// recorded reads a recorded file of testdata/engine.
func recorded(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fakeengine.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// collect reads n events, then stops the stream.
func collect(t *testing.T, d *Daemon, f EventFilter, n int) []Event {
	t.Helper()
	var got []Event
	for ev, err := range d.Events(context.Background(), f) {
		if err != nil {
			t.Fatalf("after %d events: %v", len(got), err)
		}
		got = append(got, ev)
		if len(got) == n {
			break
		}
	}
	return got
}

// Every recorded stream reads back as events, whatever framing its API
// version uses.
func TestEvents(t *testing.T) {
	rs := []byte{0x1e}
	tests := []struct {
		name, profile, contentType string
		body                       func([]byte) []byte
		count                      int
		first, last                Event
	}{
		{
			name: "docker 20.10, application/json with the legacy fields", profile: fakeengine.Docker2010, contentType: "application/json",
			count: 16,
			first: Event{Type: "image", Action: "tag", ActorID: "sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e", Name: "academy-rec-c4f20e6e/my-app:v1"},
			last:  Event{Type: "image", Action: "untag", ActorID: "sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e", Name: "sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e"},
		},
		{
			name: "docker 29, application/x-ndjson", profile: fakeengine.Docker29Containerd, contentType: "application/x-ndjson",
			count: 3,
			first: Event{Type: "image", Action: "tag", ActorID: "sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6", Name: "cloudcorp/my-app:latest"},
			last:  Event{Type: "container", Action: "start", ActorID: "0fa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f", Name: "web"},
		},
		{
			name: "docker 29, application/json-seq", profile: fakeengine.Docker29Containerd, contentType: "application/json-seq",
			body: func(b []byte) []byte {
				lines := bytes.SplitAfter(bytes.TrimSpace(b), []byte("\n"))
				return append(rs, bytes.Join(lines, rs)...)
			},
			count: 3,
			first: Event{Type: "image", Action: "tag", ActorID: "sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6", Name: "cloudcorp/my-app:latest"},
			last:  Event{Type: "container", Action: "start", ActorID: "0fa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f", Name: "web"},
		},
		{
			name: "podman 4.3: IDs without sha256:, untag then delete", profile: fakeengine.Podman43, contentType: "application/json",
			count: 17,
			first: Event{Type: "image", Action: "tag", ActorID: "7232826ca3c50a1def40658f1c2c5659bcd1556306fe132fa32c6426be2567d2", Name: "docker.io/academy-rec-f209fce7/my-app:v1"},
			last:  Event{Type: "image", Action: "delete", ActorID: "7232826ca3c50a1def40658f1c2c5659bcd1556306fe132fa32c6426be2567d2", Name: "docker.io/academy-rec-f209fce7/cloudcorp:latest"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, tt.profile)
			body := recorded(t, tt.profile+"/events.jsonl")
			if tt.body != nil {
				body = tt.body(body)
			}
			e.Register("GET", "/events", fakeengine.Stream(tt.contentType, body))
			d := openFake(t, e, 0)
			got := collect(t, d, EventFilter{}, tt.count)
			if len(got) != tt.count {
				t.Fatalf("%d events, want %d", len(got), tt.count)
			}
			for i, want := range map[int]Event{0: tt.first, tt.count - 1: tt.last} {
				ev := got[i]
				if ev.Time.IsZero() {
					t.Errorf("event %d has no time", i)
				}
				ev.Time = time.Time{}
				if ev != want {
					t.Errorf("event %d = %+v, want %+v", i, ev, want)
				}
			}
		})
	}
}

// The filter becomes the daemon's filters; Since its since.
func TestEventFilter(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/events", fakeengine.Stream("application/json", recorded(t, "docker-20.10/events.jsonl")))
	d := openFake(t, e, 0)
	since := time.Unix(1795677679, 55480152)
	collect(t, d, EventFilter{Types: []string{"image"}, Actions: []string{"tag", "untag"}, Images: []string{"my-app:v1"}, Containers: []string{"web"}, Since: since}, 1)

	uris := e.RequestURIs()
	u, err := url.Parse(strings.TrimPrefix(uris[len(uris)-1], "GET "))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/v1.41/events" {
		t.Errorf("path = %s", u.Path)
	}
	q := u.Query()
	if got := q.Get("since"); got != "1795677679.055480152" {
		t.Errorf("since = %q", got)
	}
	filters := q.Get("filters")
	for _, w := range []string{`"type":{"image":true}`, `"event":{"tag":true,"untag":true}`, `"image":{"my-app:v1":true}`, `"container":{"web":true}`} {
		if !strings.Contains(filters, w) {
			t.Errorf("filters %s lack %s", filters, w)
		}
	}
}

// How a stream ends: each way is one error, and the sequence stops.
func TestEventStreamEnds(t *testing.T) {
	t.Run("the caller's ctx", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		e.Register("GET", "/events", fakeengine.Stream("application/json", recorded(t, "docker-20.10/events.jsonl")))
		d := openFake(t, e, 0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var n int
		var last error
		for _, err := range d.Events(ctx, EventFilter{}) {
			if err != nil {
				last = err
				continue
			}
			if n++; n == 2 {
				cancel()
			}
		}
		if !errors.Is(last, context.Canceled) {
			t.Errorf("stream ended with %v, want context.Canceled", last)
		}
		if n > 16 {
			t.Errorf("%d events after the ctx was cancelled", n)
		}
	})
	t.Run("the daemon closes it", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		e.Register("GET", "/events", fakeengine.JSON(recorded(t, "docker-20.10/events.jsonl")))
		d := openFake(t, e, 0)
		n, err := drain(d)
		if n != 16 {
			t.Errorf("%d events, want 16", n)
		}
		assertRequestError(t, err, e.Host(), "closed the event stream")
	})
	t.Run("no answer in time", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		e.Register("GET", "/events", fakeengine.Hang())
		d := openFake(t, e, 50*time.Millisecond)
		_, err := drain(d)
		assertRequestError(t, err, e.Host(), "no answer within 50ms")
	})
	t.Run("a line without end", func(t *testing.T) {
		var sent atomic.Int64
		done := make(chan struct{})
		e := fakeengine.Start(t, fakeengine.Docker2010)
		e.Register("GET", "/events", func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			w.Header().Set("Content-Type", "application/json")
			w.Write(recorded(t, "docker-20.10/events.jsonl"))
			w.Write([]byte(`{"Type":"image","Action":"tag","Actor":{"ID":"`))
			chunk := bytes.Repeat([]byte("a"), 64<<10)
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		})
		d := openFake(t, e, 0)
		n, err := drain(d)
		if n != 16 {
			t.Errorf("%d events before the long line, want 16", n)
		}
		assertRequestError(t, err, e.Host(), "GET /v1.41/events", "event line larger than 1 MiB")
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("the daemon is still sending a minute after the client gave up")
		}
		if s := sent.Load(); s > MaxEventBytes+16<<20 {
			t.Errorf("%d bytes went out before the client gave up; want about the line cap", s)
		}
	})
}

// drain reads a stream to its end: the events, then its error.
func drain(d *Daemon) (int, error) {
	n := 0
	for _, err := range d.Events(context.Background(), EventFilter{}) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PastEvents reads a span of the daemon's memory, which the daemon ends by
// closing the stream, with until set; it is bounded in count, and Podman,
// whose event log cannot answer a span, is told so.
func TestPastEvents(t *testing.T) {
	recordedSpan := recorded(t, "docker-20.10/events.jsonl")
	closing := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}
	}
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/events", closing(recordedSpan))
	d := openFake(t, e, 0)
	since := time.Unix(1795677679, 0)
	got, err := d.PastEvents(context.Background(), EventFilter{Types: []string{"image"}, Since: since})
	if err != nil || len(got) != 16 {
		t.Fatalf("got %d events, %v; want the 16 recorded", len(got), err)
	}
	uris := e.RequestURIs()
	u, err := url.Parse(strings.TrimPrefix(uris[len(uris)-1], "GET "))
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("since") == "" || q.Get("until") == "" {
		t.Errorf("since %q, until %q: a span needs both", q.Get("since"), q.Get("until"))
	}

	line := bytes.SplitAfter(recordedSpan, []byte("\n"))[0]
	flood := fakeengine.Start(t, fakeengine.Docker2010)
	flood.Register("GET", "/events", closing(bytes.Repeat(line, MaxPastEvents+1)))
	if _, err := openFake(t, flood, 0).PastEvents(context.Background(), EventFilter{Since: since}); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("more events than any daemon keeps: %v", err)
	}

	podman := fakeengine.Start(t, fakeengine.Podman43)
	if _, err := openFake(t, podman, 0).PastEvents(context.Background(), EventFilter{Since: since}); !errors.Is(err, ErrNoHistory) {
		t.Errorf("Podman: %v, want ErrNoHistory", err)
	}
}
