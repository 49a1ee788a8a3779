package dockerstate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// Daemon reads state from one Docker (or Podman) daemon. It is safe for
// concurrent use.
//
// The first request pings the daemon, which settles the API version and
// names the engine. A Daemon remembers a failed ping and a request that got
// no answer in time: every later call fails at once with that error, so a
// run against a dead daemon ends within one timeout. Open a new Daemon to
// try again.
type Daemon struct {
	api       *client.Client
	target    Target
	timeout   time.Duration
	closeIdle func()

	mu         sync.Mutex
	neg        *negotiation // nil until a ping starts, or after a caller gave up on one
	broken     error        // the error every call now returns
	lastPing   pingFacts    // what the transport saw in the last /_ping answer
	ping       pingFacts    // what the negotiation settled on
	apiVersion string       // negotiated
	store      string       // the image store, once known
	info       *Info        // /info, once asked
}

type negotiation struct {
	done chan struct{} // closed when err is set
	err  error
}

// Open resolves the endpoint the options name (see Resolve) and prepares a
// client for it. It does not dial: the first request does. A wrong
// setting is a *ConfigError.
func Open(opts Options) (*Daemon, error) {
	t, err := Resolve(opts)
	if err != nil {
		return nil, err
	}
	conn, err := connect(t, opts.HTTPClient)
	if err != nil {
		return nil, &ConfigError{Source: t.Source, Err: err}
	}
	d := &Daemon{target: t, timeout: opts.Timeout, closeIdle: conn.closeIdle}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	capped := &cappedTransport{base: conn.transport, onPing: d.onPing, limit: MaxResponseBytes, line: MaxEventBytes}
	clientOpts := []client.Opt{
		// WithHost first: it configures the client's own transport, which
		// WithHTTPClient then replaces with ours.
		client.WithHost(conn.clientHost),
		client.WithHTTPClient(&http.Client{Transport: capped, CheckRedirect: client.CheckRedirect}),
		client.WithScheme(conn.scheme),
	}
	if t.APIVersion != "" {
		clientOpts = append(clientOpts, client.WithAPIVersion(t.APIVersion))
	}
	d.api, err = client.New(clientOpts...)
	if err != nil {
		return nil, &ConfigError{Source: t.Source, Err: err, Hint: hostHint}
	}
	return d, nil
}

// Host is the endpoint URL this daemon is reached at.
func (d *Daemon) Host() string { return d.target.Host }

// Target is the resolved endpoint: host, why it was chosen, warnings.
func (d *Daemon) Target() Target { return d.target }

// Close releases idle connections (and ends the ssh processes behind them).
func (d *Daemon) Close() error {
	d.closeIdle()
	return d.api.Close()
}

func (d *Daemon) onPing(h http.Header) {
	f := readPing(h)
	d.mu.Lock()
	d.lastPing = f
	d.mu.Unlock()
}

// Endpoint describes the daemon from its ping alone: no request beyond it.
// ImageStore is empty while unknown: Podman's is known from the ping,
// Docker's once an image inspect has shown it (API 1.48 and later), or
// after ImageStore or Info asked /info.
func (d *Daemon) Endpoint(ctx context.Context) (Endpoint, error) {
	if err := d.negotiate(ctx); err != nil {
		return Endpoint{}, err
	}
	return d.endpoint(), nil
}

func (d *Daemon) endpoint() Endpoint {
	d.mu.Lock()
	defer d.mu.Unlock()
	return Endpoint{
		Host:          d.target.Host,
		Source:        d.target.Source,
		Engine:        d.ping.engine,
		APIVersion:    d.apiVersion,
		ServerVersion: d.ping.version,
		ImageStore:    d.store,
	}
}

// ImageStore names the daemon's image store, asking /info only when
// nothing seen so far tells it.
func (d *Daemon) ImageStore(ctx context.Context) (string, error) {
	if err := d.negotiate(ctx); err != nil {
		return "", err
	}
	d.mu.Lock()
	store := d.store
	d.mu.Unlock()
	if store != "" {
		return store, nil
	}
	info, err := d.Info(ctx)
	if err != nil {
		return "", err
	}
	return info.Endpoint.ImageStore, nil
}

