package check

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func init() {
	register(Kind{
		Name:    "archive",
		Summary: "a file in the lab's folder is a complete, uncorrupted docker save archive, holds an image by name, and is the image the daemon has under that name",
		New:     func() Spec { return &archiveSpec{} },
	})
}

// archiveSpec expects a docker save archive in the learner's folder.
type archiveSpec struct {
	// Path is the archive's file name, relative to the lab's folder.
	Path mission.FileName `yaml:"path" check:"required"`
	// Contains: a tag the archive's images must include.
	Contains mission.ImageRef `yaml:"contains"`
	// MatchesDaemon: the archived image under Contains must be the image
	// the daemon has under that name.
	MatchesDaemon bool `yaml:"matchesDaemon"`

	// together are the images the objective wants in this same file, in
	// order, this one among them: the one docker save that makes them all.
	together []string
}

func (s *archiveSpec) relate(siblings []Spec) {
	for _, o := range siblings {
		if a, ok := o.(*archiveSpec); ok && a.Path == s.Path && a.Contains != "" && !contains(s.together, string(a.Contains)) {
			s.together = append(s.together, string(a.Contains))
		}
	}
}

// saveCommand is the docker save that makes the archive the objective
// wants: with every image it wants in this file, so following it once
// makes every check of the file hold.
func (s *archiveSpec) saveCommand() string {
	images := s.together
	if len(images) == 0 && s.Contains != "" {
		images = []string{string(s.Contains)}
	}
	if len(images) == 0 {
		return "docker save -o " + string(s.Path) + " IMAGE"
	}
	return "docker save -o " + string(s.Path) + " " + strings.Join(images, " ")
}

func (s *archiveSpec) Validate(c *mission.Check) error {
	if s.MatchesDaemon && s.Contains == "" {
		return c.Errorf("matchesDaemon", "matchesDaemon needs contains: the tag to compare")
	}
	return nil
}

// minReadRate is the slowest an archive is expected to be read: the
// deadline for reading one grows with its size at this rate — slow enough
// for an xz archive, which decompresses at tens of MB/s into several times
// its size.
const minReadRate = 5 << 20 // bytes per second

func (s *archiveSpec) Check(ctx context.Context, lab *Lab) Outcome {
	name, want := string(s.Path), string(s.Contains)
	save := s.saveCommand()
	rep, out, ok := readArchive(ctx, lab, name, save)
	if s.MatchesDaemon {
		// The image the archive holds is compared with the daemon's.
		out.Command += fmt.Sprintf("; docker image inspect --format '{{.Id}}' %s", want)
	}
	if !ok {
		return out
	}
	if rep.Format == archive.FormatOCILayout {
		// No manifest.json: only the containerd store and Podman load it;
		// Docker's graphdriver store reads nothing else (Docker 20.10:
		// "open …/blobs/json: no such file or directory"; Docker 29:
		// "invalid archive: does not contain a manifest.json").
		store, err := lab.imageStore(ctx)
		if err != nil {
			return daemonFailure(name, err)
		}
		if store == dockerstate.StoreGraphdriver {
			return out.fail("%s has no manifest.json, and this daemon's docker load cannot read an archive without one (it is an OCI image layout, as podman or skopeo write; this daemon's image store reads only manifest.json) — save it with docker so it can: %s",
				name, save)
		}
	}
	if want == "" {
		return out.pass("%s is a valid %s archive", name, rep.Format)
	}
	img, found := findImage(rep, want)
	if !found {
		out.Expected, out.Actual = want, joinTags(rep)
		return out.fail("%s holds %s, not %s — save it by that name: %s", name, describeTags(rep), want, save)
	}
	if f, _ := formsOf(want); !f.in(img.RepoTags) && rep.Format != archive.FormatOCILayout {
		// The name is in index.json only. Docker's graphdriver store reads
		// manifest.json alone: docker load there leaves the image without it.
		store, err := lab.imageStore(ctx)
		if err != nil {
			return daemonFailure(name, err)
		}
		if store == dockerstate.StoreGraphdriver {
			out.Expected, out.Actual = want, strings.Join(img.RepoTags, ", ")
			return out.fail("%s names %s in its index.json only, and this daemon's docker load reads manifest.json, which does not give it that name — save it with docker: %s",
				name, want, save)
		}
	}
	out.Actual = string(img.Config)
	if !s.MatchesDaemon {
		return out.pass("%s holds %s (%s)", name, want, short(string(img.Config)))
	}
	live, err := lab.Image(ctx, want)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		return out.fail("%s holds %s, but the daemon has no %s to compare it with — it passes again once the image is back: docker load -i %s",
			name, want, want, name)
	case err != nil:
		return daemonFailure(name, err)
	}
	out.Expected = live.ID
	if lab.containerdStore(ctx) {
		// There, the ID compared is the index's, which index.json names.
		out.Command = strings.Replace(out.Command, " manifest.json;", " index.json;", 1)
	}
	// The graphdriver store's ID is the config digest; the containerd
	// store's is the target (index or manifest) digest.
	for _, d := range []string{string(img.Config), string(img.Target), string(img.Manifest)} {
		if d != "" && d == live.ID {
			out.Actual = d
			return out.pass("%s holds %s (%s), the daemon's image", name, want, short(live.ID))
		}
	}
	if imported(live) {
		// The archive may well be right: saving again would overwrite it
		// with the imported image.
		return out.fail("%s holds %s as %s, but the daemon's %s is %s, which docker import made: import builds a new image from the files of a tar, so it can never be the saved one — bring the saved image back: docker rmi %s, then docker load -i %s",
			name, want, short(string(img.Config)), want, short(live.ID), want, name)
	}
	return out.fail("%s holds %s as %s, but the daemon's %s is %s — the archive is of another image; save it again: %s",
		name, want, short(string(img.Config)), want, short(live.ID), save)
}

