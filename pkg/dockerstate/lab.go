package dockerstate

// This file is for `academy setup`, `reset` and `mission test`: listing
// what a lab holds, and moving images through a registry. A check uses
// none of it.

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
)

// ContainerSummary is one container of a listing.
type ContainerSummary struct {
	ID      string
	Name    string // without the leading slash
	ImageID string
	State   string // created, running, exited…
}

// Containers lists every container, running or not.
func (d *Daemon) Containers(ctx context.Context) ([]ContainerSummary, error) {
	if err := d.negotiate(ctx); err != nil {
		return nil, err
	}
	var res client.ContainerListResult
	err := d.request(ctx, func(ctx context.Context) (err error) {
		res, err = d.api.ContainerList(ctx, client.ContainerListOptions{All: true})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]ContainerSummary, 0, len(res.Items))
	for _, c := range res.Items {
		s := ContainerSummary{ID: c.ID, ImageID: c.ImageID, State: string(c.State)}
		if len(c.Names) > 0 {
			s.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, s)
	}
	return out, nil
}

// emptyAuth is what the docker CLI sends for a registry it has no
// credentials for: base64 of "{}".
const emptyAuth = "e30="

// Push pushes ref (REGISTRY/NAME:TAG) to its registry, as `docker push`,
// without credentials: it is meant for a registry on loopback that a
// mission test runs. On the classic store, a push also records the
// image's RepoDigest.
func (w *Writer) Push(ctx context.Context, ref string) error {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, err)
	}
	if err := w.d.negotiate(ctx); err != nil {
		return err
	}
	res, err := w.d.api.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: emptyAuth})
	if err == nil {
		err = res.Wait(ctx)
		res.Close()
	}
	switch {
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("pushing %s: %w", ref, ErrNotFound)
	case err != nil:
		return w.d.explain(ctx, fmt.Errorf("docker push %s: %w", ref, err))
	}
	return nil
}

// Pull pulls ref from its registry, as `docker pull`, without credentials.
func (w *Writer) Pull(ctx context.Context, ref string) error {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	if err := w.d.negotiate(ctx); err != nil {
		return err
	}
	res, err := w.d.api.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: emptyAuth})
	if err == nil {
		err = res.Wait(ctx)
		res.Close()
	}
	if err != nil {
		return w.d.explain(ctx, fmt.Errorf("docker pull %s: %w", ref, err))
	}
	return nil
}