// Info asks /info for the full picture, as `academy doctor` shows it. A
// check never needs it.
func (d *Daemon) Info(ctx context.Context) (Info, error) {
	if err := d.negotiate(ctx); err != nil {
		return Info{}, err
	}
	var res client.SystemInfoResult
	err := d.request(ctx, func(ctx context.Context) (err error) {
		res, err = d.api.Info(ctx, client.InfoOptions{})
		return err
	})
	if err != nil {
		return Info{}, err
	}
	d.mu.Lock()
	if d.store == "" {
		if d.ping.engine == EnginePodman {
			d.store = StoreContainersStorage
		} else {
			d.store = storeFromDriverStatus(res.Info.DriverStatus)
		}
	}
	if d.ping.version == "" {
		d.ping.version = safeToken(res.Info.ServerVersion)
	}
	d.mu.Unlock()
	info := Info{
		Endpoint:        d.endpoint(),
		StorageDriver:   res.Info.Driver,
		OperatingSystem: res.Info.OperatingSystem,
		OSType:          res.Info.OSType,
		Architecture:    res.Info.Architecture,
		KernelVersion:   res.Info.KernelVersion,
		Name:            res.Info.Name,
		RootDir:         res.Info.DockerRootDir,
		Images:          res.Info.Images,
		Containers:      res.Info.Containers,
		Warnings:        res.Info.Warnings,
	}
	return info, nil
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
	d.learnStore(res.Descriptor != nil)
	img := Image{
		ID:           res.ID,
		RepoTags:     res.RepoTags,
		RepoDigests:  res.RepoDigests,
		OS:           res.Os,
		Architecture: res.Architecture,
		Comment:      res.Comment,
		LastTagTime:  res.Metadata.LastTagTime,
		Layers:       len(res.RootFS.Layers),
	}
	if res.Config != nil {
		img.Labels = res.Config.Labels
	}
	return img, nil
}

// learnStore infers the image store from an inspect's shape: from API 1.48
// on, only the containerd store describes an image with a Descriptor.
func (d *Daemon) learnStore(descriptor bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.store != "" || versions.LessThan(d.apiVersion, "1.48"):
	case descriptor:
		d.store = StoreContainerd
	case d.ping.engine == EngineDocker:
		d.store = StoreGraphdriver
	}
}

// negotiate pings the daemon once, before the first request: it settles
// the API version and names the engine. Left to itself the client ignores
// a failed negotiation and talks at its own newest version, which an old
// daemon refuses with a message that does not say what is wrong. Callers
// that arrive during the ping wait for it, or for their ctx.
func (d *Daemon) negotiate(ctx context.Context) error {
	for {
		d.mu.Lock()
		if d.broken != nil {
			err := d.broken
			d.mu.Unlock()
			return err
		}
		n := d.neg
		if n == nil {
			n = &negotiation{done: make(chan struct{})}
			d.neg = n
			d.mu.Unlock()
			n.err = d.pingOnce(ctx)
			d.mu.Lock()
			switch {
			case n.err == nil:
			case ctx.Err() != nil:
				// The caller gave up, not the daemon: the next one tries.
				d.neg = nil
			default:
				d.broken = n.err
			}
			d.mu.Unlock()
			close(n.done)
			return n.err
		}
		d.mu.Unlock()
		select {
		case <-n.done:
			d.mu.Lock()
			retry := n.err != nil && d.neg == nil
			d.mu.Unlock()
			if !retry {
				return n.err
			}
		case <-ctx.Done():
			return d.explain(ctx, ctx.Err())
		}
	}
}

