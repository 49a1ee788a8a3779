package dockerstate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// DefaultTimeout limits each Engine API request unless Options says otherwise.
const DefaultTimeout = 10 * time.Second

// Options say how to reach the daemon.
type Options struct {
	// Host is the endpoint URL (unix://, tcp://, ssh://); empty means
	// DOCKER_HOST, then the platform default.
	Host string
	// Timeout limits each request; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient replaces the transport; tests point it at a fake Engine API.
	HTTPClient *http.Client
}

// Daemon reads state from one Docker daemon. It is safe for concurrent use.
type Daemon struct {
	api     *client.Client
	host    string
	timeout time.Duration
}

// Open prepares a client for the endpoint the options name. It does not dial:
// the first request negotiates the API version.
func Open(opts Options) (*Daemon, error) {
	host := opts.Host
	if host == "" {
		host = os.Getenv("DOCKER_HOST")
	}
	if host == "" {
		host = client.DefaultDockerHost
	}
	clientOpts := []client.Opt{
		client.WithTLSClientConfigFromEnv(),
		client.WithAPIVersionFromEnv(),
	}
	if strings.HasPrefix(host, "ssh://") {
		return nil, fmt.Errorf("%s: ssh endpoints are not supported yet; forward the socket (ssh -L) and use tcp:// or unix://", host)
	}
	clientOpts = append(clientOpts, client.WithHost(host))
	if opts.HTTPClient != nil {
		clientOpts = append(clientOpts, client.WithHTTPClient(opts.HTTPClient))
	}
	api, err := client.New(clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("docker endpoint %q: %w", host, err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Daemon{api: api, host: host, timeout: timeout}, nil
}

// Host is the endpoint URL this daemon is reached at.
func (d *Daemon) Host() string { return d.host }

// Close releases idle connections.
func (d *Daemon) Close() error { return d.api.Close() }

// Endpoint negotiates the API version and describes the daemon: its engine
// version and image store.
func (d *Daemon) Endpoint(ctx context.Context) (Endpoint, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	if _, err := d.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return Endpoint{}, d.explain(ctx, err)
	}
	res, err := d.api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return Endpoint{}, d.explain(ctx, err)
	}
	return Endpoint{
		Host:          d.host,
		APIVersion:    d.api.ClientVersion(),
		ServerVersion: res.Info.ServerVersion,
		ImageStore:    imageStore(res.Info.DriverStatus),
	}, nil
}

// imageStore reads the store from /info's DriverStatus: the containerd
// snapshotter announces itself as driver-type io.containerd.snapshotter.v1.
func imageStore(status [][2]string) string {
	for _, kv := range status {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			return StoreContainerd
		}
	}
	return StoreGraphdriver
}

// Image inspects the image a reference names, resolved by the daemon as
// `docker inspect` would. A missing image gives an error wrapping ErrNotFound.
func (d *Daemon) Image(ctx context.Context, ref string) (Image, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	res, err := d.api.ImageInspect(ctx, ref)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return Image{}, fmt.Errorf("image %s: %w", ref, ErrNotFound)
		}
		return Image{}, d.explain(ctx, err)
	}
	img := Image{
		ID:           res.ID,
		RepoTags:     res.RepoTags,
		RepoDigests:  res.RepoDigests,
		OS:           res.Os,
		Architecture: res.Architecture,
	}
	if res.Config != nil {
		img.Labels = res.Config.Labels
	}
	return img, nil
}

// RequestError says the daemon could not be reached or answered with an
// error; its message names the endpoint and says what to try.
type RequestError struct {
	Host string
	Hint string // what to try, may be empty
	Err  error
}

func (e *RequestError) Error() string {
	msg := fmt.Sprintf("docker daemon at %s: %v", e.Host, e.Err)
	if e.Hint != "" {
		msg += " — " + e.Hint
	}
	return msg
}

func (e *RequestError) Unwrap() error { return e.Err }

// explain turns a client error into one line a user can act on.
func (d *Daemon) explain(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission):
		return &RequestError{Host: d.host, Err: errors.New("permission denied"),
			Hint: "add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run with sudo"}
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return &RequestError{Host: d.host, Err: fmt.Errorf("no answer within %s", d.timeout),
			Hint: "is the daemon overloaded? raise --timeout"}
	case client.IsErrConnectionFailed(err), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
		return &RequestError{Host: d.host, Err: errors.New("cannot connect"),
			Hint: "is the daemon running? try `docker version`, or point --host / DOCKER_HOST at it"}
	}
	return &RequestError{Host: d.host, Err: err}
}
