package dockerstate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
	"github.com/moby/moby/client"
)

// noEnv is an empty environment: the developer's Docker settings stay out
// of a test.
var noEnv = envOf(nil)

// openFake opens a Daemon on the fake engine, through Options.HTTPClient.
func openFake(t *testing.T, e *fakeengine.Engine, timeout time.Duration) *Daemon {
	t.Helper()
	return openFakeEnv(t, e, timeout, noEnv)
}

func openFakeEnv(t *testing.T, e *fakeengine.Engine, timeout time.Duration, env func(string) string) *Daemon {
	t.Helper()
	d, err := Open(Options{Host: e.Host(), HTTPClient: e.Client(), Timeout: timeout, Getenv: env})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// The endpoint is described from the ping alone: no /info.
func TestEndpointFromPing(t *testing.T) {
	tests := []struct {
		profile string
		want    Endpoint // Host and Source are filled in
	}{
		{fakeengine.Docker2010, Endpoint{Engine: "docker", APIVersion: "1.41", ServerVersion: "20.10.24+dfsg1", ImageStore: StoreGraphdriver}},
		{fakeengine.Docker29Containerd, Endpoint{Engine: "docker", APIVersion: "1.52", ServerVersion: "29.1.3", ImageStore: ""}},
		{fakeengine.Podman43, Endpoint{Engine: "podman", APIVersion: "1.41", ServerVersion: "4.3.1", ImageStore: StoreContainersStorage}},
		{fakeengine.Podman58, Endpoint{Engine: "podman", APIVersion: "1.44", ServerVersion: "5.8.2", ImageStore: StoreContainersStorage}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			e := fakeengine.Start(t, tt.profile)
			d := openFake(t, e, 0)
			got, err := d.Endpoint(context.Background())
			if err != nil {
				t.Fatalf("Endpoint: %v", err)
			}
			tt.want.Host, tt.want.Source = e.Host(), "--host flag"
			if got != tt.want {
				t.Errorf("Endpoint = %+v, want %+v", got, tt.want)
			}
			if got := e.Requests(); !reflect.DeepEqual(got, []string{"HEAD /_ping"}) {
				t.Errorf("requests = %q, want the ping alone", got)
			}
		})
	}
	t.Run("a daemon newer than the client, that does not name itself", func(t *testing.T) {
		e := fakeengine.New(t, "1.99")
		d := openFake(t, e, 0)
		got, err := d.Endpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := Endpoint{Host: e.Host(), Source: "--host flag", APIVersion: client.MaxAPIVersion}
		if got != want {
			t.Errorf("Endpoint = %+v, want %+v", got, want)
		}
	})
}

// Docker's image store is learnt without a request of its own where the
// API shape tells it, and asked of /info once otherwise.
func TestImageStore(t *testing.T) {
	ctx := context.Background()
	t.Run("API 1.52, an inspect with a Descriptor: containerd", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker29Containerd)
		e.Register("GET", "/images/nginx/json", e.Recorded("image-nginx.json"))
		d := openFake(t, e, 0)
		if _, err := d.Image(ctx, "nginx"); err != nil {
			t.Fatal(err)
		}
		assertStore(t, d, StoreContainerd)
		assertRequests(t, e, "HEAD /_ping", "GET /v1.52/images/nginx/json")
	})
	t.Run("API 1.52, an inspect without one: graphdriver", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker29Containerd)
		e.Register("GET", "/images/my-app:v1/json", fakeengine.File(t, fakeengine.Path(t, "docker-20.10/image-imported.json")))
		d := openFake(t, e, 0)
		if _, err := d.Image(ctx, "my-app:v1"); err != nil {
			t.Fatal(err)
		}
		assertStore(t, d, StoreGraphdriver)
	})
	t.Run("API 1.44, nothing tells: /info once, when asked", func(t *testing.T) {
		e := fakeengine.New(t, "1.44")
		e.Register("GET", "/images/nginx/json", fakeengine.File(t, fakeengine.Path(t, "docker-29-containerd/image-nginx.json")))
		e.Register("GET", "/info", fakeengine.File(t, fakeengine.Path(t, "docker-29-containerd/info.json")))
		d := openFake(t, e, 0)
		if _, err := d.Image(ctx, "nginx"); err != nil {
			t.Fatal(err)
		}
		assertStore(t, d, "")
		for range 2 {
			store, err := d.ImageStore(ctx)
			if err != nil || store != StoreContainerd {
				t.Errorf("ImageStore = %q, %v; want containerd", store, err)
			}
		}
		assertStore(t, d, StoreContainerd)
		assertRequests(t, e, "HEAD /_ping", "GET /v1.44/images/nginx/json", "GET /v1.44/info")
	})
	t.Run("Podman: known from the ping, nothing asked", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Podman43)
		d := openFake(t, e, 0)
		if store, err := d.ImageStore(ctx); err != nil || store != StoreContainersStorage {
			t.Errorf("ImageStore = %q, %v", store, err)
		}
		assertRequests(t, e, "HEAD /_ping")
	})
}