func (d *Daemon) pingOnce(ctx context.Context) error {
	var ping client.PingResult
	err := d.request(ctx, func(ctx context.Context) (err error) {
		ping, err = d.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		return err
	})
	if err != nil {
		if v := ping.APIVersion; v != "" && versions.LessThan(v, client.MinAPIVersion) {
			return &RequestError{Host: d.target.Host,
				Err:  fmt.Errorf("the daemon speaks Engine API %s, older than the %s this needs", v, client.MinAPIVersion),
				Hint: "upgrade Docker to 19.03 or newer"}
		}
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ping = d.lastPing
	if d.ping.apiVersion == "" {
		d.ping.apiVersion = safeToken(ping.APIVersion)
	}
	d.apiVersion = d.api.ClientVersion()
	d.store = d.ping.store
	if pinned := d.target.APIVersion; pinned != "" && d.ping.apiVersion != "" && versions.LessThan(d.ping.apiVersion, pinned) {
		return &RequestError{Host: d.target.Host,
			Err:  fmt.Errorf("DOCKER_API_VERSION=%s asks for a newer Engine API than the daemon's %s", pinned, d.ping.apiVersion),
			Hint: "unset DOCKER_API_VERSION to negotiate"}
	}
	return nil
}

// errNoAnswer is the cause of a request's own deadline, told apart from a
// deadline the caller set.
var errNoAnswer = errors.New("no answer in time")

// request runs one Engine API call under the per-request timeout and
// explains its error. A call that got no answer in time breaks the Daemon.
func (d *Daemon) request(ctx context.Context, call func(context.Context) error) error {
	d.mu.Lock()
	broken := d.broken
	d.mu.Unlock()
	if broken != nil {
		return broken
	}
	rctx, cancel := context.WithTimeoutCause(ctx, d.timeout, errNoAnswer)
	defer cancel()
	err := call(rctx)
	if err == nil {
		return nil
	}
	err = d.explain(rctx, err)
	if ctx.Err() == nil && errors.Is(context.Cause(rctx), errNoAnswer) {
		d.mu.Lock()
		if d.broken == nil {
			d.broken = err
		}
		d.mu.Unlock()
	}
	return err
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
	msg := oneLine(fmt.Sprintf("docker daemon at %s: %v", e.Host, e.Err))
	if e.Hint != "" {
		msg += " — " + e.Hint
	}
	return msg
}

// Unwrap gives the underlying error.
func (e *RequestError) Unwrap() error { return e.Err }

const hintNotRunning = "is the daemon running? try docker version, or point --host / DOCKER_HOST at it"

// explain turns a client error into one line a user can act on. ctx is the
// request's context.
func (d *Daemon) explain(ctx context.Context, err error) error {
	var reqErr *RequestError
	if errors.As(err, &reqErr) {
		return err
	}
	fail := func(err error, hint string) error {
		return &RequestError{Host: d.target.Host, Err: err, Hint: hint}
	}
	switch {
	case errors.Is(context.Cause(ctx), errNoAnswer):
		hint := "is the daemon overloaded? raise --timeout"
		if strings.HasPrefix(d.target.Host, "ssh://") {
			hint = "does ssh ask for a password or a host key? " + d.sshTry() + " shows it; or raise --timeout"
		}
		return fail(fmt.Errorf("no answer within %s", d.timeout), hint)
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		// The caller's deadline (--wait), not ours.
		return fail(err, "")
	}

	var (
		tooLarge  *tooLargeError
		command   *commandError
		unknownCA x509.UnknownAuthorityError
		verify    *tls.CertificateVerificationError
		hostname  x509.HostnameError
		alert     tls.AlertError
		record    tls.RecordHeaderError
		dns       *net.DNSError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fail(tooLarge, "is something other than a Docker daemon answering there?")
	case errors.As(err, &command):
		if errors.Is(command.err, exec.ErrNotFound) {
			return fail(command, "install an OpenSSH client (ssh)")
		}
		return fail(command, "check that "+d.sshTry()+" works")
	case errors.As(err, &hostname):
		return fail(fmt.Errorf("the daemon's TLS certificate is not for this host: %w", hostname), "connect by a name the certificate holds")
	case errors.As(err, &unknownCA), errors.As(err, &verify):
		return fail(errors.New("the daemon's TLS certificate is not signed by the CA given"), d.tlsHint())
	case errors.As(err, &record), strings.Contains(err.Error(), "HTTP response to HTTPS client"):
		return fail(errors.New("the daemon does not speak TLS here"), "unset DOCKER_TLS_VERIFY and DOCKER_TLS, or use the daemon's TLS port (2376)")
	case errors.As(err, &alert), strings.Contains(err.Error(), "bad certificate"), strings.Contains(err.Error(), "certificate required"):
		return fail(errors.New("the daemon refused the TLS connection (it wants a client certificate its CA signed)"), d.tlsHint())
	case strings.Contains(err.Error(), "Client sent an HTTP request to an HTTPS server"):
		return fail(errors.New("the daemon speaks TLS here"), "set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem")
	case strings.Contains(err.Error(), "malformed HTTP response"):
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fail(errors.New(msg), "is a Docker daemon listening there? check the host and port")
	case errors.As(err, &dns):
		return fail(fmt.Errorf("cannot resolve %s", dns.Name), "check the host name")
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
		return fail(errors.New("permission denied"),
			"add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run with sudo")
	case errors.Is(cause, syscall.ENOENT):
		return fail(errors.New("no such socket"), hintNotRunning)
	case client.IsErrConnectionFailed(err), errors.Is(cause, syscall.ECONNREFUSED):
		return fail(errors.New("cannot connect"), hintNotRunning)
	}
	return fail(err, "")
}

// sshTry is the command that shows whether ssh reaches the daemon.
func (d *Daemon) sshTry() string {
	s, err := parseSSH(d.target.Host)
	if err != nil {
		return "ssh HOST docker version"
	}
	cmd := "ssh "
	if s.port != "" {
		cmd += "-p " + s.port + " "
	}
	if s.user != "" {
		cmd += s.user + "@"
	}
	return cmd + s.host + " docker version"
}

func (d *Daemon) tlsHint() string {
	if d.target.tls == nil {
		return "check the TLS material"
	}
	return "check ca.pem, cert.pem and key.pem in " + d.target.tls.from
}

// redial connects once more to a unix socket to learn why the client could
// not; nil for other endpoints or when it now succeeds.
func (d *Daemon) redial() error {
	path, ok := strings.CutPrefix(d.target.Host, "unix://")
	if !ok {
		return nil
	}
	conn, err := net.DialTimeout("unix", path, d.timeout)
	if err != nil {
		return err
	}
	return conn.Close()
}
