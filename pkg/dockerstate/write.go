package dockerstate

// This file changes the daemon's state. It is for `academy setup`, `reset`
// and `mission test`; `check` never gets a Writer (it gets the Reader
// interfaces only), and TestCheckCannotWrite keeps it so.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/client"
)

// Writer changes images and containers on one daemon. Its calls have no
// per-request timeout (a load takes as long as its archive): bound them
// with ctx.
type Writer struct {
	d *Daemon
}

// NewWriter returns the write side of d.
func NewWriter(d *Daemon) *Writer { return &Writer{d: d} }

// Tag gives the image source names the name target, as `docker tag`.
func (w *Writer) Tag(ctx context.Context, source, target string) error {
	if err := w.d.negotiate(ctx); err != nil {
		return err
	}
	if _, err := reference.ParseNormalizedNamed(target); err != nil {
		return fmt.Errorf("tagging %s as %s: %w", source, target, err)
	}
	_, err := w.d.api.ImageTag(ctx, client.ImageTagOptions{Source: source, Target: target})
	switch {
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("tagging %s as %s: image %s: %w", source, target, source, ErrNotFound)
	case err != nil:
		return w.d.explain(ctx, err)
	}
	return nil
}

// Untag removes the name ref (NAME:TAG) and nothing else: an image that
// other names still use keeps them and its data; an image left without a
// name is deleted, its parent layers kept (noprune). It refuses IDs and
// digests, which would delete an image whatever names it has, and a name
// the image's containers still use is left in place with an error.
func (w *Writer) Untag(ctx context.Context, ref string) error {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return fmt.Errorf("untagging %s: %w", ref, err)
	}
	_, tagged := named.(reference.Tagged)
	_, digested := named.(reference.Digested)
	if !tagged || digested || reference.FamiliarName(named) == "sha256" {
		return fmt.Errorf("untagging %s: give a NAME:TAG, not an ID or a digest", ref)
	}
	if err := w.d.negotiate(ctx); err != nil {
		return err
	}
	_, err = w.d.api.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: false, Force: false})
	switch {
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("untagging %s: %w", ref, ErrNotFound)
	case err != nil:
		return w.d.explain(ctx, err)
	}
	return nil
}

// Load loads the images in a docker save archive read from r, as `docker
// load`, and returns what the daemon says it loaded: names (my-app:v1) and,
// for images saved without one, IDs (sha256:…).
func (w *Writer) Load(ctx context.Context, r io.Reader) ([]string, error) {
	if err := w.d.negotiate(ctx); err != nil {
		return nil, err
	}
	res, err := w.d.api.ImageLoad(ctx, r, client.ImageLoadWithQuiet(true))
	if err != nil {
		// Podman refuses a bad archive by status, Docker in the stream.
		return nil, w.d.explain(ctx, fmt.Errorf("docker load: %w", err))
	}
	defer res.Close()
	// The answer is a JSON message stream; a failed load is reported in
	// it, not by the status code.
	var loaded []string
	dec := json.NewDecoder(bufio.NewReader(res))
	for {
		var msg struct {
			Stream      string `json:"stream"`
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return loaded, w.d.explain(ctx, err)
		}
		if msg.ErrorDetail != nil && msg.ErrorDetail.Message != "" {
			msg.Error = msg.ErrorDetail.Message
		}
		if msg.Error != "" {
			return loaded, &RequestError{Host: w.d.target.Host, Err: fmt.Errorf("docker load: %s", msg.Error),
				Hint: "is the archive a complete docker save? academy archive verify tells"}
		}
		for _, line := range strings.Split(msg.Stream, "\n") {
			for _, prefix := range []string{"Loaded image ID: ", "Loaded image: "} {
				if name, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
					loaded = append(loaded, name)
					break
				}
			}
		}
	}
	return loaded, nil
}

// RemoveContainer removes a container, as `docker rm` (with force, as
// `docker rm -f`, a running one too). Its anonymous volumes are kept.
func (w *Writer) RemoveContainer(ctx context.Context, nameOrID string, force bool) error {
	if strings.TrimSpace(nameOrID) == "" {
		return fmt.Errorf("container %q: %w", nameOrID, ErrNotFound)
	}
	if err := w.d.negotiate(ctx); err != nil {
		return err
	}
	_, err := w.d.api.ContainerRemove(ctx, nameOrID, client.ContainerRemoveOptions{Force: force})
	switch {
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("removing container %s: %w", nameOrID, ErrNotFound)
	case err != nil:
		return w.d.explain(ctx, err)
	}
	return nil
}
