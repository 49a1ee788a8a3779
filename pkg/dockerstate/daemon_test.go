package dockerstate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
	"github.com/moby/moby/client"
)

// cleanEnv keeps the developer's Docker settings out of a test.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"} {
		t.Setenv(k, "")
	}
}

// openFake opens a Daemon on the fake engine, through Options.HTTPClient.
func openFake(t *testing.T, e *fakeengine.Engine, timeout time.Duration) *Daemon {
	t.Helper()
	d, err := Open(Options{Host: e.Host(), HTTPClient: e.Client(), Timeout: timeout})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		apiVersion string // what the daemon's /_ping announces
		info       string
		want       Endpoint // Host is filled in
		wantPaths  []string
	}{
		{
			name:       "docker 20.10, overlay2",
			apiVersion: "1.41",
			info:       "testdata/info-1.41-overlay2.json",
			want:       Endpoint{APIVersion: "1.41", ServerVersion: "20.10.24+dfsg1", ImageStore: StoreGraphdriver},
			wantPaths:  []string{"HEAD /_ping", "GET /v1.41/info"},
		},
		{
			name:       "docker 29, containerd store",
			apiVersion: "1.52",
			info:       "testdata/info-1.52-containerd.json",
			want:       Endpoint{APIVersion: "1.52", ServerVersion: "29.1.3", ImageStore: StoreContainerd},
			wantPaths:  []string{"HEAD /_ping", "GET /v1.52/info"},
		},
		{
			name:       "podman 5.8",
			apiVersion: "1.44",
			info:       "testdata/info-1.44-podman.json",
			want:       Endpoint{APIVersion: "1.44", ServerVersion: "5.8.2", ImageStore: StoreGraphdriver},
			wantPaths:  []string{"HEAD /_ping", "GET /v1.44/info"},
		},
		{
			name:       "daemon newer than the client",
			apiVersion: "1.99",
			info:       "testdata/info-1.52-containerd.json",
			want:       Endpoint{APIVersion: client.MaxAPIVersion, ServerVersion: "29.1.3", ImageStore: StoreContainerd},
			wantPaths:  []string{"HEAD /_ping", "GET /v" + client.MaxAPIVersion + "/info"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			e := fakeengine.New(t, tt.apiVersion)
			e.Register("GET", "/info", fakeengine.File(t, tt.info))
			d := openFake(t, e, 0)

			got, err := d.Endpoint(context.Background())
			if err != nil {
				t.Fatalf("Endpoint: %v", err)
			}
			tt.want.Host = e.Host()
			if got != tt.want {
				t.Errorf("Endpoint = %+v, want %+v", got, tt.want)
			}
			if got := e.Requests(); !reflect.DeepEqual(got, tt.wantPaths) {
				t.Errorf("requests = %q, want %q", got, tt.wantPaths)
			}
		})
	}
}

// A daemon older than the client's minimum API version is refused up front,
// by Endpoint and by Image alike, before any versioned request is sent.
func TestOldDaemon(t *testing.T) {
	cleanEnv(t)
	e := fakeengine.New(t, "1.24")
	d := openFake(t, e, 0)

	_, err := d.Endpoint(context.Background())
	assertRequestError(t, err, e.Host(), "Engine API 1.24", "upgrade Docker")
	_, err = d.Image(context.Background(), "nginx")
	assertRequestError(t, err, e.Host(), "Engine API 1.24", "upgrade Docker")
	for _, r := range e.Requests() {
		if !strings.HasSuffix(r, " /_ping") {
			t.Errorf("request %q sent to a daemon that cannot answer it", r)
		}
	}
}

