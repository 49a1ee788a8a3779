package check

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func init() {
	register(Kind{
		Name:    "answer",
		Summary: "the learner's answer (--answer OBJECTIVE=VALUE, or a prompt) names a fact of the daemon, such as one of an image's RepoDigests",
		New:     func() Spec { return &answerSpec{} },
	})
}

// answerSpec asks the learner for a value and compares it with a fact of
// the daemon. The fact is a secret: no report ever shows it.
type answerSpec struct {
	// Prompt is the question, in one line; a default is made from the fact.
	Prompt string `yaml:"prompt"`
	// RepoDigestOf: the answer must name one of this image's RepoDigests.
	RepoDigestOf mission.ImageRef `yaml:"repoDigestOf" check:"required"`
}

func (s *answerSpec) Question() string {
	if s.Prompt != "" {
		return s.Prompt
	}
	return fmt.Sprintf("a RepoDigest of %s (repo@sha256:…)", s.RepoDigestOf)
}

// Answerable says whether the image asked about is there with a digest:
// when it is not, the learner is not asked (the check says what to do).
// A daemon that fails to answer is no reason not to ask.
func (s *answerSpec) Answerable(ctx context.Context, lab *Lab) bool {
	img, err := lab.Image(ctx, string(s.RepoDigestOf))
	if errors.Is(err, dockerstate.ErrNotFound) {
		return false
	}
	return err != nil || len(img.RepoDigests) > 0
}

// howToFind is the docker command that prints the fact asked for.
func (s *answerSpec) howToFind() string {
	return fmt.Sprintf("docker inspect --format='{{index .RepoDigests 0}}' %s", s.RepoDigestOf)
}

func (s *answerSpec) Check(ctx context.Context, lab *Lab) Outcome {
	ref := string(s.RepoDigestOf)
	// The answer is compared with every RepoDigest, which this lists.
	out := Outcome{Subject: lab.Objective(), Command: fmt.Sprintf("docker image inspect --format '{{json .RepoDigests}}' %s", ref),
		Expected: fmt.Sprintf("a RepoDigest of %s, as %s prints it", ref, s.howToFind())}
	answer, given := lab.Answer()
	answer = cleanAnswer(answer)
	out.Actual = answer
	img, err := lab.Image(ctx, ref)
	missing := errors.Is(err, dockerstate.ErrNotFound)
	if err != nil && !missing {
		return daemonFailure(ref, err)
	}
	switch {
	case (!given || answer == "") && missing:
		return out.fail("no answer given — once %s is pulled (docker pull %s), find its digest with %s and pass it as --answer %s=VALUE",
			ref, ref, s.howToFind(), lab.Objective())
	case (!given || answer == "") && len(img.RepoDigests) == 0:
		// The command that prints a digest fails on an image with none.
		return out.fail("no answer given — %s has no RepoDigest yet: it was built, loaded or tagged here, and only a pull from a registry gives one (docker pull %s); then find it with %s and pass it as --answer %s=VALUE",
			ref, ref, s.howToFind(), lab.Objective())
	case !given || answer == "":
		return out.fail("no answer given — find it with %s, then pass it as --answer %s=VALUE", s.howToFind(), lab.Objective())
	}
	if why := notDigestShaped(answer); why != "" {
		return out.fail("%s", why)
	}
	switch {
	case missing:
		// Nothing was compared: no expected and actual to show.
		out.Expected, out.Actual = "", ""
		return out.fail("your answer can be checked once %s is on this daemon: docker pull %s", ref, ref)
	}
	if len(img.RepoDigests) == 0 {
		return out.fail("%s has no RepoDigest, so no answer can match — pull it from a registry first", ref)
	}
	if ok, why := matchRepoDigest(answer, ref, img); !ok {
		return out.fail("%s", why)
	}
	// A right answer is the secret: a class's report is read by others.
	out.Actual = ""
	return out.pass("your answer is a RepoDigest of %s", ref)
}

// cleanAnswer drops what a copy and paste brings along: blanks and quotes.
func cleanAnswer(s string) string {
	return strings.Trim(strings.TrimSpace(s), `'"`)
}

