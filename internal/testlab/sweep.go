package testlab

import (
	"context"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// SweepLater removes, when the test ends, every container whose name
// starts with the lab's prefix and every image name that does (at the
// start of its path, or after a registry host): for code under test that
// makes names of its own under the prefix.
func (l *Lab) SweepLater() {
	l.t.Cleanup(func() {
		ctx, cancel := l.ctx()
		defer cancel()
		ctrs, err := l.API.ContainerList(ctx, client.ContainerListOptions{All: true})
		if err != nil {
			l.t.Errorf("listing containers: %v", err)
			return
		}
		for _, c := range ctrs.Items {
			for _, n := range c.Names {
				if strings.HasPrefix(strings.TrimPrefix(n, "/"), l.Prefix) {
					if _, err := l.API.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
						l.t.Errorf("removing container %s: %v", n, err)
					}
					break
				}
			}
		}
		imgs, err := l.imageList(ctx, client.ImageListOptions{})
		if err != nil {
			l.t.Errorf("listing images: %v", err)
			return
		}
		for _, i := range imgs.Items {
			for _, n := range append(append([]string(nil), i.RepoTags...), i.RepoDigests...) {
				if !l.Owns(n) {
					continue
				}
				if _, err := l.API.ImageRemove(ctx, n, client.ImageRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
					l.t.Errorf("removing %s: %v", n, err)
				}
			}
		}
	})
}

// Owns says whether an image name is under the lab's prefix: prefix/…,
// prefix-…, or the same after a registry host (127.0.0.1:PORT/prefix…).
func (l *Lab) Owns(name string) bool {
	name = strings.TrimPrefix(name, "docker.io/")
	if strings.HasPrefix(name, l.Prefix) {
		return true
	}
	if i := strings.IndexByte(name, '/'); i > 0 && strings.ContainsAny(name[:i], ".:") {
		return strings.HasPrefix(name[i+1:], l.Prefix)
	}
	return false
}

// Start creates and starts a container of image under the name name, with
// no network (a daemon without a bridge runs it too); it is removed when
// the test ends.
func (l *Lab) Start(name, image string) string {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	res, err := l.API.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:       name,
		Config:     &container.Config{Image: image},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		l.t.Fatalf("creating %s from %s: %v", name, image, err)
	}
	l.t.Cleanup(func() {
		ctx, cancel := l.ctx()
		defer cancel()
		if _, err := l.API.ContainerRemove(ctx, res.ID, client.ContainerRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			l.t.Errorf("removing container %s: %v", name, err)
		}
	})
	if _, err := l.API.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		l.t.Fatalf("starting %s: %v", name, err)
	}
	return res.ID
}

// Stop stops a container, giving it a second before SIGKILL.
func (l *Lab) Stop(nameOrID string) {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	timeout := 1
	if _, err := l.API.ContainerStop(ctx, nameOrID, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		l.t.Fatalf("stopping %s: %v", nameOrID, err)
	}
}

// Logs returns what a container wrote to its standard output so far.
func (l *Lab) Logs(nameOrID string) string {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	rc, err := l.API.ContainerLogs(ctx, nameOrID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		l.t.Fatalf("logs of %s: %v", nameOrID, err)
	}
	defer rc.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := rc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// imageList lists images as the API does, asking again when Podman's list
// fails on an image another test removes while it reads it ("image not
// known").
func (l *Lab) imageList(ctx context.Context, opts client.ImageListOptions) (client.ImageListResult, error) {
	var (
		res client.ImageListResult
		err error
	)
	for try := 0; try < 5; try++ {
		if res, err = l.API.ImageList(ctx, opts); err == nil || !strings.Contains(err.Error(), "image not known") {
			return res, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return res, err
}