func TestImage(t *testing.T) {
	tests := []struct {
		name       string
		apiVersion string
		ref        string
		file       string
		want       Image
	}{
		{
			name:       "docker 20.10 graphdriver, built and pushed",
			apiVersion: "1.41",
			ref:        "cloudcorp/my-app:latest",
			file:       "testdata/image-1.41-graphdriver.json",
			want: Image{
				ID:           "sha256:9a2e6c6e2b0fd1d3e4c5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f9012345",
				RepoTags:     []string{"cloudcorp/my-app:1.0.0", "cloudcorp/my-app:latest", "my-app:v1"},
				RepoDigests:  []string{"cloudcorp/my-app@sha256:4f1c2d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"},
				Labels:       map[string]string{"org.opencontainers.image.title": "my-app"},
				OS:           "linux",
				Architecture: "amd64",
			},
		},
		{
			name:       "docker 20.10 graphdriver, imported: no digest, no labels",
			apiVersion: "1.41",
			ref:        "my-app:v1",
			file:       "testdata/image-1.41-imported.json",
			want: Image{
				ID:           "sha256:59ed9b93ddf491b73cdd9a6e59d4304edacd9afdde617ff7e14281e92c591468",
				RepoTags:     []string{"my-app:v1"},
				RepoDigests:  []string{},
				OS:           "linux",
				Architecture: "amd64",
			},
		},
		{
			name:       "docker 29 containerd store: ID is the index digest",
			apiVersion: "1.52",
			ref:        "nginx",
			file:       "testdata/image-1.52-containerd.json",
			want: Image{
				ID:           "sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6",
				RepoTags:     []string{"nginx:latest"},
				RepoDigests:  []string{"nginx@sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6"},
				Labels:       map[string]string{"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
				OS:           "linux",
				Architecture: "arm64",
			},
		},
		{
			name:       "podman 5.8: fully qualified names, several digests",
			apiVersion: "1.44",
			ref:        "docker.io/library/nginx:latest",
			file:       "testdata/image-1.44-podman.json",
			want: Image{
				ID:       "sha256:5f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4",
				RepoTags: []string{"docker.io/library/nginx:latest", "localhost/my-app:v1"},
				RepoDigests: []string{
					"docker.io/library/nginx@sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6",
					"docker.io/library/nginx@sha256:e1d0c9b8a7f6b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2",
					"localhost/my-app@sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6",
					"localhost/my-app@sha256:e1d0c9b8a7f6b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2",
				},
				Labels:       map[string]string{"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
				OS:           "linux",
				Architecture: "amd64",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			e := fakeengine.New(t, tt.apiVersion)
			e.Register("GET", "/images/"+tt.ref+"/json", fakeengine.File(t, tt.file))
			d := openFake(t, e, 0)

			got, err := d.Image(context.Background(), tt.ref)
			if err != nil {
				t.Fatalf("Image(%q): %v", tt.ref, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Image(%q) =\n%#v\nwant\n%#v", tt.ref, got, tt.want)
			}
			wantPaths := []string{"HEAD /_ping", "GET /v" + tt.apiVersion + "/images/" + tt.ref + "/json"}
			if got := e.Requests(); !reflect.DeepEqual(got, wantPaths) {
				t.Errorf("requests = %q, want %q", got, wantPaths)
			}
		})
	}
}

// The API version is negotiated once per Daemon, not before every request.
func TestNegotiatesOnce(t *testing.T) {
	cleanEnv(t)
	e := fakeengine.New(t, "1.41")
	e.Register("GET", "/info", fakeengine.File(t, "testdata/info-1.41-overlay2.json"))
	e.Register("GET", "/images/my-app:v1/json", fakeengine.File(t, "testdata/image-1.41-imported.json"))
	e.Register("GET", "/images/my-app:v1/json", fakeengine.File(t, "testdata/image-1.41-imported.json"))
	d := openFake(t, e, 0)
	ctx := context.Background()
	if _, err := d.Image(ctx, "my-app:v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Endpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Image(ctx, "my-app:v1"); err != nil {
		t.Fatal(err)
	}
	want := []string{"HEAD /_ping", "GET /v1.41/images/my-app:v1/json", "GET /v1.41/info", "GET /v1.41/images/my-app:v1/json"}
	if got := e.Requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

func TestImageNotFound(t *testing.T) {
	cleanEnv(t)
	e := fakeengine.New(t, "1.41")
	// The daemon's own answer (Docker 20.10).
	e.Register("GET", "/images/nope/json", fakeengine.Error(http.StatusNotFound, "no such image: nope: No such image: nope:latest"))
	d := openFake(t, e, 0)

	_, err := d.Image(context.Background(), "nope")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Image(nope) = %v, want ErrNotFound", err)
	}
	var reqErr *RequestError
	if errors.As(err, &reqErr) {
		t.Errorf("a missing image is not a daemon error: %v", err)
	}
	if !strings.Contains(err.Error(), "nope") {
		t.Errorf("error %q does not name the image", err)
	}
}

// Every way of failing to get an answer is a *RequestError naming the
// endpoint and what to try.
func TestRequestErrors(t *testing.T) {
	const timeout = 50 * time.Millisecond
	tests := []struct {
		name string
		// open returns the Daemon to ask; it registers what the engine answers.
		open func(t *testing.T) *Daemon
		call func(*Daemon) error
		want []string // in the message, besides the host
	}{
		{
			name: "500 on /info",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.41")
				e.Register("GET", "/info", fakeengine.Error(http.StatusInternalServerError, "layer store is on fire"))
				return openFake(t, e, timeout)
			},
			call: endpoint,
			want: []string{"layer store is on fire"},
		},
		{
			name: "500 on image inspect is not a missing image",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.52")
				e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusInternalServerError, "content digest not found"))
				return openFake(t, e, timeout)
			},
			call: image("nginx"),
			want: []string{"content digest not found"},
		},
		{
			name: "500 on ping",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.41")
				e.Register("HEAD", "/_ping", fakeengine.Error(http.StatusInternalServerError, ""))
				e.Register("GET", "/_ping", fakeengine.Error(http.StatusInternalServerError, "daemon is shutting down"))
				return openFake(t, e, timeout)
			},
			call: endpoint,
			want: []string{"daemon is shutting down"},
		},
		{
			name: "ping slower than the timeout",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.41")
				e.Register("HEAD", "/_ping", fakeengine.Slow(5*time.Second, fakeengine.JSON(nil)))
				return openFake(t, e, timeout)
			},
			call: endpoint,
			want: []string{"no answer within 50ms", "raise --timeout"},
		},
		{
			name: "image inspect slower than the timeout",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.41")
				e.Register("GET", "/images/my-app:v1/json", fakeengine.Slow(5*time.Second, fakeengine.File(t, "testdata/image-1.41-imported.json")))
				return openFake(t, e, timeout)
			},
			call: image("my-app:v1"),
			want: []string{"no answer within 50ms"},
		},
		{
			name: "connection refused",
			open: func(t *testing.T) *Daemon {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr := l.Addr().String()
				l.Close()
				return openHost(t, "tcp://"+addr, timeout)
			},
			call: endpoint,
			want: []string{"cannot connect", "is the daemon running"},
		},
		{
			name: "no socket at the path",
			open: func(t *testing.T) *Daemon {
				return openHost(t, "unix://"+filepath.Join(t.TempDir(), "does-not-exist.sock"), timeout)
			},
			call: image("nginx"),
			want: []string{"no such socket", "is the daemon running"},
		},
		{
			name: "a socket nobody listens on",
			open: func(t *testing.T) *Daemon {
				path := filepath.Join(t.TempDir(), "stale.sock")
				l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
				if err != nil {
					t.Fatal(err)
				}
				l.SetUnlinkOnClose(false)
				l.Close()
				return openHost(t, "unix://"+path, timeout)
			},
			call: endpoint,
			want: []string{"cannot connect", "is the daemon running"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			d := tt.open(t)
			start := time.Now()
			err := tt.call(d)
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %s; the 50ms timeout should have stopped it", took)
			}
			assertRequestError(t, err, d.Host(), tt.want...)
		})
	}
}