var bareHex = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-f0-9]{64}$`) })

// cutDigest matches a digest, alone or after repo@, and captures its hex:
// shorter than 64 digits, it was cut.
var cutDigest = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[^@\s]+@)?sha256:([a-f0-9]*)$`) })

// shortHex is an image ID as docker images shows it, or any few hex digits.
var shortHex = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-f0-9]{1,63}$`) })

// upperDigest matches a digest whose hex has capitals.
var upperDigest = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[^@\s]+@)?(?i:sha256):[0-9a-fA-F]{64}$`) })

// notDigestShaped says why answer cannot be a digest whatever the daemon
// holds — cut, or a short image ID — and is empty when it might be one.
func notDigestShaped(answer string) string {
	if m := cutDigest().FindStringSubmatch(answer); m != nil && len(m[1]) < 64 {
		return fmt.Sprintf("%s: part of it is missing — was it cut when copied? A digest is sha256: and 64 hex digits, and this one has %d", answer, len(m[1]))
	}
	if upperDigest().MatchString(answer) && strings.ToLower(answer) != answer {
		return fmt.Sprintf("%s: a digest is written in lowercase, as docker inspect prints it — copy it as printed", answer)
	}
	if shortHex().MatchString(answer) {
		return fmt.Sprintf("%s looks like a short image ID, as docker images shows it; the digest is the registry's, in RepoDigests: repo@sha256: and 64 hex digits", answer)
	}
	return ""
}

// matchRepoDigest says whether answer names one of img's RepoDigests:
// repo@sha256:… as docker inspect prints it, any equivalent normalized name
// (docker.io/library/nginx@…), or the bare sha256:…. When it does not, why
// says how it differs, without ever showing the right digest.
func matchRepoDigest(answer, imageRef string, img dockerstate.Image) (ok bool, why string) {
	type repoDigest struct {
		name string
		dgst digest.Digest
	}
	known := make([]repoDigest, 0, len(img.RepoDigests))
	for _, rd := range img.RepoDigests {
		if ref, err := reference.ParseNormalizedNamed(rd); err == nil {
			if c, ok := ref.(reference.Canonical); ok {
				known = append(known, repoDigest{ref.Name(), c.Digest()})
			}
		}
	}
	digestKnown := func(d digest.Digest) bool {
		for _, k := range known {
			if k.dgst == d {
				return true
			}
		}
		return false
	}
	imageID := func(d digest.Digest) string {
		return fmt.Sprintf("%s is the image ID of %s, not a digest from a registry — the RepoDigests field lists those", short(d.String()), imageRef)
	}
	if why := notDigestShaped(answer); why != "" {
		return false, why
	}
	if bareHex().MatchString(answer) {
		answer = "sha256:" + answer
	}
	if d, err := digest.Parse(answer); err == nil {
		switch {
		case digestKnown(d):
			return true, ""
		case string(d) == img.ID:
			return false, imageID(d)
		}
		return false, fmt.Sprintf("%s is not a digest of %s — copy one of its RepoDigests", short(answer), imageRef)
	}
	ref, err := reference.ParseNormalizedNamed(answer)
	if err != nil {
		return false, fmt.Sprintf("%q is not a digest reference: expected repo@sha256:…, the form docker inspect prints", answer)
	}
	canonical, isCanonical := ref.(reference.Canonical)
	if !isCanonical {
		return false, fmt.Sprintf("%s names no digest: expected %s@sha256:…, a tag can move but a digest cannot", answer, reference.FamiliarName(ref))
	}
	for _, k := range known {
		if k.dgst == canonical.Digest() && k.name == ref.Name() {
			return true, ""
		}
	}
	switch {
	case digestKnown(canonical.Digest()):
		return false, fmt.Sprintf("the digest is right but %s is not the repository %s came from", reference.FamiliarName(ref), imageRef)
	case string(canonical.Digest()) == img.ID:
		return false, imageID(canonical.Digest())
	}
	return false, fmt.Sprintf("%s is not one of %s's RepoDigests", answer, imageRef)
}
