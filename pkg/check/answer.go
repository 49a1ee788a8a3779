package check

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func (e *env) checkAnswer(ctx context.Context, objective string, c *mission.AnswerCheck) Outcome {
	out := Outcome{Kind: "answer", Subject: objective}
	answer, given := e.runner.Answers[objective]
	answer = cleanAnswer(answer)
	out.Actual = answer

	img, err := e.image(ctx, c.RepoDigestOf)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		out.Status = Fail
		out.Message = fmt.Sprintf("%s is not on this daemon, so there is no digest to compare with", c.RepoDigestOf)
		return out
	case err != nil:
		return daemonFailure("answer", objective, err)
	}
	if len(img.RepoDigests) > 0 {
		out.Expected = img.RepoDigests[0]
	}
	if !given || answer == "" {
		out.Status = Fail
		out.Message = fmt.Sprintf("no answer given — pass it as --answer %s=VALUE", objective)
		return out
	}
	if len(img.RepoDigests) == 0 {
		out.Status = Fail
		out.Message = fmt.Sprintf("%s has no RepoDigest, so no answer can match", c.RepoDigestOf)
		return out
	}
	if ok, why := matchRepoDigest(answer, c.RepoDigestOf, img); !ok {
		out.Status = Fail
		out.Message = why
		return out
	}
	out.Status = Pass
	out.Message = fmt.Sprintf("%s is a digest of %s", answer, c.RepoDigestOf)
	return out
}

// cleanAnswer drops what a copy and paste brings along: blanks and quotes.
func cleanAnswer(s string) string {
	return strings.Trim(strings.TrimSpace(s), `'"`)
}

var bareHex = regexp.MustCompile(`^[a-f0-9]{64}$`)

// matchRepoDigest says whether answer names one of img's RepoDigests:
// repo@sha256:… as docker inspect prints it, any equivalent normalized name
// (docker.io/library/nginx@…), or the bare sha256:…. When it does not, why
// says how it differs.
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

	if bareHex.MatchString(answer) {
		answer = "sha256:" + answer
	}
	if d, err := digest.Parse(answer); err == nil {
		switch {
		case digestKnown(d):
			return true, ""
		case string(d) == img.ID:
			return false, fmt.Sprintf("%s is the image ID of %s, not a digest from a registry — the RepoDigests field lists those", short(answer), imageRef)
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
	if digestKnown(canonical.Digest()) {
		return false, fmt.Sprintf("the digest is right but %s is not the repository %s came from", reference.FamiliarName(ref), imageRef)
	}
	if string(canonical.Digest()) == img.ID {
		return false, fmt.Sprintf("%s is the image ID of %s, not a digest from a registry — the RepoDigests field lists those", short(canonical.Digest().String()), imageRef)
	}
	return false, fmt.Sprintf("%s is not one of %s's RepoDigests", answer, imageRef)
}
