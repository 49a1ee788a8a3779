package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func (e *env) checkArchive(ctx context.Context, c *mission.ArchiveCheck) Outcome {
	out := Outcome{Kind: "archive", Subject: c.Path}
	path := c.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.runner.Dir, path)
	}
	save := fmt.Sprintf("docker save -o %s %s", c.Path, c.Contains)
	if c.Contains == "" {
		save = "docker save -o " + c.Path + " IMAGE"
	}

	rep, err := archive.VerifyFile(ctx, path, archive.Options{})
	var invalid *archive.InvalidError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		out.Status = Fail
		out.Message = fmt.Sprintf("%s not found in %s — export it: %s", c.Path, dirName(e.runner.Dir), save)
		return out
	case errors.As(err, &invalid):
		out.Status = Fail
		out.Message = fmt.Sprintf("%s is not a valid docker save archive: %s — save it again: %s", c.Path, invalid.Reason, save)
		return out
	case err != nil:
		if ctx.Err() != nil {
			return Outcome{Kind: "archive", Subject: c.Path, Status: Error, Message: ctx.Err().Error()}
		}
		out.Status = Fail
		out.Message = fmt.Sprintf("cannot read %s: %v", c.Path, err)
		return out
	}
	if c.Contains == "" {
		out.Status = Pass
		out.Message = fmt.Sprintf("%s is a valid %s archive", c.Path, rep.Format)
		return out
	}

	img, found := findImage(rep, c.Contains)
	if !found {
		out.Status = Fail
		out.Expected = c.Contains
		out.Actual = joinTags(rep)
		out.Message = fmt.Sprintf("%s holds %s, not %s — save it by that name: %s", c.Path, describeTags(rep), c.Contains, save)
		return out
	}
	out.Actual = string(img.Config)
	if !c.MatchesDaemon {
		out.Status = Pass
		out.Message = fmt.Sprintf("%s holds %s (%s)", c.Path, c.Contains, short(string(img.Config)))
		return out
	}

	live, err := e.image(ctx, c.Contains)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		out.Status = Fail
		out.Message = fmt.Sprintf("%s holds %s, but the daemon has no %s to compare it with", c.Path, c.Contains, c.Contains)
		return out
	case err != nil:
		return daemonFailure("archive", c.Path, err)
	}
	out.Expected = live.ID
	// The graphdriver store's ID is the config digest; the containerd
	// store's is the target (index or manifest) digest.
	for _, d := range []string{string(img.Config), string(img.Target), string(img.Manifest)} {
		if d != "" && d == live.ID {
			out.Actual = d
			out.Status = Pass
			out.Message = fmt.Sprintf("%s holds %s (%s), the daemon's image", c.Path, c.Contains, short(live.ID))
			return out
		}
	}
	out.Status = Fail
	out.Message = fmt.Sprintf("%s holds %s as %s, but the daemon's %s is %s — the archive is of another image; save it again: %s",
		c.Path, c.Contains, short(string(img.Config)), c.Contains, short(live.ID), save)
	return out
}

// findImage returns the archived image carrying ref among its RepoTags or
// index.json names.
func findImage(rep *archive.Report, ref string) (archive.Image, bool) {
	for _, img := range rep.Images {
		if hasName(img.RepoTags, ref) || hasName(img.Names, ref) {
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

func dirName(dir string) string {
	if dir == "" || dir == "." {
		return "the current folder"
	}
	return dir
}
