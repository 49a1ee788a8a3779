package dockerstate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
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

	mu         sync.Mutex // guards negotiated
	negotiated bool
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
	if err := d.negotiate(ctx); err != nil {
		return Endpoint{}, err
	}
	var res client.SystemInfoResult
	err := d.request(ctx, func(ctx context.Context) (err error) {
		res, err = d.api.Info(ctx, client.InfoOptions{})
		return err
	})
	if err != nil {
		return Endpoint{}, err
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
	if err := d.negotiate(ctx); err != nil {
		return Image{}, err
	}
	var (
		res     client.ImageInspectResult
		missing bool
	)
	err := d.request(ctx, func(ctx context.Context) (err error) {
		res, err = d.api.ImageInspect(ctx, ref)
		if cerrdefs.IsNotFound(err) {
			missing = true
			return nil
		}
		return err
	})
	switch {
	case err != nil:
		return Image{}, err
	case missing:
		return Image{}, fmt.Errorf("image %s: %w", ref, ErrNotFound)
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

// negotiate settles the API version once, before the first request that
// needs it. Left to itself the client ignores a failed negotiation and
// talks at its own newest version, which an old daemon refuses with a
// message that does not say what is wrong.
func (d *Daemon) negotiate(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.negotiated {
		return nil
	}
	var ping client.PingResult
	err := d.request(ctx, func(ctx context.Context) (err error) {
		ping, err = d.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		return err
	})
	if err != nil {
		if v := ping.APIVersion; v != "" && versions.LessThan(v, client.MinAPIVersion) {
			return &RequestError{Host: d.host,
				Err:  fmt.Errorf("the daemon speaks Engine API %s, older than the %s this needs", v, client.MinAPIVersion),
				Hint: "upgrade Docker to 19.03 or newer"}
		}
		return err
	}
	d.negotiated = true
	return nil
}

// errNoAnswer is the cause of a request's own deadline, told apart from a
// deadline the caller set.
var errNoAnswer = errors.New("no answer in time")

// request runs one Engine API call under the per-request timeout and
// explains its error.
func (d *Daemon) request(ctx context.Context, call func(context.Context) error) error {
	ctx, cancel := context.WithTimeoutCause(ctx, d.timeout, errNoAnswer)
	defer cancel()
	if err := call(ctx); err != nil {
		return d.explain(ctx, err)
	}
	return nil
}

// RequestError says the daemon could not be reached or answered with an
// error; its message names the endpoint and says what to try.
type RequestError struct {
	Host string // the endpoint, as in Endpoint.Host
	Hint string // what to try, may be empty
	Err  error  // what went wrong
}

// Error is one line: the endpoint, what went wrong, what to try.
func (e *RequestError) Error() string {
	msg := fmt.Sprintf("docker daemon at %s: %v", e.Host, e.Err)
	if e.Hint != "" {
		msg += " — " + e.Hint
	}
	return msg
}

// Unwrap gives the underlying error.
func (e *RequestError) Unwrap() error { return e.Err }

const hintNotRunning = "is the daemon running? try `docker version`, or point --host / DOCKER_HOST at it"

// explain turns a client error into one line a user can act on. ctx is the
// request's context.
func (d *Daemon) explain(ctx context.Context, err error) error {
	switch {
	case errors.Is(context.Cause(ctx), errNoAnswer):
		return &RequestError{Host: d.host, Err: fmt.Errorf("no answer within %s", d.timeout),
			Hint: "is the daemon overloaded? raise --timeout"}
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		// The caller's deadline (--wait), not ours.
		return &RequestError{Host: d.host, Err: err}
	}
	cause := err
	if client.IsErrConnectionFailed(err) {
		// The client drops the system error from some connection failures
		// (permission denied among them); dialling again recovers it.
		if dialErr := d.redial(); dialErr != nil {
			cause = dialErr
		}
	}
	switch {
	case errors.Is(cause, syscall.EACCES) || errors.Is(cause, os.ErrPermission):
		return &RequestError{Host: d.host, Err: errors.New("permission denied"),
			Hint: "add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run with sudo"}
	case errors.Is(cause, syscall.ENOENT):
		return &RequestError{Host: d.host, Err: errors.New("no such socket"), Hint: hintNotRunning}
	case client.IsErrConnectionFailed(err), errors.Is(cause, syscall.ECONNREFUSED):
		return &RequestError{Host: d.host, Err: errors.New("cannot connect"), Hint: hintNotRunning}
	}
	return &RequestError{Host: d.host, Err: err}
}

// redial connects once more to a unix socket to learn why the client could
// not; nil for other endpoints or when it now succeeds.
func (d *Daemon) redial() error {
	path, ok := strings.CutPrefix(d.host, "unix://")
	if !ok {
		return nil
	}
	conn, err := net.DialTimeout("unix", path, d.timeout)
	if err != nil {
		return err
	}
	return conn.Close()
}
