package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

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
}

func (s *archiveSpec) Validate(c *mission.Check) error {
	if s.MatchesDaemon && s.Contains == "" {
		return c.Errorf("matchesDaemon", "matchesDaemon needs contains: the tag to compare")
	}
	return nil
}

// minReadRate is the slowest an archive is expected to be read: the
// deadline for reading one grows with its size at this rate.
const minReadRate = 50 << 20 // bytes per second

func (s *archiveSpec) Check(ctx context.Context, lab *Lab) Outcome {
	name, want := string(s.Path), string(s.Contains)
	out := Outcome{Subject: name, Command: "tar -xOf " + name + " manifest.json"}
	save := fmt.Sprintf("docker save -o %s %s", name, want)
	if want == "" {
		save = "docker save -o " + name + " IMAGE"
	}
	path := lab.Path(name)
	// Lstat, then open only a regular file: opening a FIFO would wait for
	// a writer that never comes.
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out.fail("%s not found in %s — export it: %s%s", name, folderName(lab.Dir()), save, dirHint(lab.Dir()))
	case err != nil:
		return out.fail("cannot read %s: %v", name, err)
	case fi.IsDir():
		return out.fail("%s is a folder, not a docker save archive — %s", name, save)
	case !fi.Mode().IsRegular():
		return out.fail("%s is not a regular file (%s) — %s", name, fi.Mode().Type(), save)
	}
	ctx, cancel := context.WithTimeout(ctx, lab.FileTimeout()+time.Duration(fi.Size()/minReadRate)*time.Second)
	defer cancel()
	rep, err := archive.VerifyFile(ctx, path, archive.Options{})
	var invalid *archive.InvalidError
	switch {
	case errors.As(err, &invalid):
		return out.fail("%s is not a valid docker save archive — save it again: %s (%s)", name, save, invalid.Reason)
	case errors.Is(err, context.DeadlineExceeded):
		return out.fail("reading %s took longer than %s — is it on a slow disk? raise --timeout", name, lab.FileTimeout())
	case err != nil:
		if errors.Is(err, context.Canceled) {
			return Outcome{Subject: name, Status: Error, Message: err.Error()}
		}
		return out.fail("cannot read %s: %v", name, err)
	}
	if want == "" {
		return out.pass("%s is a valid %s archive", name, rep.Format)
	}
	img, found := findImage(rep, want)
	if !found {
		out.Expected, out.Actual = want, joinTags(rep)
		return out.fail("%s holds %s, not %s — save it by that name: %s", name, describeTags(rep), want, save)
	}
	out.Actual = string(img.Config)
	if !s.MatchesDaemon {
		return out.pass("%s holds %s (%s)", name, want, short(string(img.Config)))
	}
	live, err := lab.Image(ctx, want)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		return out.fail("%s holds %s, but the daemon has no %s to compare it with", name, want, want)
	case err != nil:
		return daemonFailure(name, err)
	}
	out.Expected = live.ID
	// The graphdriver store's ID is the config digest; the containerd
	// store's is the target (index or manifest) digest.
	for _, d := range []string{string(img.Config), string(img.Target), string(img.Manifest)} {
		if d != "" && d == live.ID {
			out.Actual = d
			return out.pass("%s holds %s (%s), the daemon's image", name, want, short(live.ID))
		}
	}
	return out.fail("%s holds %s as %s, but the daemon's %s is %s — the archive is of another image; save it again: %s",
		name, want, short(string(img.Config)), want, short(live.ID), save)
}

// findImage returns the archived image carrying ref among its RepoTags or
// index.json names.
func findImage(rep *archive.Report, ref string) (archive.Image, bool) {
	f, ok := formsOf(ref)
	if !ok {
		return archive.Image{}, false
	}
	for _, img := range rep.Images {
		if f.in(img.RepoTags) || f.in(img.Names) {
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

func folderName(dir string) string {
	if dir == "" || dir == "." {
		return "the current folder"
	}
	return dir
}

// dirHint tells a learner who worked in another folder how to point there.
func dirHint(dir string) string {
	if dir == "" || dir == "." {
		return " (or, if you saved it elsewhere, point academy there: -C FOLDER)"
	}
	return ""
}
