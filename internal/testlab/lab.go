package testlab

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/academy-dev/academy/internal/testdocker"
)

// emptyAuth is the X-Registry-Auth the docker CLI sends for a registry it
// has no credentials for: base64 of "{}".
const emptyAuth = "e30="

// Lab is one test's corner of the daemon.
type Lab struct {
	t      testing.TB
	API    *client.Client
	Prefix string // every image name the lab makes starts with it
}

// New returns a lab on the daemon DOCKER_HOST (or the default socket) names;
// it skips the test when no daemon answers, unless ACADEMY_REQUIRE_DOCKER=1.
func New(t testing.TB) *Lab {
	t.Helper()
	testdocker.Require(t)
	// No image can be pulled here, so testcontainers' reaper (an image
	// from Docker Hub) cannot run; the lab removes what it makes itself.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	api, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { api.Close() })
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &Lab{t: t, API: api, Prefix: "academy-test-" + hex.EncodeToString(b)}
}

func (l *Lab) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// provider is shared by every lab of the test binary: making one costs
// seconds (it describes the daemon), using one costs milliseconds.
var provider = sync.OnceValues(func() (*testcontainers.DockerProvider, error) {
	// Its progress lines would bury the test output.
	tclog.SetDefault(tclog.NewNoopLogger())
	return testcontainers.NewDockerProvider()
})

// Name returns a name under the lab's prefix: Name("my-app:v1") is
// academy-test-1a2b3c4d/my-app:v1.
func (l *Lab) Name(ref string) string { return l.Prefix + "/" + ref }

// Build makes an image from a FROM scratch context holding one file whose
// content is payload, tags it ref, and returns its ID. The tag is removed
// when the test ends.
func (l *Lab) Build(ref, payload string) string {
	l.t.Helper()
	return l.BuildWith(ref, "FROM scratch\nCOPY payload /payload\n", payload)
}

// BuildWith builds ref from dockerfile, with a file named payload beside
// it, and removes it when the test ends.
func (l *Lab) BuildWith(ref, dockerfile, payload string) string {
	l.t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct{ name, content string }{
		{"Dockerfile", dockerfile},
		{"payload", payload},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.content))}); err != nil {
			l.t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			l.t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		l.t.Fatal(err)
	}
	ctx, cancel := l.ctx()
	defer cancel()
	// The Engine API directly: testcontainers' FromDockerfile spends seconds
	// per build on a daemon like this one, the API about a tenth of one.
	res, err := l.API.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{ref}, Remove: true, ForceRemove: true})
	if err != nil {
		l.t.Fatalf("building %s: %v", ref, err)
	}
	defer res.Body.Close()
	for msg, err := range jsonMessages(res.Body) {
		if err != nil {
			l.t.Fatalf("building %s: %v", ref, err)
		}
		if msg.Error != nil {
			l.t.Fatalf("building %s: %s", ref, msg.Error.Message)
		}
	}
	l.removeLater(ref)
	id := l.ID(ref)
	l.removeLater(id) // and every other name the test gave it
	return id
}

// Container creates, but does not start, a container of image; it is
// removed when the test ends. testcontainers-go owns its lifecycle.
func (l *Lab) Container(image string) string {
	l.t.Helper()
	p, err := provider()
	if err != nil {
		l.t.Fatalf("testcontainers: %v", err)
	}
	ctx, cancel := l.ctx()
	defer cancel()
	// A scratch image has nothing to run; created is enough to be seen.
	ctr, err := p.CreateContainer(ctx, testcontainers.ContainerRequest{Image: image, Cmd: []string{"/payload"}})
	testcontainers.CleanupContainer(l.t, ctr, testcontainers.StopTimeout(time.Second))
	if err != nil {
		l.t.Fatalf("creating a container of %s: %v", image, err)
	}
	return ctr.GetContainerID()
}

// ID returns the image ID the daemon has under ref.
func (l *Lab) ID(ref string) string {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	res, err := l.API.ImageInspect(ctx, ref)
	if err != nil {
		l.t.Fatalf("inspecting %s: %v", ref, err)
	}
	return res.ID
}

// Tag gives src the name dst, as docker tag does.
func (l *Lab) Tag(src, dst string) {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	if _, err := l.API.ImageTag(ctx, client.ImageTagOptions{Source: src, Target: dst}); err != nil {
		l.t.Fatalf("docker tag %s %s: %v", src, dst, err)
	}
	l.removeLater(dst)
}

// Untag removes the name ref, as docker rmi does for an image with several.
func (l *Lab) Untag(ref string) {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	// Force: the lab's own created container may still use the image.
	if _, err := l.API.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true}); err != nil {
		l.t.Fatalf("docker rmi -f %s: %v", ref, err)
	}
}

// Save writes refs to path as docker save -o does.
func (l *Lab) Save(path string, refs ...string) {
	l.t.Helper()
	ctx, cancel := l.ctx()
	defer cancel()
	rc, err := l.API.ImageSave(ctx, refs)
	if err != nil {
		l.t.Fatalf("docker save %v: %v", refs, err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		l.t.Fatalf("docker save %v: %v", refs, err)
	}
}

// Pulled builds an image, pushes it to an in-process registry on
// 127.0.0.1 and pulls it back, so it has a real RepoDigest. It returns the
// pulled reference (127.0.0.1:PORT/<prefix>/name:latest) and its RepoDigest.
func (l *Lab) Pulled(name, payload string) (ref, repoDigest string) {
	l.t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(discardLogger())))
	l.t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ref = host + "/" + l.Prefix + "/" + name + ":latest"
	l.Build(ref, payload)

	ctx, cancel := l.ctx()
	defer cancel()
	push, err := l.API.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: emptyAuth})
	if err == nil {
		err = push.Wait(ctx)
	}
	if err != nil {
		l.t.Fatalf("docker push %s: %v", ref, err)
	}
	// Drop the local name, so the pull is a real one that records the
	// digest (where the name was the image's only one, the image goes too,
	// and the pull brings it back).
	l.Untag(ref)
	pull, err := l.API.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: emptyAuth})
	if err == nil {
		err = pull.Wait(ctx)
	}
	if err != nil {
		l.t.Fatalf("docker pull %s: %v", ref, err)
	}
	l.removeLater(ref)
	res, err := l.API.ImageInspect(ctx, ref)
	if err != nil || len(res.RepoDigests) == 0 {
		l.t.Fatalf("pulled %s has no RepoDigest (err %v)", ref, err)
	}
	return ref, res.RepoDigests[0]
}

// removeLater untags ref when the test ends, whatever else holds the image.
func (l *Lab) removeLater(ref string) {
	l.t.Cleanup(func() {
		ctx, cancel := l.ctx()
		defer cancel()
		_, err := l.API.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			l.t.Errorf("removing %s: %v", ref, err)
		}
	})
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
