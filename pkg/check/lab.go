package check

import (
	"context"
	"errors"
	"fmt"
	"github.com/academy-dev/academy/pkg/builtin"
	"sync"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// The daemon, as each kind needs it: small interfaces, so a kind depends on
// what it reads and a test fakes only that.
type (
	// Daemon says which daemon is checked; every run asks it first.
	Daemon interface {
		Endpoint(ctx context.Context) (dockerstate.Endpoint, error)
	}
	// ImageReader inspects images by reference.
	ImageReader interface {
		Image(ctx context.Context, ref string) (dockerstate.Image, error)
	}
	// StoreReader names the daemon's image store, asking the daemon when
	// nothing seen so far tells it (dockerstate.Daemon.ImageStore).
	StoreReader interface {
		ImageStore(ctx context.Context) (string, error)
	}
)

// Lab is what a check may look at: the daemon, the learner's folder and
// answers. Look-ups are shared by every check of a run, so a run asks the
// daemon once per image however many checks name it.
type Lab struct {
	shared    *labState
	objective string // the objective being checked, for answers
}

type labState struct {
	daemon      Daemon
	dir         string
	answers     map[string]string
	fileTimeout time.Duration
	setup       string                        // the command that sets the lab up, as the learner types it
	setupRefs   []string                      // the images set-up makes
	mission     string                        // the mission's id, which academy's images carry
	builtins    map[string]mission.SetupImage // set-up's builtin images, by the full name the daemon gives them

	builtinIDs map[string]*lookup[*builtin.Archive] // by full name and architecture

	mu     sync.Mutex
	images map[string]*lookup[dockerstate.Image]
	names  lookup[[]dockerstate.ImageSummary] // the daemon's list, for near misses
}

type lookup[T any] struct {
	once sync.Once
	val  T
	err  error
}

// memo returns the lookup for key in m, making it on first use.
func memo[T any](mu *sync.Mutex, m map[string]*lookup[T], key string) *lookup[T] {
	mu.Lock()
	defer mu.Unlock()
	l, ok := m[key]
	if !ok {
		l = &lookup[T]{}
		m[key] = l
	}
	return l
}

// errNoReader says the daemon given to the runner cannot answer what a kind
// asks; a programming error, reported as a check in error.
var errNoReader = errors.New("this daemon connection cannot answer that question")

// Image inspects ref, once per run. An image found only because ref is a
// prefix of its ID, not one of its names, counts as missing: a lesson's name
// must be a real tag.
func (l *Lab) Image(ctx context.Context, ref string) (dockerstate.Image, error) {
	lk := memo(&l.shared.mu, l.shared.images, ref)
	lk.once.Do(func() {
		r, ok := l.shared.daemon.(ImageReader)
		if !ok {
			lk.err = errNoReader
			return
		}
		lk.val, lk.err = r.Image(ctx, ref)
		if lk.err == nil && !named(lk.val, ref) {
			lk.err = fmt.Errorf("image %s: %w", ref, dockerstate.ErrNotFound)
		}
	})
	return lk.val, lk.err
}

// Prefetch starts looking up every ref at once, so a check that needs
// several images waits for one round trip, not one per image.
func (l *Lab) Prefetch(ctx context.Context, refs ...string) {
	var wg sync.WaitGroup
	for _, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = l.Image(ctx, ref)
		}()
	}
	wg.Wait()
}

// Path is where a file of the lab is: name is relative to the lab's folder.
// No part of it may be a link (see mission.FileName.In).
func (l *Lab) Path(name string) (string, error) { return mission.FileName(name).In(l.shared.dir) }

// Dir is the lab's folder as the learner gave it, for messages.
func (l *Lab) Dir() string { return l.shared.dir }

// FileTimeout bounds the reading of one of the lab's files.
func (l *Lab) FileTimeout() time.Duration { return l.shared.fileTimeout }

// Answer is the learner's answer for the objective being checked, and
// whether one was given.
func (l *Lab) Answer() (string, bool) {
	a, ok := l.shared.answers[l.objective]
	return a, ok
}

// SetupMakes returns the command that sets the lab up, as the learner types
// it, when ref is an image set-up makes: a learner who misses one has not
// set the lab up, or has removed it.
func (l *Lab) SetupMakes(ref string) (command string, ok bool) {
	if !hasName(l.shared.setupRefs, ref) {
		return "", false
	}
	return l.shared.setup, true
}

// Academys says whether img, found under ref, is the very image academy's
// set-up makes as ref (by ID: the image is the same bytes everywhere, so
// no look-alike, relabelled or rebuilt, has its ID); builtin is false when
// set-up makes no builtin image of that name, and the question is moot.
func (l *Lab) Academys(ref string, img dockerstate.Image) (same, builtin bool) {
	f, ok := formsOf(ref)
	if !ok {
		return false, false
	}
	made, ok := l.shared.builtins[f.full]
	if !ok {
		return false, false
	}
	arc, err := l.builtinArchive(made, img.Architecture)
	if err != nil {
		return false, true
	}
	return arc.Has(img.ID), true
}

func (l *Lab) builtinArchive(si mission.SetupImage, arch string) (*builtin.Archive, error) {
	arch = builtin.ArchOf(arch)
	ref := string(si.Ref)
	lk := memo(&l.shared.mu, l.shared.builtinIDs, ref+" "+arch)
	lk.once.Do(func() {
		lk.val, lk.err = builtin.Image{Ref: ref, Mission: l.shared.mission, Arch: arch,
			Program: builtin.Program{Message: builtin.Message(ref, si.Log)}}.Archive()
	})
	return lk.val, lk.err
}

// builtinRefs maps each builtin image of the plan's set-up by the name the
// daemon gives it in full.
func builtinRefs(p *Plan) map[string]mission.SetupImage {
	refs := map[string]mission.SetupImage{}
	for _, si := range p.Mission.Setup.Images {
		if f, ok := formsOf(string(si.Ref)); ok && si.From == "builtin" {
			refs[f.full] = si
		}
	}
	return refs
}

// setupRefs lists the images the plan's set-up makes, each as the daemon
// would name it in full.
func setupRefs(p *Plan) []string {
	refs := make([]string, 0, len(p.Mission.Setup.Images))
	for _, si := range p.Mission.Setup.Images {
		if f, ok := formsOf(string(si.Ref)); ok {
			refs = append(refs, f.full)
		}
	}
	return refs
}

// containerdStore says whether the daemon keeps images in the containerd
// store, as far as the look-ups so far tell: there an image's ID is its
// index's digest, not its config's.
func (l *Lab) containerdStore(ctx context.Context) bool {
	ep, err := l.shared.daemon.Endpoint(ctx)
	return err == nil && ep.ImageStore == dockerstate.StoreContainerd
}

// imageStore names the daemon's image store (dockerstate.StoreGraphdriver,
// StoreContainerd, StoreContainersStorage), asking the daemon if need be;
// "" when it cannot be told.
func (l *Lab) imageStore(ctx context.Context) (string, error) {
	ep, err := l.shared.daemon.Endpoint(ctx)
	if err != nil {
		return "", err
	}
	if ep.ImageStore != "" {
		return ep.ImageStore, nil
	}
	if r, ok := l.shared.daemon.(StoreReader); ok {
		return r.ImageStore(ctx)
	}
	return "", nil
}

// Objective is the id of the objective being checked.
func (l *Lab) Objective() string { return l.objective }
