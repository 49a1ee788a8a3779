package verify

import (
	"fmt"
	"strings"
	"time"

	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/report"
)

// A verification run maps onto the result model every format renders: the
// run is the "mission" archive-verify, each archive an objective (pass:
// valid, fail: not), each image of a valid archive a passing check, and the
// reason an archive is not valid a failing one. Archives are worth no
// points: what a grader scores is `academy check`'s export objective.
// What the model has no room for — every layer, digest and name — goes to
// the json report as its "archives" member.

// MissionID is the mission id of archive verify's reports.
const MissionID = "archive-verify"

func resultOf(results []result, took time.Duration) *check.Result {
	res := &check.Result{MissionID: MissionID, MissionTitle: "docker save archives", Duration: took}
	for _, r := range results {
		o := check.ObjectiveResult{ID: displayName(r.file), Status: check.Pass}
		if r.reason != "" {
			o.Status, o.Title = check.Fail, "invalid"
			o.Checks = []check.Outcome{{Kind: "archive", Subject: displayName(r.file), Status: check.Fail, Message: r.reason}}
			res.Objectives = append(res.Objectives, o)
			continue
		}
		rep := r.report
		details := []string{formatName(rep.Format)}
		if rep.Compression != "" {
			details = append(details, rep.Compression+"-compressed")
		}
		details = append(details, archive.HumanSize(rep.Size))
		o.Title = "valid docker save archive (" + strings.Join(details, ", ") + ")"
		for _, img := range rep.Images {
			id := imageID(rep.Format, img)
			o.Checks = append(o.Checks, check.Outcome{
				Kind: "image", Subject: label(img), Status: check.Pass,
				Message: imageLine(rep.Format, img), Actual: id,
			})
		}
		for _, w := range rep.Warnings {
			o.Checks = append(o.Checks, check.Outcome{Kind: "warning", Subject: displayName(r.file), Status: check.Pass, Message: "warning: " + w})
		}
		res.Objectives = append(res.Objectives, o)
	}
	return res
}

var formatNames = map[archive.Format]string{
	archive.FormatDocker:     "Docker ≤24 layout",
	archive.FormatOCI:        "Docker 25+ OCI layout",
	archive.FormatContainerd: "containerd image store layout",
	archive.FormatPodman:     "Podman docker-archive",
	archive.FormatOCILayout:  "OCI image layout",
}

func formatName(f archive.Format) string {
	if n, ok := formatNames[f]; ok {
		return n
	}
	return string(f) + " layout"
}

// label names an image by its tags, else its names, else says it has none.
func label(img archive.Image) string {
	if l := strings.Join(img.RepoTags, ", "); l != "" {
		return l
	}
	if l := strings.Join(img.Names, ", "); l != "" {
		return l
	}
	return "(no name: saved by ID)"
}

// imageLine is one image on one line: its names, ID, the other digests
// that identify it, platform and layers.
func imageLine(format archive.Format, img archive.Image) string {
	id := imageID(format, img)
	parts := []string{label(img) + ": image ID " + id}
	if img.Config.String() != id {
		parts = append(parts, "config "+img.Config.String())
	}
	if img.Manifest != "" && img.Manifest.String() != id {
		parts = append(parts, "manifest "+img.Manifest.String())
	}
	if img.Target != "" && img.Target.String() != id && img.Target != img.Manifest {
		parts = append(parts, "target "+img.Target.String())
	}
	if len(img.RepoTags) > 0 && len(img.Names) > 0 {
		parts = append(parts, "names "+strings.Join(img.Names, ", "))
	}
	if img.Platform != "" {
		parts = append(parts, img.Platform)
	}
	if len(img.Platforms) > 1 {
		parts = append(parts, "platforms "+strings.Join(img.Platforms, " "))
	}
	var total int64
	for _, l := range img.Layers {
		total += l.Size
	}
	unit := "layers"
	if len(img.Layers) == 1 {
		unit = "layer"
	}
	parts = append(parts, fmt.Sprintf("%d %s, %s", len(img.Layers), unit, archive.HumanSize(total)))
	return strings.Join(parts, ", ")
}

// imageID is the ID a daemon of the archive's kind gives the image: the
// target digest on the containerd store, the config digest otherwise.
func imageID(format archive.Format, img archive.Image) string {
	// Only the containerd store loads an OCI image layout without
	// manifest.json, and names the image by its target there.
	if (format == archive.FormatContainerd || format == archive.FormatOCILayout) && img.Target != "" {
		return img.Target.String()
	}
	return img.Config.String()
}

// The json report's "archives" member: every archive, image and layer, for
// scripts. Every key is always present; arrays are never null; every
// string from an archive is made safe to show.
type (
	jsonArchive struct {
		File        string      `json:"file"`
		Valid       bool        `json:"valid"`
		Reason      string      `json:"reason"`
		Format      string      `json:"format"`
		Compression string      `json:"compression"`
		Size        int64       `json:"size"`
		Images      []jsonImage `json:"images"`
		Warnings    []string    `json:"warnings"` // what the archive holds that no daemon will use as written
	}
	jsonImage struct {
		RepoTags  []string    `json:"repoTags"`
		Names     []string    `json:"names"`
		ID        string      `json:"id"`
		Config    string      `json:"config"`
		Manifest  string      `json:"manifest"`
		Target    string      `json:"target"`
		Platform  string      `json:"platform"`
		Platforms []string    `json:"platforms"`
		Layers    []jsonLayer `json:"layers"`
	}
	jsonLayer struct {
		Digest    string `json:"digest"`
		DiffID    string `json:"diffID"`
		Size      int64  `json:"size"`
		MediaType string `json:"mediaType"`
	}
)

func jsonArchives(results []result) []jsonArchive {
	c := report.CleanLine
	out := []jsonArchive{}
	for _, res := range results {
		a := jsonArchive{File: c(res.file), Valid: res.reason == "", Reason: c(res.reason), Images: []jsonImage{}, Warnings: []string{}}
		if rep := res.report; rep != nil {
			a.Warnings = cleanAll(rep.Warnings)
			a.Format, a.Compression, a.Size = c(string(rep.Format)), c(rep.Compression), rep.Size
			if a.Compression == "" {
				a.Compression = "none"
			}
			for _, img := range rep.Images {
				ji := jsonImage{
					RepoTags: cleanAll(img.RepoTags), Names: cleanAll(img.Names),
					ID: c(imageID(rep.Format, img)), Config: c(img.Config.String()),
					Manifest: c(img.Manifest.String()), Target: c(img.Target.String()),
					Platform: c(img.Platform), Platforms: cleanAll(img.Platforms),
					Layers: []jsonLayer{},
				}
				for _, l := range img.Layers {
					ji.Layers = append(ji.Layers, jsonLayer{Digest: c(l.Digest.String()), DiffID: c(l.DiffID.String()), Size: l.Size, MediaType: c(l.MediaType)})
				}
				a.Images = append(a.Images, ji)
			}
		}
		out = append(out, a)
	}
	return out
}

// cleanAll makes every string safe to show; never nil.
func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = report.CleanLine(s)
	}
	return out
}
