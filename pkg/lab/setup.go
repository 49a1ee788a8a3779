package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// The daemon as this package needs it: small interfaces that
// *dockerstate.Daemon and *dockerstate.Writer implement.
type (
	// Daemon reads what set-up and reset look at.
	Daemon interface {
		Endpoint(ctx context.Context) (dockerstate.Endpoint, error)
		Info(ctx context.Context) (dockerstate.Info, error)
		Image(ctx context.Context, ref string) (dockerstate.Image, error)
		Container(ctx context.Context, nameOrID string) (dockerstate.Container, error)
	}
	// Writer changes the daemon.
	Writer interface {
		Load(ctx context.Context, r io.Reader) ([]string, error)
		Untag(ctx context.Context, ref string) error
		RemoveContainer(ctx context.Context, nameOrID string, force bool) error
	}
)

// Action is what set-up did with one image.
type Action string

// What set-up does with an image.
const (
	// Loaded: the name was free; the image was made and loaded.
	Loaded Action = "loaded"
	// Unchanged: the name already is academy's image, byte for byte.
	Unchanged Action = "unchanged"
	// Replaced: the name was another image's (--force); it now is
	// academy's, and the other image keeps its other names, or stays as
	// an untagged image.
	Replaced Action = "replaced"
)

// SetupImage is what set-up did for one image of the mission.
type SetupImage struct {
	Ref      string // the name, as the mission gives it
	ID       string // the image's ID on this daemon
	Action   Action
	Previous string // the ID the name had before, when Replaced
	Runnable bool   // the image holds a program for the daemon's architecture
}

// SetupResult is what set-up did.
type SetupResult struct {
	Arch   string // the daemon's architecture, as images name it
	Images []SetupImage
}

// ConflictError says set-up would replace images the learner has under the
// mission's names; nothing was changed.
type ConflictError struct {
	Conflicts []Conflict
}

// Conflict is one name that holds another image than academy's.
type Conflict struct {
	Ref string
	ID  string // the image the name holds now
}

func (e *ConflictError) Error() string {
	names := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		names[i] = fmt.Sprintf("%s (%s)", c.Ref, shortID(c.ID))
	}
	if len(names) == 1 {
		return fmt.Sprintf("%s is already the name of another image, not academy's; nothing was changed (--force replaces it; the other image keeps its other names)", names[0])
	}
	return fmt.Sprintf("%s are already the names of other images, not academy's; nothing was changed (--force replaces them; the other images keep their other names)", strings.Join(names, ", "))
}

// SetupOptions tune set-up.
type SetupOptions struct {
	// Force replaces a name that holds another image.
	Force bool
}

// Setup makes the mission's starting state: every setup image, built
// offline and loaded. It is idempotent: a name that already holds
// academy's image is left alone, so a second run changes nothing. A name
// that holds another image is a *ConflictError, and nothing is changed,
// unless opts.Force.
func Setup(ctx context.Context, d Daemon, w Writer, m *mission.Mission, opts SetupOptions) (*SetupResult, error) {
	if !m.Expanded() {
		return nil, fmt.Errorf("mission %s: set up once its variables are expanded", m.ID)
	}
	res := &SetupResult{}
	if len(m.Setup.Images) == 0 {
		return res, nil
	}
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	res.Arch = builtin.ArchOf(info.Architecture)
	type planned struct {
		img SetupImage
		arc *builtin.Archive
	}
	var (
		plan      []planned
		conflicts []Conflict
	)
	for _, si := range m.Setup.Images {
		ref := string(si.Ref)
		arc, err := builtin.Image{Ref: ref, Mission: m.ID, Arch: res.Arch, Program: builtin.Program{Message: builtin.Message(ref, si.Log)}}.Archive()
		if err != nil {
			return nil, err
		}
		p := planned{img: SetupImage{Ref: ref, Runnable: builtin.Runnable(res.Arch)}, arc: arc}
		cur, err := d.Image(ctx, ref)
		switch {
		case errors.Is(err, dockerstate.ErrNotFound):
			p.img.Action = Loaded
		case err != nil:
			return nil, err
		case arc.Has(cur.ID):
			p.img.Action, p.img.ID = Unchanged, cur.ID
		default:
			p.img.Action, p.img.Previous = Replaced, cur.ID
			if !opts.Force {
				conflicts = append(conflicts, Conflict{Ref: ref, ID: cur.ID})
			}
		}
		plan = append(plan, p)
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Conflicts: conflicts}
	}
	for _, p := range plan {
		if p.img.Action != Unchanged {
			id, err := load(ctx, d, w, p.arc, p.img.Ref)
			if err != nil {
				return res, err
			}
			p.img.ID = id
		}
		res.Images = append(res.Images, p.img)
	}
	return res, nil
}

// load loads a builtin image and makes sure the daemon gave ref the image
// the archive holds.
func load(ctx context.Context, d Daemon, w Writer, arc *builtin.Archive, ref string) (string, error) {
	if _, err := w.Load(ctx, bytes.NewReader(arc.Data)); err != nil {
		return "", fmt.Errorf("loading academy's image %s: %w", ref, err)
	}
	got, err := d.Image(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("after loading %s: %w", ref, err)
	}
	if !arc.Has(got.ID) {
		return "", fmt.Errorf("after loading %s, the daemon has it as %s, not as academy's image (%s)", ref, shortID(got.ID), shortID(arc.Config.String()))
	}
	return got.ID, nil
}

// shortID shortens an image ID as docker images does: 12 hex digits.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