func TestPermissionDenied(t *testing.T) {
	cleanEnv(t)
	d := openHost(t, "unix:///var/run/docker.sock", time.Second)
	wantHint := []string{"permission denied", "usermod -aG docker"}

	t.Run("explain", func(t *testing.T) {
		// What connect(2) gives a user outside the docker group.
		err := &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}
		assertRequestError(t, d.explain(context.Background(), fmt.Errorf("error during connect: %w", err)), d.Host(), wantHint...)
	})
	t.Run("socket", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root, which connects to a chmod 000 socket anyway; the explain subtest covers the message")
		}
		path := filepath.Join(t.TempDir(), "docker.sock")
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		d := openHost(t, "unix://"+path, time.Second)
		_, err = d.Endpoint(context.Background())
		assertRequestError(t, err, d.Host(), wantHint...)
	})
}

func TestOpenHost(t *testing.T) {
	t.Run("DOCKER_HOST when Options.Host is empty", func(t *testing.T) {
		cleanEnv(t)
		e := fakeengine.New(t, "1.41")
		e.Register("GET", "/info", fakeengine.File(t, "testdata/info-1.41-overlay2.json"))
		t.Setenv("DOCKER_HOST", e.Host())
		d, err := Open(Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		got, err := d.Endpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.Host != e.Host() {
			t.Errorf("Host = %q, want DOCKER_HOST %q", got.Host, e.Host())
		}
	})
	t.Run("Options.Host over DOCKER_HOST", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv("DOCKER_HOST", "tcp://192.0.2.1:2375")
		d, err := Open(Options{Host: "unix:///run/user/1000/docker.sock"})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Host(); got != "unix:///run/user/1000/docker.sock" {
			t.Errorf("Host = %q, want the option's", got)
		}
	})
	t.Run("platform default", func(t *testing.T) {
		cleanEnv(t)
		d, err := Open(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Host(); got != client.DefaultDockerHost {
			t.Errorf("Host = %q, want %q", got, client.DefaultDockerHost)
		}
	})
	for _, env := range []bool{false, true} {
		t.Run(fmt.Sprintf("ssh, from DOCKER_HOST %v", env), func(t *testing.T) {
			cleanEnv(t)
			opts := Options{Host: "ssh://me@lab7"}
			if env {
				t.Setenv("DOCKER_HOST", opts.Host)
				opts.Host = ""
			}
			_, err := Open(opts)
			if err == nil || !strings.Contains(err.Error(), "not supported yet") || !strings.Contains(err.Error(), "ssh://me@lab7") {
				t.Errorf("Open(ssh) = %v, want a clear not-supported error naming the host", err)
			}
		})
	}
	t.Run("malformed host", func(t *testing.T) {
		cleanEnv(t)
		_, err := Open(Options{Host: "lab7:2375"})
		if err == nil || !strings.Contains(err.Error(), "lab7:2375") {
			t.Errorf("Open(lab7:2375) = %v, want an error naming the host", err)
		}
	})
}

func endpoint(d *Daemon) error {
	_, err := d.Endpoint(context.Background())
	return err
}

func image(ref string) func(*Daemon) error {
	return func(d *Daemon) error {
		_, err := d.Image(context.Background(), ref)
		return err
	}
}

func openHost(t *testing.T, host string, timeout time.Duration) *Daemon {
	t.Helper()
	d, err := Open(Options{Host: host, Timeout: timeout})
	if err != nil {
		t.Fatalf("Open(%s): %v", host, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func assertRequestError(t *testing.T, err error, host string, want ...string) {
	t.Helper()
	var reqErr *RequestError
	if !errors.As(err, &reqErr) {
		t.Fatalf("error = %v (%T), want *RequestError", err, err)
	}
	if reqErr.Host != host {
		t.Errorf("RequestError.Host = %q, want %q", reqErr.Host, host)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("message is not one line: %q", msg)
	}
	for _, w := range append([]string{host}, want...) {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
}
