package mission

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// The value types below are what a check kind's fields are made of. Each
// knows what a valid value is, so a kind that declares a field of one of
// these types has it validated, after variables are expanded, without
// writing a line of validation of its own.

// ImageRef is an image reference as the docker CLI takes it: my-app:v1,
// cloudcorp/my-app, nginx, localhost:5000/app@sha256:….
type ImageRef string

// Validate says why r is not a reference docker would accept.
func (r ImageRef) Validate() error {
	if _, err := reference.ParseNormalizedNamed(string(r)); err != nil {
		return fmt.Errorf("%s is not a valid image reference: %s", quoteShort(string(r)), refReason(err))
	}
	return nil
}

// refReason turns distribution/reference's errors into the learner's words.
func refReason(err error) string {
	switch {
	case errors.Is(err, reference.ErrNameContainsUppercase), strings.Contains(err.Error(), "must be lowercase"):
		return "names are lowercase"
	case errors.Is(err, reference.ErrNameEmpty):
		return "the name is empty"
	case errors.Is(err, reference.ErrNameTooLong):
		return "the name is too long"
	case errors.Is(err, reference.ErrTagInvalidFormat):
		return "a tag is letters, digits, _ . and -, at most 128"
	case errors.Is(err, reference.ErrDigestInvalidFormat):
		return "the digest is not sha256:<64 hex digits>"
	}
	return "expected NAME[:TAG] such as my-app:v1"
}

// FileName is a file the learner makes, relative to the folder academy
// looks in (--dir). It cannot leave that folder: a mission from a stranger
// must not make academy read, or reset delete, anything else.
type FileName string

// Validate says why f is not a local file name.
func (f FileName) Validate() error {
	s := string(f)
	switch {
	case strings.ContainsRune(s, 0):
		return errors.New("a file name cannot hold a NUL byte")
	case len(s) > 255:
		return fmt.Errorf("%s is longer than 255 bytes", quoteShort(s))
	case !filepath.IsLocal(s) || strings.Contains(s, `\`):
		return fmt.Errorf("%s must name a file inside the lab's folder (relative, without ..)", quoteShort(s))
	}
	return nil
}

// In is where the file is in the lab's folder dir. No part of the name may
// be a link, the last one included: a link could lead out of the folder, and
// academy neither reads nor (reset) removes anything outside it.
func (f FileName) In(dir string) (string, error) {
	if err := f.Validate(); err != nil {
		return "", err
	}
	path := dir
	parts := strings.Split(filepath.Clean(string(f)), string(filepath.Separator))
	for _, part := range parts {
		path = filepath.Join(path, part)
		fi, err := os.Lstat(path)
		if err != nil {
			// What does not exist cannot lead anywhere; the caller sees
			// it missing.
			return filepath.Join(dir, string(f)), nil
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("%s is a link: academy does not follow links in the lab's folder", path)
		}
	}
	return path, nil
}

// containerName is the pattern the daemon accepts for container names.
var containerName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`) })

// ContainerName is a container's name, as docker run --name takes it.
type ContainerName string

// Validate says why n is not a name the daemon would accept.
func (n ContainerName) Validate() error {
	if !containerName().MatchString(string(n)) {
		return fmt.Errorf("%s is not a valid container name: letters, digits, _ . and -, starting with a letter or digit", quoteShort(string(n)))
	}
	return nil
}
