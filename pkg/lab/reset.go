package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

// Item is one thing reset would remove, as it is now.
type Item struct {
	Kind check.ArtifactKind
	// Name is the tag (my-app:v1), the container's name, or the file's
	// name relative to the lab's folder.
	Name string
	// Setup says that set-up made it (reset --all).
	Setup bool
	// ID is the image ID a tag points at, or the container's ID, when
	// listed: what is removed must still be what was listed.
	ID string
	// Detail says what it is, for the list: "28a792e11877, also my-app:v1".
	Detail string
}

// Left is a name of the mission that reset leaves alone, and why.
type Left struct {
	Kind      check.ArtifactKind
	Name, Why string
}

// ResetPlan is what reset would remove: only what exists, each once.
type ResetPlan struct {
	Dir   string // the lab's folder, where files are
	Items []Item
	Left  []Left
}

// PlanReset lists what the objectives among only (all when only is empty)
// created — the names, containers and files their kinds say they leave —
// that exists now; with all, also set-up's images, when they still are
// academy's (labelled as made for this mission). A name set-up makes is
// never an objective's to remove. It changes nothing.
func PlanReset(ctx context.Context, d Daemon, p *check.Plan, dir string, only []string, all bool) (*ResetPlan, error) {
	arts, err := p.Artifacts(only)
	if err != nil {
		return nil, err
	}
	setupNames := map[string]bool{}
	for _, si := range p.Mission.Setup.Images {
		setupNames[tagName(string(si.Ref))] = true
	}
	rp := &ResetPlan{Dir: dir}
	seen := map[string]bool{}
	for _, a := range arts {
		name := a.Name
		if a.Kind == check.ArtifactTag {
			name = tagName(name)
			if setupNames[name] {
				continue // set-up's: --all
			}
		}
		if seen[string(a.Kind)+" "+name] {
			continue
		}
		seen[string(a.Kind)+" "+name] = true
		if err := rp.add(ctx, d, a.Kind, name, false, p.Mission.ID); err != nil {
			return nil, err
		}
	}
	if all {
		for _, si := range p.Mission.Setup.Images {
			name := tagName(string(si.Ref))
			if seen["tag "+name] {
				continue
			}
			seen["tag "+name] = true
			if err := rp.add(ctx, d, check.ArtifactTag, name, true, p.Mission.ID); err != nil {
				return nil, err
			}
		}
	}
	// Containers first (they hold images), then names, then files.
	order := map[check.ArtifactKind]int{check.ArtifactContainer: 0, check.ArtifactTag: 1, check.ArtifactFile: 2}
	sort.SliceStable(rp.Items, func(i, j int) bool { return order[rp.Items[i].Kind] < order[rp.Items[j].Kind] })
	return rp, nil
}

// add looks at one thing and lists it when it exists.
func (rp *ResetPlan) add(ctx context.Context, d Daemon, kind check.ArtifactKind, name string, setup bool, missionID string) error {
	switch kind {
	case check.ArtifactTag:
		img, err := d.Image(ctx, name)
		if errors.Is(err, dockerstate.ErrNotFound) || (err == nil && !hasTag(img, name)) {
			return nil
		}
		if err != nil {
			return err
		}
		if setup && !builtin.MadeFor(missionID, img.Labels, img.Layers) {
			rp.Left = append(rp.Left, Left{Kind: kind, Name: name, Why: "set-up makes this name, but it now holds another image (" + shortID(img.ID) +
				"), not academy's, which may be yours: remove it yourself if it is not, docker rmi " + name})
			return nil
		}
		rp.Items = append(rp.Items, Item{Kind: kind, Name: name, Setup: setup, ID: img.ID, Detail: tagDetail(img, name)})
	case check.ArtifactContainer:
		c, err := d.Container(ctx, name)
		if errors.Is(err, dockerstate.ErrNotFound) || (err == nil && c.Name != name) {
			return nil
		}
		if err != nil {
			return err
		}
		detail := c.Status
		if c.Image != "" {
			detail += ", " + c.Image
		}
		// Only a container of the mission's images is the mission's: one of
		// another image under the same name is someone's own.
		img, err := d.Image(ctx, c.ImageID)
		if err != nil && !errors.Is(err, dockerstate.ErrNotFound) {
			return err
		}
		if err != nil || !builtin.MadeFor(missionID, img.Labels, img.Layers) {
			what := shortID(c.ImageID)
			if c.Image != "" && !strings.HasPrefix(c.Image, "sha256:") {
				what = c.Image + " (" + what + ")"
			}
			rp.Left = append(rp.Left, Left{Kind: kind, Name: name, Why: "it runs " + what + ", which is not one of this mission's images, so it may be yours: remove it yourself if it is not, docker rm -f " + name})
			return nil
		}
		rp.Items = append(rp.Items, Item{Kind: kind, Name: name, ID: c.ID, Detail: detail})
	case check.ArtifactFile:
		path, err := mission.FileName(name).In(rp.Dir)
		if err != nil {
			rp.Left = append(rp.Left, Left{Kind: kind, Name: name, Why: err.Error()})
			return nil
		}
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return fmt.Errorf("reading %s: %w", name, err)
		case fi.IsDir():
			rp.Left = append(rp.Left, Left{Kind: kind, Name: name, Why: "it is a folder; reset removes files only"})
			return nil
		}
		rp.Items = append(rp.Items, Item{Kind: kind, Name: name, Detail: sizeOf(fi)})
	}
	return nil
}