func assertStore(t *testing.T, d *Daemon, want string) {
	t.Helper()
	ep, err := d.Endpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ep.ImageStore != want {
		t.Errorf("ImageStore = %q, want %q", ep.ImageStore, want)
	}
}

func assertRequests(t *testing.T, e *fakeengine.Engine, want ...string) {
	t.Helper()
	if got := e.Requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

// Info gives doctor the full picture.
func TestInfo(t *testing.T) {
	tests := []struct {
		profile string
		want    Info
	}{
		{fakeengine.Docker2010, Info{
			Endpoint:        Endpoint{Engine: "docker", APIVersion: "1.41", ServerVersion: "20.10.24+dfsg1", ImageStore: StoreGraphdriver},
			StorageDriver:   "fuse-overlayfs",
			OperatingSystem: "Debian GNU/Linux 12 (bookworm)",
		}},
		{fakeengine.Docker29Containerd, Info{
			Endpoint:        Endpoint{Engine: "docker", APIVersion: "1.52", ServerVersion: "29.1.3", ImageStore: StoreContainerd},
			StorageDriver:   "overlayfs",
			OperatingSystem: "Debian GNU/Linux 13 (trixie)",
		}},
		{fakeengine.Podman43, Info{
			Endpoint:      Endpoint{Engine: "podman", APIVersion: "1.41", ServerVersion: "4.3.1", ImageStore: StoreContainersStorage},
			StorageDriver: "vfs",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			e := fakeengine.Start(t, tt.profile)
			e.Register("GET", "/info", e.Recorded("info.json"))
			d := openFake(t, e, 0)
			got, err := d.Info(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Endpoint.Host, tt.want.Endpoint.Source = e.Host(), "--host flag"
			if got.Endpoint != tt.want.Endpoint || got.StorageDriver != tt.want.StorageDriver {
				t.Errorf("Info = %+v, want %+v", got, tt.want)
			}
			if tt.want.OperatingSystem != "" && got.OperatingSystem != tt.want.OperatingSystem {
				t.Errorf("OperatingSystem = %q, want %q", got.OperatingSystem, tt.want.OperatingSystem)
			}
		})
	}
}

// A daemon older than the client's minimum API version is refused up front,
// by Endpoint and by Image alike, before any versioned request is sent.
func TestOldDaemon(t *testing.T) {
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

// DOCKER_API_VERSION pins the version, and one newer than the daemon's is
// refused with a line that says so.
func TestPinnedAPIVersion(t *testing.T) {
	t.Run("older than the daemon's", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker29Containerd)
		e.Register("GET", "/images/nginx/json", e.Recorded("image-nginx.json"))
		d := openFakeEnv(t, e, 0, envOf(map[string]string{"DOCKER_API_VERSION": "1.44"}))
		if _, err := d.Image(context.Background(), "nginx"); err != nil {
			t.Fatal(err)
		}
		assertRequests(t, e, "HEAD /_ping", "GET /v1.44/images/nginx/json")
	})
	t.Run("newer than the daemon's", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		d := openFakeEnv(t, e, 0, envOf(map[string]string{"DOCKER_API_VERSION": "1.52"}))
		_, err := d.Image(context.Background(), "nginx")
		assertRequestError(t, err, e.Host(), "DOCKER_API_VERSION=1.52", "daemon's 1.41", "unset DOCKER_API_VERSION")
	})
}

