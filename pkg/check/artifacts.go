package check

import (
	"github.com/academy-dev/academy/pkg/mission"
)

// What a mission's objectives leave in the lab, and what they need from a
// registry, as each kind knows it: `academy reset` removes the one, and
// `academy mission test` provides the other. A kind says so by implementing
// Creator or Puller on its spec; a kind that implements neither leaves
// nothing and needs nothing.

// ArtifactKind is the kind of thing an objective leaves in the lab.
type ArtifactKind string

// The things an objective can leave in the lab.
const (
	// ArtifactTag is an image name (NAME:TAG) the learner gave.
	ArtifactTag ArtifactKind = "tag"
	// ArtifactContainer is a container, by name.
	ArtifactContainer ArtifactKind = "container"
	// ArtifactFile is a file in the lab's folder, relative to it.
	ArtifactFile ArtifactKind = "file"
)

// Artifact is one thing an objective's solution leaves in the lab.
type Artifact struct {
	Kind ArtifactKind
	Name string
}

// Creator is a spec whose objective leaves things in the lab when it is met.
type Creator interface {
	Creates() []Artifact
}

// Puller is a spec that needs images from a registry (with RepoDigests):
// no set-up can make them offline.
type Puller interface {
	Pulls() []mission.ImageRef
}

// Creates: a name the image must have was given by the learner, unless the
// check only asks that it came from a registry (the learner pulled it,
// perhaps long ago) or that it is gone.
func (s *imageSpec) Creates() []Artifact {
	if s.Absent || s.RepoDigest {
		return nil
	}
	return []Artifact{{Kind: ArtifactTag, Name: string(s.Ref)}}
}

// Pulls: an image that must have a RepoDigest came from a registry.
func (s *imageSpec) Pulls() []mission.ImageRef {
	if s.RepoDigest {
		return []mission.ImageRef{s.Ref}
	}
	return nil
}

// Creates: the archive is the learner's file.
func (s *archiveSpec) Creates() []Artifact {
	return []Artifact{{Kind: ArtifactFile, Name: string(s.Path)}}
}

// Pulls: the answer names a RepoDigest, which only a pulled image has.
func (s *answerSpec) Pulls() []mission.ImageRef {
	return []mission.ImageRef{s.RepoDigestOf}
}

// Creates: the container the learner started.
func (s *containerSpec) Creates() []Artifact {
	if s.Absent {
		return nil
	}
	return []Artifact{{Kind: ArtifactContainer, Name: string(s.Name)}}
}

// Creates: the name the learner loaded.
func (s *loadedSpec) Creates() []Artifact {
	return []Artifact{{Kind: ArtifactTag, Name: string(s.Ref)}}
}

// Artifacts lists what the objectives among only (all when only is
// empty) leave in the lab, in mission order, each once.
func (p *Plan) Artifacts(only []string) ([]Artifact, error) {
	objectives, err := p.Select(only)
	if err != nil {
		return nil, err
	}
	var out []Artifact
	seen := map[Artifact]bool{}
	for _, o := range objectives {
		for _, c := range o.Checks {
			cr, ok := c.Spec.(Creator)
			if !ok {
				continue
			}
			for _, a := range cr.Creates() {
				if !seen[a] {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

// Pulls lists, in mission order and each once, the images the plan's
// checks need from a registry.
func (p *Plan) Pulls() []mission.ImageRef {
	var out []mission.ImageRef
	seen := map[mission.ImageRef]bool{}
	for _, o := range p.Objectives {
		for _, c := range o.Checks {
			if pl, ok := c.Spec.(Puller); ok {
				for _, r := range pl.Pulls() {
					if !seen[r] {
						seen[r] = true
						out = append(out, r)
					}
				}
			}
		}
	}
	return out
}
