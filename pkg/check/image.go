package check

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func init() {
	register(Kind{
		Name:    "image",
		Summary: "an image exists under a name (or does not), is the same image as another name, came from a registry, has labels or a platform",
		New:     func() Spec { return &imageSpec{} },
	})
}

// imageSpec expects an image under Ref and, optionally, more of it.
type imageSpec struct {
	// Ref is the name the image must have.
	Ref mission.ImageRef `yaml:"ref" check:"required"`
	// SameAs: Ref must have the same image ID as this reference.
	SameAs mission.ImageRef `yaml:"sameAs"`
	// RepoDigest: the image must have at least one RepoDigest (it came
	// from a registry).
	RepoDigest bool `yaml:"repoDigest"`
	// Labels the image must carry, with these values.
	Labels map[string]string `yaml:"labels"`
	// Platform the image must be for: os/arch[/variant].
	Platform string `yaml:"platform"`
	// Absent: Ref must not exist (the learner removed it).
	Absent bool `yaml:"absent"`
}

var platformPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$`) })

func (s *imageSpec) Validate(c *mission.Check) error {
	if s.Absent && (s.SameAs != "" || s.RepoDigest || len(s.Labels) > 0 || s.Platform != "") {
		return c.Errorf("absent", "absent: an image that must not exist can have nothing else checked")
	}
	if s.Platform != "" && !platformPattern().MatchString(s.Platform) {
		return c.Errorf("platform", "platform %q: expected os/arch or os/arch/variant, e.g. linux/amd64", s.Platform)
	}
	return nil
}

func (s *imageSpec) Check(ctx context.Context, lab *Lab) Outcome {
	ref := string(s.Ref)
	out := Outcome{Subject: ref, Command: s.command()}
	if s.SameAs != "" {
		lab.Prefetch(ctx, ref, string(s.SameAs))
	}
	img, err := lab.Image(ctx, ref)
	missing := errors.Is(err, dockerstate.ErrNotFound)
	if err != nil && !missing {
		return daemonFailure(ref, err)
	}
	if s.Absent {
		if missing {
			return out.pass("%s does not exist", ref)
		}
		out.Actual = img.ID
		return out.fail("%s still exists (%s) — remove the name: docker rmi %s (if a container still uses it, docker rmi refuses: replace that container first, and do not force it)", ref, short(img.ID), ref)
	}
	if s.SameAs != "" {
		return s.checkSameAs(ctx, lab, out, img, missing)
	}
	if missing {
		near := nearMissNote(ref, lab.nearMissNames(ctx, ref))
		if s.RepoDigest {
			out.Expected = "a RepoDigest"
			return out.fail("%s is not on this daemon%s — pull it from a registry: docker pull %s (without a registry this objective cannot be done; the others can)", ref, near, ref)
		}
		return out.fail("%s does not exist%s", ref, near)
	}
	return s.checkDetails(out, img)
}

func (s *imageSpec) checkSameAs(ctx context.Context, lab *Lab, out Outcome, img dockerstate.Image, missing bool) Outcome {
	ref, src := string(s.Ref), string(s.SameAs)
	want, err := lab.Image(ctx, src)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		if setup, ok := lab.SetupMakes(src); ok {
			return out.fail("%s does not exist%s, so %s cannot point at it — the lab's set-up makes it: %s",
				src, nearMissNote(src, lab.nearMissNames(ctx, src)), ref, setup)
		}
		return out.fail("%s does not exist%s, so %s cannot point at it — build or load %s first",
			src, nearMissNote(src, lab.nearMissNames(ctx, src)), ref, src)
	case err != nil:
		return daemonFailure(src, err)
	}
	out.Expected = want.ID
	if missing {
		return out.fail("%s does not exist%s — create it: docker tag %s %s",
			ref, nearMissNote(ref, lab.nearMissNames(ctx, ref)), src, ref)
	}
	out.Actual = img.ID
	if img.ID != want.ID {
		return out.fail("%s points at %s%s, not at %s (%s) — retag it: docker tag %s %s",
			ref, short(img.ID), thatIs(img, ref, src), src, short(want.ID), src, ref)
	}
	out = s.checkDetails(out, img)
	if out.Status == Pass {
		out.Message = fmt.Sprintf("%s points at %s (%s)", ref, src, short(img.ID))
	}
	return out
}

// checkDetails checks what is asked of an image that exists.
func (s *imageSpec) checkDetails(out Outcome, img dockerstate.Image) Outcome {
	ref := string(s.Ref)
	if s.RepoDigest && len(img.RepoDigests) == 0 {
		out.Expected = "a RepoDigest"
		return out.fail("%s (%s) has no RepoDigest: it was built, tagged or loaded here, not pulled — only an image that came from a registry has one: docker pull %s",
			ref, short(img.ID), ref)
	}
	if s.Platform != "" {
		got := img.OS + "/" + img.Architecture
		if !samePlatform(got, s.Platform) {
			out.Expected, out.Actual = s.Platform, got
			return out.fail("%s is for %s, not %s — build or pull it for that platform: --platform %s", ref, got, s.Platform, s.Platform)
		}
	}
	for _, k := range sortedKeys(s.Labels) {
		want := s.Labels[k]
		got, ok := img.Labels[k]
		switch {
		case !ok:
			out.Expected = k + "=" + want
			return out.fail("%s has no label %s — set it when building: LABEL %s=%q", ref, k, k, want)
		case got != want:
			out.Expected, out.Actual = k+"="+want, k+"="+got
			return out.fail("%s has the label %s=%q, not %q", ref, k, got, want)
		}
	}
	switch {
	case s.RepoDigest:
		// Never the digest itself: an answer objective may ask for it.
		// Not "came from a registry": the containerd store and Podman give
		// every named image RepoDigests, pulled or not.
		return out.pass("%s has a RepoDigest", ref)
	case len(s.Labels) > 0:
		return out.pass("%s carries the labels asked for", ref)
	case s.Platform != "":
		return out.pass("%s is for %s", ref, s.Platform)
	}
	return out.pass("%s is %s", ref, short(img.ID))
}

// command is the docker command that shows the facts the check compares:
// the image's ID (and that of the image it must be, one command each), its
// RepoDigests, its platform, its labels.
func (s *imageSpec) command() string {
	inspect := func(format, ref string) string {
		return fmt.Sprintf("docker image inspect --format '%s' %s", format, ref)
	}
	ref := string(s.Ref)
	var cmds []string
	switch {
	case s.SameAs != "":
		cmds = append(cmds, inspect("{{.Id}}", ref), inspect("{{.Id}}", string(s.SameAs)))
	case !s.RepoDigest && s.Platform == "" && len(s.Labels) == 0:
		cmds = append(cmds, inspect("{{.Id}}", ref))
	}
	if s.RepoDigest {
		cmds = append(cmds, inspect("{{json .RepoDigests}}", ref))
	}
	if s.Platform != "" {
		cmds = append(cmds, inspect("{{.Os}}/{{.Architecture}}", ref))
	}
	if len(s.Labels) > 0 {
		cmds = append(cmds, inspect("{{json .Config.Labels}}", ref))
	}
	return strings.Join(cmds, "; ")
}

// thatIs names the image a wrong tag points at, so the learner sees which
// image it is: " (that is nginx:latest)" by another of its tags, else
// " (that is nginx@sha256:4f1c…)" by a digest it was pulled by, else
// " (an image with no other name)". A name that looks like a typo of ref
// or of a name wanted (my-ap:latest when my-app:v1 is wanted) comes after
// the others: it names the learner's slip, not the image; at most two
// names are given.
func thatIs(img dockerstate.Image, ref string, wanted ...string) string {
	f, _ := formsOf(ref)
	var names, slips []string
	seen := map[string]bool{}
	for _, t := range img.RepoTags {
		name := familiar(t)
		if c, ok := byDigest(t); ok {
			// The containerd store lists a name pulled by digest among the tags.
			name = c
		}
		if t == f.full || t == f.familiar || seen[name] {
			continue
		}
		seen[name] = true
		if looksLikeTypo(name, append([]string{ref}, wanted...)) {
			slips = append(slips, name)
		} else {
			names = append(names, name)
		}
	}
	if names = append(names, slips...); len(names) > 0 {
		return " (that is " + strings.Join(names[:min(len(names), 2)], ", also ") + ")"
	}
	for _, d := range img.RepoDigests {
		if c, ok := byDigest(d); ok {
			return " (that is " + c + ")"
		}
	}
	return " (an image with no other name)"
}

// byDigest shortens a name by digest for messages, nginx@sha256:4f1c…, and
// says whether ref is one (a repository and a digest, no tag).
func byDigest(ref string) (string, bool) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", false
	}
	c, ok := named.(reference.Canonical)
	if _, tagged := named.(reference.Tagged); !ok || tagged {
		return "", false
	}
	return reference.FamiliarName(c) + "@" + c.Digest().Algorithm().String() + ":" + short(c.Digest().String()) + "…", true
}

// looksLikeTypo says whether name's repository is one or two characters
// off that of one of wanted: lrn/my-ap for lrn/my-app. The same repository
// under another tag is another release, not a typo.
func looksLikeTypo(name string, wanted []string) bool {
	repo := func(s string) string {
		if named, err := reference.ParseNormalizedNamed(s); err == nil {
			return reference.FamiliarName(named)
		}
		return s
	}
	r := repo(name)
	for _, w := range wanted {
		wr := repo(w)
		if r != wr && len(wr) >= 4 && levenshtein.ComputeDistance(r, wr) <= 2 {
			return true
		}
	}
	return false
}

// samePlatform compares os/arch; the daemon's inspect does not say the
// variant, so a variant asked for is not compared.
func samePlatform(got, want string) bool {
	parts := strings.SplitN(want, "/", 3)
	return got == parts[0]+"/"+parts[1]
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