func TestImage(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		file    string
		want    Image
	}{
		{
			name: "docker 20.10, imported: no digest", profile: fakeengine.Docker2010, file: "image-imported.json",
			want: Image{
				ID:           "sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e",
				RepoTags:     []string{"academy-rec-c4f20e6e/cloudcorp:latest", "academy-rec-c4f20e6e/my-app:v1"},
				RepoDigests:  []string{},
				Labels:       map[string]string{"org.opencontainers.image.title": "my-app"},
				OS:           "linux",
				Architecture: "amd64",
				Comment:      "Imported from -",
				LastTagTime:  time.Date(2026, time.November, 26, 7, 25, 10, 441535447, time.UTC),
				Layers:       1,
			},
		},
		{
			name: "docker 20.10, pulled from a registry", profile: fakeengine.Docker2010, file: "image-pulled.json",
			want: Image{
				ID:           "sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e",
				RepoTags:     []string{"127.0.0.1:34975/academy-rec-c4f20e6e/nginx:latest", "academy-rec-c4f20e6e/cloudcorp:latest", "academy-rec-c4f20e6e/my-app:v1"},
				RepoDigests:  []string{"127.0.0.1:34975/academy-rec-c4f20e6e/nginx@sha256:e56ea52b7d42c404f84d0645f9d77cd4d3153abeaf2e9319c840535c08f07fed"},
				Labels:       map[string]string{"org.opencontainers.image.title": "my-app"},
				OS:           "linux",
				Architecture: "amd64",
				Comment:      "Imported from -",
				LastTagTime:  time.Date(2026, time.November, 26, 7, 25, 13, 333374903, time.UTC),
				Layers:       1,
			},
		},
		{
			name: "docker 29 containerd store: ID is the index digest", profile: fakeengine.Docker29Containerd, file: "image-nginx.json",
			want: Image{
				ID:           "sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6",
				RepoTags:     []string{"nginx:latest"},
				RepoDigests:  []string{"nginx@sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6"},
				Labels:       map[string]string{"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
				OS:           "linux",
				Architecture: "arm64",
				LastTagTime:  time.Date(2026, time.November, 24, 16, 40, 12, 731960185, time.UTC),
				Layers:       2,
			},
		},
		{
			name: "podman 4.3: fully qualified names, a digest per name even when imported", profile: fakeengine.Podman43, file: "image-imported.json",
			want: Image{
				ID:       "sha256:7232826ca3c50a1def40658f1c2c5659bcd1556306fe132fa32c6426be2567d2",
				RepoTags: []string{"docker.io/academy-rec-f209fce7/my-app:v1", "docker.io/academy-rec-f209fce7/cloudcorp:latest"},
				RepoDigests: []string{
					"docker.io/academy-rec-f209fce7/cloudcorp@sha256:72ec69c8a23258ea97bb4d49fd7eac2f8771349cb7a169ee22a722fdfa75d844",
					"docker.io/academy-rec-f209fce7/my-app@sha256:72ec69c8a23258ea97bb4d49fd7eac2f8771349cb7a169ee22a722fdfa75d844",
				},
				Labels:       map[string]string{"org.opencontainers.image.title": "my-app"},
				OS:           "linux",
				Architecture: "amd64",
				Comment:      "imported from tarball",
				Layers:       1,
			},
		},
		{
			name: "podman 5.8: several digests per name", profile: fakeengine.Podman58, file: "image-nginx.json",
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
				Layers:       2,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, tt.profile)
			e.Register("GET", "/images/my-app:v1/json", e.Recorded(tt.file))
			d := openFake(t, e, 0)

			got, err := d.Image(context.Background(), "my-app:v1")
			if err != nil {
				t.Fatalf("Image: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Image =\n%#v\nwant\n%#v", got, tt.want)
			}
			assertRequests(t, e, "HEAD /_ping", "GET /v"+e.APIVersion()+"/images/my-app:v1/json")
		})
	}
}

// The API version is negotiated once per Daemon, not before every request.
func TestNegotiatesOnce(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/info", e.Recorded("info.json"))
	e.Register("GET", "/images/my-app:v1/json", e.Recorded("image-imported.json"))
	e.Register("GET", "/images/my-app:v1/json", e.Recorded("image-imported.json"))
	d := openFake(t, e, 0)
	ctx := context.Background()
	if _, err := d.Image(ctx, "my-app:v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Info(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Image(ctx, "my-app:v1"); err != nil {
		t.Fatal(err)
	}
	assertRequests(t, e, "HEAD /_ping", "GET /v1.41/images/my-app:v1/json", "GET /v1.41/info", "GET /v1.41/images/my-app:v1/json")
}

// Callers that arrive while the ping is out wait for it: one ping for all.
func TestConcurrentCallersShareOnePing(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	release := make(chan struct{})
	e.Register("HEAD", "/_ping", func(w http.ResponseWriter, r *http.Request) {
		<-release
		for k, v := range map[string]string{"Api-Version": "1.41", "Server": "Docker/20.10.24+dfsg1 (linux)"} {
			w.Header().Set(k, v)
		}
	})
	const callers = 8
	for range callers {
		e.Register("GET", "/images/my-app:v1/json", e.Recorded("image-imported.json"))
	}
	d := openFake(t, e, 0)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.Image(context.Background(), "my-app:v1")
			errs <- err
		}()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	pings := 0
	for _, r := range e.Requests() {
		if strings.HasSuffix(r, "/_ping") {
			pings++
		}
	}
	if pings != 1 {
		t.Errorf("%d pings for %d concurrent callers, want 1", pings, callers)
	}
}

