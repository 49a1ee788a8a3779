package testlab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// readingActions are the event actions that change nothing: reading an
// image out (docker save) or a container's files (docker export).
var readingActions = []events.Action{"save", "export"}

// ReadOnly is a proof that a run changed nothing it could have touched.
// Other tests may change the same daemon meanwhile; the proof looks only at
// what is the lab's: the images named by the refs given to WatchReadOnly,
// every image and container that carries the lab's prefix or one of those
// images' IDs, and the daemon's events about any of them.
type ReadOnly struct {
	l      *Lab
	refs   []string
	ids    []string // image IDs of the refs when watching began
	before string
	began  time.Time // when watching began: an event from before is the set-up's
	events client.EventsResult
	cancel context.CancelFunc
}

// WatchReadOnly describes what a run could touch and starts following the
// daemon's events. Call Check on the result when the run has ended.
func (l *Lab) WatchReadOnly(refs ...string) *ReadOnly {
	l.t.Helper()
	p := &ReadOnly{l: l, refs: refs}
	for _, ref := range refs {
		if id, ok := l.lookup(ref); ok && !slices.Contains(p.ids, id) {
			p.ids = append(p.ids, id)
		}
	}
	if len(p.ids) == 0 {
		l.t.Fatalf("read-only proof: none of %v exists, so nothing could be marked", refs)
	}
	p.before = p.state()
	p.began = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	// The stream is open when Events returns: everything from here on is
	// seen, in the order the daemon did it.
	p.events = l.API.Events(ctx, client.EventsListOptions{})
	p.cancel = cancel
	l.t.Cleanup(cancel)
	return p
}

// Check fails the test if the watched names, images or containers differ
// from when watching began, or if the daemon reported an event that changes
// one of them in between.
func (p *ReadOnly) Check() {
	l := p.l
	l.t.Helper()
	defer p.cancel()
	if after := p.state(); after != p.before {
		l.t.Errorf("the run changed the daemon:\nbefore:\n%s\nafter:\n%s", p.before, after)
	}
	// A tag of our own marks the end of the run in the event stream; the
	// events before it are the run's (and ours before the run: none).
	marker := "read-only-end-" + l.Prefix[len(l.Prefix)-8:]
	l.Tag(p.ids[0], l.Name(marker+":end"))
	var changes []string
	for {
		select {
		case m := <-p.events.Messages:
			if m.Type == events.ImageEventType && m.Action == events.ActionTag && p.mentions(m, marker) {
				if len(changes) > 0 {
					l.t.Errorf("the daemon reported changes to the lab during the run:\n%s", strings.Join(changes, "\n"))
				}
				return
			}
			// Podman's file event log can deliver the set-up's own events
			// (tags made just before watching) after the stream opened:
			// their time says they are not the run's.
			if m.TimeNano != 0 && time.Unix(0, m.TimeNano).Before(p.began) {
				continue
			}
			if p.relevant(m) && !slices.Contains(readingActions, m.Action) {
				changes = append(changes, describeEvent(m))
			}
		case err := <-p.events.Err:
			if err == nil || errors.Is(err, io.EOF) {
				err = errors.New("the stream ended")
			}
			l.t.Fatalf("read-only proof: following the daemon's events: %v (events so far: %v)", err, changes)
			return
		}
	}
}

// relevant tells whether an event is about an image or container of the
// lab: its actor or the names and image it carries mention the lab's
// prefix or one of the watched image IDs.
func (p *ReadOnly) relevant(m events.Message) bool {
	if m.Type != events.ImageEventType && m.Type != events.ContainerEventType {
		return false
	}
	if p.mentions(m, p.l.Prefix) {
		return true
	}
	for _, id := range p.ids {
		if p.mentions(m, strings.TrimPrefix(id, "sha256:")) {
			return true
		}
	}
	return false
}

func (p *ReadOnly) mentions(m events.Message, s string) bool {
	if strings.Contains(m.Actor.ID, s) {
		return true
	}
	for _, k := range []string{"name", "image"} {
		if strings.Contains(m.Actor.Attributes[k], s) {
			return true
		}
	}
	return false
}

func describeEvent(m events.Message) string {
	return fmt.Sprintf("%s %s %s (name %q, image %q)", m.Type, m.Action, m.Actor.ID, m.Actor.Attributes["name"], m.Actor.Attributes["image"])
}

// lookup returns the ID of the image named ref, if there is one.
func (l *Lab) lookup(ref string) (string, bool) {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	res, err := l.API.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return "", false
	}
	if err != nil {
		l.t.Fatalf("inspecting %s: %v", ref, err)
	}
	return res.ID, true
}

// state describes, one line each and sorted, what each watched name points
// at, and every image and container of the lab.
func (p *ReadOnly) state() string {
	l := p.l
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	var lines []string
	for _, ref := range p.refs {
		res, err := l.API.ImageInspect(ctx, ref)
		switch {
		case cerrdefs.IsNotFound(err):
			lines = append(lines, fmt.Sprintf("name %s: absent", ref))
		case err != nil:
			l.t.Fatalf("inspecting %s: %v", ref, err)
		default:
			lines = append(lines, fmt.Sprintf("name %s: image %s tags=%v digests=%v", ref, res.ID, sorted(res.RepoTags), sorted(res.RepoDigests)))
		}
	}
	imgs, err := l.imageList(ctx, client.ImageListOptions{All: true})
	if err != nil {
		l.t.Fatalf("listing images: %v", err)
	}
	for _, i := range imgs.Items {
		if p.ours(i.ID, append(slices.Clone(i.RepoTags), i.RepoDigests...)...) {
			lines = append(lines, fmt.Sprintf("image %s tags=%v digests=%v", i.ID, sorted(i.RepoTags), sorted(i.RepoDigests)))
		}
	}
	ctrs, err := l.API.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		l.t.Fatalf("listing containers: %v", err)
	}
	for _, c := range ctrs.Items {
		if p.ours(c.ImageID, append(slices.Clone(c.Names), c.Image)...) {
			lines = append(lines, fmt.Sprintf("container %s image=%s state=%s", c.ID, c.ImageID, c.State))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// ours tells whether an image or container is the lab's: one of the watched
// IDs, or a name under the lab's prefix.
func (p *ReadOnly) ours(id string, names ...string) bool {
	if slices.Contains(p.ids, id) {
		return true
	}
	for _, n := range names {
		if strings.Contains(n, p.l.Prefix) {
			return true
		}
	}
	return false
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
