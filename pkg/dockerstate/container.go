package dockerstate

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Container inspects a container by name or ID, as `docker inspect` does.
// A missing container gives an error wrapping ErrNotFound.
func (d *Daemon) Container(ctx context.Context, nameOrID string) (Container, error) {
	if strings.TrimSpace(nameOrID) == "" {
		return Container{}, fmt.Errorf("container %q: %w", nameOrID, ErrNotFound)
	}
	if err := d.negotiate(ctx); err != nil {
		return Container{}, err
	}
	var (
		res     client.ContainerInspectResult
		missing bool
	)
	err := d.request(ctx, func(ctx context.Context) (err error) {
		res, err = d.api.ContainerInspect(ctx, nameOrID, client.ContainerInspectOptions{})
		if cerrdefs.IsNotFound(err) {
			missing = true
			return nil
		}
		return err
	})
	switch {
	case err != nil:
		return Container{}, err
	case missing:
		return Container{}, fmt.Errorf("container %s: %w", nameOrID, ErrNotFound)
	}
	c := res.Container
	out := Container{
		ID:           c.ID,
		Name:         strings.TrimPrefix(c.Name, "/"),
		ImageID:      c.Image,
		RestartCount: c.RestartCount,
	}
	if c.State != nil {
		out.Status = string(c.State.Status)
		// State.Running stays true while paused or restarting: running is
		// what the status says.
		out.Running = c.State.Running && out.Status == "running"
		out.Error = c.State.Error
	}
	if c.Config != nil {
		out.Image = c.Config.Image
		out.Labels = c.Config.Labels
	}
	return out, nil
}