// A daemon that never answers its ping costs one timeout for the whole
// run: every later call fails at once with the same error, the message
// says the timeout that was spent, and nothing more is sent.
func TestPingNeverAnswers(t *testing.T) {
	e := fakeengine.New(t, "1.41")
	e.Register("HEAD", "/_ping", fakeengine.Hang())
	d := openFake(t, e, 50*time.Millisecond)
	ctx := context.Background()

	_, first := d.Endpoint(ctx)
	assertRequestError(t, first, e.Host(), "no answer within 50ms", "raise --timeout")
	calls := []func() error{
		func() error { _, err := d.Image(ctx, "my-app:v1"); return err },
		func() error { _, err := d.Container(ctx, "web"); return err },
		func() error { _, err := d.Endpoint(ctx); return err },
		func() error { _, err := d.Info(ctx); return err },
		func() error {
			for _, err := range d.Events(ctx, EventFilter{}) {
				return err
			}
			return nil
		},
	}
	for i, call := range calls {
		if err := call(); err != first {
			t.Errorf("call %d = %v, want the first error itself", i, err)
		}
	}
	// The client falls back from HEAD to GET within the same deadline;
	// after that, nothing.
	for _, r := range e.Requests() {
		if !strings.HasSuffix(r, " /_ping") {
			t.Errorf("request %q sent to a daemon that did not answer its ping", r)
		}
	}
	if n := len(e.Requests()); n > 2 {
		t.Errorf("%d pings sent, want at most the HEAD and its GET fallback", n)
	}
}

// A request (not the ping) that gets no answer in time breaks the Daemon
// too: one timeout per run, not one per check.
func TestSilentDaemonBreaksTheRun(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/images/my-app:v1/json", fakeengine.Hang())
	d := openFake(t, e, 50*time.Millisecond)
	ctx := context.Background()
	_, first := d.Image(ctx, "my-app:v1")
	assertRequestError(t, first, e.Host(), "no answer within 50ms")
	if _, err := d.Image(ctx, "cloudcorp/my-app:latest"); err != first {
		t.Errorf("second Image = %v, want the first error itself", err)
	}
	assertRequests(t, e, "HEAD /_ping", "GET /v1.41/images/my-app:v1/json")
}

// The caller giving up is not the daemon failing: the next call tries again.
func TestCallerCancelIsNotRemembered(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("HEAD", "/_ping", fakeengine.Hang())
	d := openFake(t, e, time.Minute)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the ping is out.
		for len(e.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := d.Endpoint(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Endpoint with a cancelled ctx = %v, want context.Canceled", err)
	}
	got, err := d.Endpoint(context.Background())
	if err != nil || got.ServerVersion != "20.10.24+dfsg1" {
		t.Errorf("Endpoint after a cancelled one = %+v, %v; want the daemon", got, err)
	}
}

// A caller waiting for another's ping leaves when its own ctx ends.
func TestWaiterYieldsToItsContext(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("HEAD", "/_ping", fakeengine.Hang())
	d := openFake(t, e, time.Minute)

	first, stopFirst := context.WithCancel(context.Background())
	defer stopFirst()
	firstDone := make(chan error, 1)
	go func() { _, err := d.Endpoint(first); firstDone <- err }()
	for len(e.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Image(ctx, "nginx"); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting Image with a cancelled ctx = %v, want context.Canceled", err)
	}
	stopFirst()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("first Endpoint = %v, want context.Canceled", err)
	}
}

func TestNotFound(t *testing.T) {
	for _, profile := range []string{fakeengine.Docker2010, fakeengine.Podman43} {
		t.Run(profile, func(t *testing.T) {
			e := fakeengine.Start(t, profile)
			e.Register("GET", "/images/nope/json", e.RecordedStatus(http.StatusNotFound, "image-missing.json"))
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
		})
	}
}