// imported says whether docker import made the image: its comment says so
// ("Imported from -" on Docker, "imported from tarball" on Podman).
func imported(img dockerstate.Image) bool {
	return strings.HasPrefix(strings.ToLower(img.Comment), "imported from")
}

// findImage returns the archived image carrying ref among its RepoTags or
// index.json names.
func findImage(rep *archive.Report, ref string) (archive.Image, bool) {
	f, ok := formsOf(ref)
	if !ok {
		return archive.Image{}, false
	}
	// The last image carrying the name: docker load gives a name to each
	// image in turn, so the last one keeps it.
	for i := len(rep.Images) - 1; i >= 0; i-- {
		if img := rep.Images[i]; f.in(img.RepoTags) || f.in(img.Names) {
			return img, true
		}
	}
	return archive.Image{}, false
}

func joinTags(rep *archive.Report) string {
	var tags []string
	seen := map[string]bool{}
	for _, img := range rep.Images {
		// OCI layouts name an image twice: RepoTags and index.json.
		for _, t := range append(append([]string(nil), img.RepoTags...), img.Names...) {
			if f := familiar(t); !seen[f] {
				seen[f] = true
				tags = append(tags, f)
			}
		}
	}
	return strings.Join(tags, ", ")
}

func describeTags(rep *archive.Report) string {
	if tags := joinTags(rep); tags != "" {
		return tags
	}
	return "an untagged image (saved by ID)"
}

// missingArchive says the archive is not where academy looked: which
// folder that is and how to point elsewhere, or, when the folder holds a
// file of a close name (myapp.tar for my-app.tar), how to rename it.
func missingArchive(out Outcome, dir, name, save string) Outcome {
	where := dir
	if abs, err := filepath.Abs(dir); err == nil {
		where = abs
	}
	if dir == "" || dir == "." {
		where = "the current folder (" + where + ")"
	}
	if near := closeFile(dir, name); near != "" {
		from, to := near, name
		if dir != "" && dir != "." {
			from, to = filepath.Join(dir, near), filepath.Join(dir, name)
		}
		return out.fail("%s is not in %s, but %s is — rename it: mv %s %s (or save again: %s)",
			name, where, near, shellQuote(from), shellQuote(to), save)
	}
	return out.fail("%s is not in %s — export it: %s; if you saved it in another folder, point academy there: -C FOLDER",
		name, where, save)
}

// shellQuote quotes a file name for a command the learner may paste, when
// it needs it.
func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.+,:@%/", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// invalidArchive says in the learner's words what is wrong with an archive
// the verifier refused, then the verifier's detail, then the fix:
// "my-app.tar is incomplete: layer.tar declares 2048 bytes, more than the
// file holds — was the save or the copy cut short? Save it again: docker
// save -o my-app.tar my-app:v1". The detail is the verifier's reason with
// what the sentence already says taken out of it.
func invalidArchive(name, save, reason string) string {
	const (
		again    = "save it again: "
		create   = "make it with: "
		cutShort = "was the save or the copy cut short? Save it again: "
	)
	rules := []struct {
		match      func(string) (detail string, ok bool)
		what, next string
	}{
		{startsWith("the archive is truncated: "), "is incomplete", cutShort},
		{startsWith("the archive is truncated "), "is incomplete: it ends", cutShort},
		{mentions("truncated"), "is incomplete", cutShort},
		{startsWith("not a docker save archive: "), "is not a docker save archive", create},
		{endsWith(", not a docker save archive"), "is not a docker save archive", create},
		{is("the archive is empty"), "is empty, not a docker save archive", create},
		{is("the archive holds no image"), "holds no image, so it is not a docker save archive", create},
		{mentions("not a docker save archive"), "is not a docker save archive", create},
		{startsWith("the archive is ambiguous: "), "is ambiguous", again},
		{startsWith("the archive is corrupted: "), "is damaged", again},
		{startsWith("the archive is corrupted "), "is damaged", again},
		{mentions("corrupted"), "is damaged", again},
		{mentions("hashes to"), "is damaged", again},
		{startsWith(""), "is not a valid docker save archive", again},
	}
	for _, r := range rules {
		detail, ok := r.match(reason)
		if !ok {
			continue
		}
		if rest, ok := strings.CutPrefix(detail, "the archive "); ok {
			detail = "it " + rest
		} else if strings.HasPrefix(detail, "not ") {
			detail = "it is " + detail
		}
		sep := ": "
		if strings.HasPrefix(detail, "after ") || strings.HasPrefix(detail, "at ") {
			sep = " "
		}
		if detail == "" {
			return fmt.Sprintf("%s %s — %s%s", name, r.what, r.next, save)
		}
		return fmt.Sprintf("%s %s%s%s — %s%s", name, r.what, sep, detail, r.next, save)
	}
	return "" // startsWith("") matches every reason
}

// The matchers of invalidArchive: each says whether a reason matches and
// what of it is left to show.
func startsWith(p string) func(string) (string, bool) {
	return func(s string) (string, bool) { return strings.CutPrefix(s, p) }
}

func endsWith(x string) func(string) (string, bool) {
	return func(s string) (string, bool) { return strings.CutSuffix(s, x) }
}

func mentions(x string) func(string) (string, bool) {
	return func(s string) (string, bool) { return s, strings.Contains(s, x) }
}

func is(x string) func(string) (string, bool) {
	return func(s string) (string, bool) { return "", s == x }
}
