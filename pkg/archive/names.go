package archive

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/distribution/reference"
)

// q makes a string from the archive safe to put in a reason: plain names
// stay as they are; anything with a control, format (bidi) or non-ASCII
// character, a quote, a backslash or a space is quoted with every such
// character escaped, so no escape sequence reaches a terminal. Long strings
// are cut.
func q(s string) string {
	const maxShown = 200
	cut := false
	if len(s) > maxShown {
		s, cut = s[:maxShown], true
	}
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c > ' ' && c < 0x7f && c != '"' && c != '\\'
	}
	if !plain {
		s = strconv.QuoteToASCII(s)
	}
	if cut {
		s += "…"
	}
	return s
}

// safeText makes an error message safe to print: printable ASCII stays,
// anything else is escaped as Go would quote it.
func safeText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			t := strconv.QuoteToASCII(s)
			return t[1 : len(t)-1]
		}
	}
	return s
}

// imageName reads the name of an index.json entry as the containerd image
// store does on docker load: io.containerd.image.name, else
// org.opencontainers.image.ref.name. The store keeps that string as it is,
// and Docker finds an image only by its full, normalised reference
// ("docker.io/library/my-app:v1"): a short "my-app:v1" (skopeo, buildah)
// or a bare "v1" (umoci) is listed by docker images, but docker image
// inspect or run by that name says "No such image" (seen on Docker 29).
// So a name is kept only in that full form; any other gives a warning.
func imageName(annotations map[string]string) (name, warning string) {
	key := annotationImageName
	raw := annotations[key]
	if raw == "" {
		key = annotationRefName
		raw = annotations[key]
	}
	if raw == "" {
		return "", ""
	}
	ref, err := reference.ParseNormalizedNamed(raw)
	if err != nil {
		return "", "ignored the name " + q(raw) + " (" + key + "): not a valid image reference"
	}
	_, tagged := ref.(reference.Tagged)
	_, digested := ref.(reference.Digested)
	if ref.String() != raw || !(tagged || digested) {
		return "", "ignored the name " + q(raw) + " (" + key + "): docker load keeps it as written, and Docker cannot find an image by it; only a full reference such as " +
			reference.TagNameOnly(ref).String() + " names an image"
	}
	return raw, ""
}

// checkRepoTag validates one RepoTags entry of manifest.json, as docker
// load does before it tags anything.
func checkRepoTag(tag string) error {
	ref, err := reference.ParseNormalizedNamed(tag)
	if err != nil {
		return invalidf("manifest.json names the image %s, which is not a valid name: %v", q(tag), err)
	}
	if _, ok := ref.(reference.NamedTagged); !ok {
		return invalidf("manifest.json names the image %s without a tag", q(tag))
	}
	return nil
}

var (
	platformPart = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })
	// mediaTypeRE is RFC 6838's restricted-name on both sides of the slash.
	mediaTypeRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$`)
	})
)

// checkPlatform refuses a config whose os, architecture or variant is not
// a plain word: they end up in reports.
func checkPlatform(what string, parts ...string) error {
	for _, p := range parts {
		if p != "" && !platformPart().MatchString(p) {
			return invalidf("%s names the platform part %s, which no platform is", what, q(p))
		}
	}
	return nil
}

// checkMediaType refuses a descriptor whose media type is not one.
func checkMediaType(what, mt string) error {
	if mt != "" && !mediaTypeRE().MatchString(mt) {
		return invalidf("%s has the media type %s, which is not a media type", what, q(mt))
	}
	return nil
}
