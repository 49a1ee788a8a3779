package check

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// fakeDaemon is a daemon of images by name. It counts look-ups so tests can
// show that a run asks once per reference.
type fakeDaemon struct {
	endpointErr error
	store       string                       // the image store; "" for graphdriver
	images      map[string]dockerstate.Image // by the name looked up
	errs        map[string]error             // failures by the name looked up
	history     []dockerstate.Event          // past events; nil: the daemon keeps none
	historyErr  error                        // what reading them fails with

	mu    sync.Mutex
	calls map[string]int
}

func (f *fakeDaemon) Endpoint(context.Context) (dockerstate.Endpoint, error) {
	store := f.store
	if store == "" {
		store = dockerstate.StoreGraphdriver
	}
	return dockerstate.Endpoint{Host: "unix:///fake.sock", APIVersion: "1.41", ServerVersion: "20.10.24", ImageStore: store}, f.endpointErr
}

func (f *fakeDaemon) Image(_ context.Context, ref string) (dockerstate.Image, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[ref]++
	f.mu.Unlock()
	if err := f.errs[ref]; err != nil {
		return dockerstate.Image{}, err
	}
	img, ok := f.images[ref]
	if !ok {
		return dockerstate.Image{}, fmt.Errorf("image %s: %w", ref, dockerstate.ErrNotFound)
	}
	return img, nil
}

// id makes a full image ID from a short hex prefix, for readable tests.
func id(prefix string) string {
	const zeros = "0000000000000000000000000000000000000000000000000000000000000000"
	return "sha256:" + prefix + zeros[len(prefix):]
}

func image(idPrefix string, tags ...string) dockerstate.Image {
	return dockerstate.Image{ID: id(idPrefix), RepoTags: tags}
}

func assertNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fakeDaemon) PastEvents(_ context.Context, filter dockerstate.EventFilter) ([]dockerstate.Event, error) {
	if f.history == nil {
		return nil, dockerstate.ErrNoHistory
	}
	if f.historyErr != nil {
		return nil, f.historyErr
	}
	if filter.Since.After(time.Now()) {
		// As Docker answers: 400 since cannot be after until.
		return nil, errors.New("Error response from daemon: since cannot be after until")
	}
	var out []dockerstate.Event
	for _, e := range f.history {
		if !e.Time.Before(filter.Since) {
			out = append(out, e)
		}
	}
	return out, nil
}
