package check

import (
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// refForms are the two ways a daemon prints one reference: Docker's short
// form (nginx:latest) and the fully qualified one Podman and the containerd
// store use (docker.io/library/nginx:latest).
type refForms struct{ full, familiar string }

// formsOf normalizes ref as the daemon does ("nginx" is
// docker.io/library/nginx:latest), once; ok is false when ref is not a
// reference at all.
func formsOf(ref string) (refForms, bool) {
	named, err := reference.ParseNormalizedNamed(strings.TrimSpace(ref))
	if err != nil {
		return refForms{}, false
	}
	named = reference.TagNameOnly(named)
	return refForms{full: named.String(), familiar: reference.FamiliarString(named)}, true
}

// in says whether one of names is this reference. Names are compared as
// strings, not parsed: an image with two million tags costs two million
// string comparisons, not two million parses.
func (f refForms) in(names []string) bool {
	for _, n := range names {
		if n == f.full || n == f.familiar {
			return true
		}
	}
	return false
}

// hasName says whether ref is one of names, compared as the daemon compares
// them.
func hasName(names []string, ref string) bool {
	f, ok := formsOf(ref)
	return ok && f.in(names)
}

// named says whether img carries ref as a tag or digest, rather than having
// been found by an ID prefix.
func named(img dockerstate.Image, ref string) bool {
	f, ok := formsOf(ref)
	return ok && (f.in(img.RepoTags) || f.in(img.RepoDigests))
}

// short shortens an image ID or digest as docker images does: 12 hex digits.
func short(id string) string {
	if d, err := digest.Parse(id); err == nil {
		id = d.Encoded()
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// familiar shortens a reference for messages: docker.io/library/nginx:latest
// reads nginx:latest.
func familiar(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.FamiliarString(named)
}