// Every answer is capped: an endpoint that sends too much is named, and
// what is read of it is bounded by bytes, not by what the daemon sends.
func TestResponseCaps(t *testing.T) {
	const mib = 1 << 20
	endless := func(sent *atomic.Int64, done chan<- struct{}, withLength bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			w.Header().Set("Content-Type", "application/json")
			if withLength {
				w.Header().Set("Content-Length", fmt.Sprint(1<<30))
			}
			// One endless JSON string: a decoder reads on until the cap.
			_, _ = io.WriteString(w, `{"Id":"`)
			chunk := []byte(strings.Repeat("a", 64*1024))
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	}
	tests := []struct {
		name       string
		withLength bool
		path       string
		call       func(context.Context, *Daemon) error
		endpoint   string
	}{
		{"a 1 GiB /info, declared", true, "/info", func(ctx context.Context, d *Daemon) error { _, err := d.Info(ctx); return err }, "GET /v1.41/info"},
		{"an endless image inspect", false, "/images/big/json", image("big"), "GET /v1.41/images/big/json"},
		{"an endless container inspect", false, "/containers/big/json", func(ctx context.Context, d *Daemon) error { _, err := d.Container(ctx, "big"); return err }, "GET /v1.41/containers/big/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent atomic.Int64
			done := make(chan struct{})
			e := fakeengine.Start(t, fakeengine.Docker2010)
			e.Register("GET", tt.path, endless(&sent, done, tt.withLength))
			d := openFake(t, e, time.Minute)
			err := tt.call(context.Background(), d)
			assertRequestError(t, err, e.Host(), tt.endpoint, "larger than 1 MiB", "something other than a Docker daemon")
			// The handler ends when its writes fail: the client has let go.
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("the daemon is still sending a minute after the client gave up")
			}
			if n := sent.Load(); n > MaxInspectBytes+16*mib {
				t.Errorf("the daemon got %d bytes out before the client gave up; want about the cap", n)
			}
		})
	}
}

// Every way of failing to get an answer is a *RequestError naming the
// endpoint and what to try; the per-request timeout, not the caller's
// deadline, ends the slow ones.
func TestRequestErrors(t *testing.T) {
	const timeout = 50 * time.Millisecond
	tests := []struct {
		name string
		// open returns the Daemon to ask; it registers what the engine answers.
		open func(t *testing.T) *Daemon
		call func(context.Context, *Daemon) error
		want []string // in the message, besides the host
	}{
		{
			name: "500 on /info",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.41")
				e.Register("GET", "/info", fakeengine.Error(http.StatusInternalServerError, "layer store is on fire"))
				return openFake(t, e, timeout)
			},
			call: func(ctx context.Context, d *Daemon) error { _, err := d.Info(ctx); return err },
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
				e.Register("HEAD", "/_ping", fakeengine.Hang())
				return openFake(t, e, timeout)
			},
			call: endpoint,
			want: []string{"no answer within 50ms", "raise --timeout"},
		},
		{
			name: "image inspect slower than the timeout",
			open: func(t *testing.T) *Daemon {
				e := fakeengine.New(t, "1.41")
				e.Register("GET", "/images/my-app:v1/json", fakeengine.Hang())
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
		{
			name: "something that is not a daemon",
			open: func(t *testing.T) *Daemon {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Close() })
				go func() {
					for {
						c, err := l.Accept()
						if err != nil {
							return
						}
						// Read the request first: closing on unread bytes
						// would reset the connection before the answer.
						r := bufio.NewReader(c)
						for {
							line, err := r.ReadString('\n')
							if err != nil || line == "\r\n" {
								break
							}
						}
						io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n\nnot http\n")
						c.Close()
					}
				}()
				return openHost(t, "tcp://"+l.Addr().String(), timeout)
			},
			call: endpoint,
			want: []string{"malformed HTTP", "is a Docker daemon listening there"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.open(t)
			// The test's own deadline is far off: the error must be the
			// per-request timeout's, or the failure's own.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := tt.call(ctx, d)
			if ctx.Err() != nil {
				t.Fatalf("the test's deadline ended the call: %v", err)
			}
			assertRequestError(t, err, d.Host(), tt.want...)
		})
	}
}

func TestPermissionDenied(t *testing.T) {
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

func endpoint(ctx context.Context, d *Daemon) error {
	_, err := d.Endpoint(ctx)
	return err
}

func image(ref string) func(context.Context, *Daemon) error {
	return func(ctx context.Context, d *Daemon) error {
		_, err := d.Image(ctx, ref)
		return err
	}
}

func openHost(t *testing.T, host string, timeout time.Duration) *Daemon {
	t.Helper()
	d, err := Open(Options{Host: host, Timeout: timeout, Getenv: noEnv})
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
