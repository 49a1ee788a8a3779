package check

import (
	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// Watch is what a check reads, so that a change can be matched to the
// checks it can affect (check --watch).
type Watch struct {
	Images     []string // image references read
	Containers []string // container names read
	Files      []string // files of the lab's folder read
}

// Watcher is a spec that says what it reads. A spec that does not is
// re-checked on every change.
type Watcher interface {
	Watches() Watch
}

func (s *imageSpec) Watches() Watch {
	w := Watch{Images: []string{string(s.Ref)}}
	if s.SameAs != "" {
		w.Images = append(w.Images, string(s.SameAs))
	}
	return w
}

func (s *answerSpec) Watches() Watch { return Watch{Images: []string{string(s.RepoDigestOf)}} }

func (s *archiveSpec) Watches() Watch {
	w := Watch{Files: []string{string(s.Path)}}
	if s.MatchesDaemon && s.Contains != "" {
		w.Images = []string{string(s.Contains)}
	}
	return w
}

// Watches is what the objective's checks read, together.
func (o Objective) Watches() (w Watch, all bool) {
	for _, c := range o.Checks {
		cw, ok := c.Spec.(Watcher)
		if !ok {
			return Watch{}, true
		}
		x := cw.Watches()
		w.Images = append(w.Images, x.Images...)
		w.Containers = append(w.Containers, x.Containers...)
		w.Files = append(w.Files, x.Files...)
	}
	return w, false
}

// Affects says whether a daemon event can change what w reads. A tag or a
// pull names what it made, so only checks of that name are affected; an
// untag, a delete or a load names an image ID, so every check of an image
// is.
func (w Watch) Affects(e dockerstate.Event) bool {
	switch e.Type {
	case "image":
		if len(w.Images) == 0 {
			return false
		}
		switch e.Action {
		case "tag", "pull":
			for _, ref := range w.Images {
				if sameRepoOrRef(e.Name, ref) || sameRepoOrRef(e.ActorID, ref) {
					return true
				}
			}
			return false
		}
		return true
	case "container":
		if len(w.Containers) == 0 {
			return false
		}
		for _, name := range w.Containers {
			if e.Name == name || e.Name == "/"+name || e.ActorID == name {
				return true
			}
		}
		// A container event names the container; one renamed, or made
		// under another name, may now carry a watched name.
		return e.Action == "rename" || e.Action == "create" || e.Action == "destroy"
	}
	return false
}

// sameRepoOrRef says whether name (from an event: a tag, or a repository
// for a pull) names ref or ref's repository.
func sameRepoOrRef(name, ref string) bool {
	if name == "" {
		return false
	}
	n, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return false
	}
	r, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	if n.Name() != r.Name() {
		return false
	}
	if _, tagged := n.(reference.Tagged); !tagged {
		return true // a repository: any of its tags
	}
	return reference.TagNameOnly(n).String() == reference.TagNameOnly(r).String()
}

func (s *containerSpec) Watches() Watch {
	w := Watch{Containers: []string{string(s.Name)}}
	if s.Image != "" {
		w.Images = []string{string(s.Image)}
	}
	return w
}

func (s *loadedSpec) Watches() Watch {
	return Watch{Images: []string{string(s.Ref)}, Files: []string{string(s.Path)}}
}