// Removed is what happened to one item.
type Removed struct {
	Item
	Err error // nil: removed
}

// Apply removes the plan's items, each only while it still is what was
// listed: a tag that moved to another image, or a container replaced since,
// is left with an error. Tags are removed as names (docker rmi NAME:TAG):
// an image other names still use keeps them and its data.
func (rp *ResetPlan) Apply(ctx context.Context, d Daemon, w Writer) []Removed {
	out := make([]Removed, 0, len(rp.Items))
	for _, it := range rp.Items {
		out = append(out, Removed{Item: it, Err: rp.remove(ctx, d, w, it)})
	}
	return out
}

func (rp *ResetPlan) remove(ctx context.Context, d Daemon, w Writer, it Item) error {
	switch it.Kind {
	case check.ArtifactTag:
		img, err := d.Image(ctx, it.Name)
		switch {
		case errors.Is(err, dockerstate.ErrNotFound):
			return nil // gone already
		case err != nil:
			return err
		case img.ID != it.ID:
			return fmt.Errorf("%s changed since it was listed (now %s); left alone", it.Name, shortID(img.ID))
		}
		if err := w.Untag(ctx, it.Name); err != nil && !errors.Is(err, dockerstate.ErrNotFound) {
			return err
		}
	case check.ArtifactContainer:
		c, err := d.Container(ctx, it.Name)
		switch {
		case errors.Is(err, dockerstate.ErrNotFound):
			return nil
		case err != nil:
			return err
		case c.ID != it.ID:
			return fmt.Errorf("container %s was replaced since it was listed; left alone", it.Name)
		}
		if err := w.RemoveContainer(ctx, c.ID, true); err != nil && !errors.Is(err, dockerstate.ErrNotFound) {
			return err
		}
	case check.ArtifactFile:
		// Resolved again: what was listed may have been swapped for a link.
		path, err := mission.FileName(it.Name).In(rp.Dir)
		if err != nil {
			return fmt.Errorf("%w; left alone", err)
		}
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return err
		case fi.IsDir():
			return fmt.Errorf("%s is a folder now; left alone", it.Name)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// tagName is ref as a tag is listed: NAME:TAG, familiar (nginx is
// nginx:latest); ref itself when it does not parse.
func tagName(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.FamiliarString(reference.TagNameOnly(named))
}

// hasTag says whether img carries name, rather than having been found by an
// ID prefix.
func hasTag(img dockerstate.Image, name string) bool {
	for _, t := range img.RepoTags {
		if tagName(t) == name {
			return true
		}
	}
	return false
}

// tagDetail says where a tag points and which other names the image has:
// removing this one leaves them.
func tagDetail(img dockerstate.Image, name string) string {
	var others []string
	for _, t := range img.RepoTags {
		if f := tagName(t); f != name {
			others = append(others, f)
		}
	}
	switch {
	case len(others) == 0:
		return shortID(img.ID) + ", its only name: the image goes with it"
	case len(others) > 3:
		others = append(others[:3], fmt.Sprintf("%d more", len(others)-3))
	}
	return shortID(img.ID) + ", also " + strings.Join(others, ", ")
}

func sizeOf(fi fs.FileInfo) string {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return "a link"
	}
	n := float64(fi.Size())
	for _, unit := range []string{"B", "KiB", "MiB", "GiB"} {
		if n < 1024 || unit == "GiB" {
			if unit == "B" {
				return fmt.Sprintf("%d B", fi.Size())
			}
			return fmt.Sprintf("%.1f %s", n, unit)
		}
		n /= 1024
	}
	return ""
}
