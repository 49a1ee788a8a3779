package dockerstate

import (
	"context"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Bounds on what Images returns: a learner's daemon holds tens of images,
// a busy build host thousands; past these, the rest are not considered.
const (
	// MaxListedImages caps the images Images returns.
	MaxListedImages = 5000
	// MaxListedTags caps the tags Images returns, all images together.
	MaxListedTags = 20000
)

// ImageSummary is one image of the daemon's list: its ID, its names and
// labels.
type ImageSummary struct {
	ID          string
	RepoTags    []string // as the daemon prints them: nginx:latest, or docker.io/library/nginx:latest
	RepoDigests []string
	Labels      map[string]string
}

// listTries is how many times Images asks a daemon whose list raced a
// removal.
const listTries = 3

// Images lists the daemon's tagged images, as `docker images` does (GET
// /images/json, dangling images left out), at most MaxListedImages images
// and MaxListedTags tags in all. It only reads.
func (d *Daemon) Images(ctx context.Context) ([]ImageSummary, error) {
	if err := d.negotiate(ctx); err != nil {
		return nil, err
	}
	var (
		res client.ImageListResult
		err error
	)
	for try := 1; ; try++ {
		err = d.request(ctx, func(ctx context.Context) (err error) {
			res, err = d.api.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("dangling", "false")})
			return err
		})
		// Podman fails the whole list when an image goes while it reads it
		// ("image not known"), as on a daemon others use: ask again.
		if err == nil || try == listTries || ctx.Err() != nil || !strings.Contains(err.Error(), "image not known") {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	out := make([]ImageSummary, 0, min(len(res.Items), MaxListedImages))
	tags := 0
	for _, img := range res.Items {
		if len(out) == MaxListedImages || tags == MaxListedTags {
			break
		}
		var names []string
		for _, t := range img.RepoTags[:min(len(img.RepoTags), MaxListedTags-tags)] {
			if t != "<none>:<none>" { // API 1.41's placeholder
				names = append(names, t)
			}
		}
		tags += len(names)
		var digests []string
		for _, d := range img.RepoDigests {
			if d != "<none>@<none>" {
				digests = append(digests, d)
			}
		}
		out = append(out, ImageSummary{ID: img.ID, RepoTags: names, RepoDigests: digests, Labels: img.Labels})
	}
	return out, nil
}
