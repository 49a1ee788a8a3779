package check

import (
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// normalize parses a reference as the daemon does: "nginx" is
// docker.io/library/nginx:latest.
func normalize(ref string) (reference.Named, error) {
	named, err := reference.ParseNormalizedNamed(strings.TrimSpace(ref))
	if err != nil {
		return nil, err
	}
	return reference.TagNameOnly(named), nil
}

// sameRef says whether two references name the same thing once normalized.
func sameRef(a, b string) bool {
	na, err := normalize(a)
	if err != nil {
		return false
	}
	nb, err := normalize(b)
	if err != nil {
		return false
	}
	return na.String() == nb.String()
}

// hasName says whether ref is one of names, compared as the daemon compares
// them (Podman writes qualified names, Docker short ones).
func hasName(names []string, ref string) bool {
	for _, n := range names {
		if sameRef(n, ref) {
			return true
		}
	}
	return false
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
