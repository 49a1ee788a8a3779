package dockerstate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

// The list asks for tagged images only, as docker images does, and keeps
// the IDs and names.
func TestImagesOnFakeEngine(t *testing.T) {
	listEnv(t)
	e := fakeengine.New(t, "1.41")
	var query string
	e.Register("GET", "/images/json", func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.Query().Get("filters")
		fakeengine.JSON([]byte(`[
			{"Id": "sha256:aa", "RepoTags": ["cloudcorp/myapp:latest", "my-app:v1"], "RepoDigests": null},
			{"Id": "sha256:bb", "RepoTags": ["docker.io/library/nginx:latest"], "RepoDigests": ["docker.io/library/nginx@sha256:cc"]}
		]`))(w, r)
	})
	d := listOpen(t, e, time.Second)
	got, err := d.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []ImageSummary{
		{ID: "sha256:aa", RepoTags: []string{"cloudcorp/myapp:latest", "my-app:v1"}},
		{ID: "sha256:bb", RepoTags: []string{"docker.io/library/nginx:latest"}, RepoDigests: []string{"docker.io/library/nginx@sha256:cc"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Images = %+v, want %+v", got, want)
	}
	var filters map[string]map[string]bool
	if err := json.Unmarshal([]byte(query), &filters); err != nil || !filters["dangling"]["false"] {
		t.Errorf("filters = %q, want dangling=false", query)
	}
}

// A daemon with more images or tags than anyone keeps is cut at the caps.
func TestImagesAreBounded(t *testing.T) {
	listEnv(t)
	tests := []struct {
		name             string
		images, tagsEach int
		wantImages       int
		wantTags         int
	}{
		{"many images", MaxListedImages + 10, 1, MaxListedImages, MaxListedImages},
		{"many tags", 3, MaxListedTags, 1, MaxListedTags},
		{"tags cut mid-image", 2, MaxListedTags/2 + 1, 2, MaxListedTags},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("[")
			for i := range tt.images {
				if i > 0 {
					b.WriteString(",")
				}
				tags := make([]string, tt.tagsEach)
				for j := range tags {
					tags[j] = fmt.Sprintf("%q", fmt.Sprintf("r%d:t%d", i, j))
				}
				fmt.Fprintf(&b, `{"Id": "sha256:%d", "RepoTags": [%s]}`, i, strings.Join(tags, ","))
			}
			b.WriteString("]")
			e := fakeengine.New(t, "1.41")
			e.Register("GET", "/images/json", fakeengine.JSON([]byte(b.String())))
			got, err := listOpen(t, e, 5*time.Second).Images(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tags := 0
			for _, img := range got {
				tags += len(img.RepoTags)
			}
			if len(got) != tt.wantImages || tags != tt.wantTags {
				t.Errorf("got %d images, %d tags; want %d, %d", len(got), tags, tt.wantImages, tt.wantTags)
			}
		})
	}
}

// An error answer is a RequestError naming the endpoint, as for every
// other request.
func TestImagesDaemonError(t *testing.T) {
	listEnv(t)
	e := fakeengine.New(t, "1.41")
	e.Register("GET", "/images/json", fakeengine.Error(http.StatusInternalServerError, "store broken"))
	_, err := listOpen(t, e, time.Second).Images(context.Background())
	if err == nil || !strings.Contains(err.Error(), "store broken") || !strings.Contains(err.Error(), e.Host()) {
		t.Errorf("err = %v, want the daemon's message and its endpoint", err)
	}
}

// On the real daemon, the list holds a freshly built image under each of
// its names, and agrees with docker images.
func TestImagesOnRealDaemon(t *testing.T) {
	lab := testlab.New(t)
	ref := lab.Name("my-app:v1")
	id := lab.Build(ref, "list")
	other := lab.Name("myapp:1.0")
	lab.Tag(ref, other)

	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, err := d.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, img := range got {
		if img.ID == id {
			found = append(found, img.RepoTags...)
		}
	}
	slices.Sort(found)
	// The containerd store and Podman print names fully qualified.
	want := []string{ref, other}
	slices.Sort(want)
	for i, w := range want {
		if i >= len(found) || !strings.HasSuffix(found[i], w) {
			t.Fatalf("the list names %s as %v, want %v", id, found, want)
		}
	}
	cli := listDocker(t, "images", "--filter", "reference="+lab.Prefix+"/*", "--format", "{{.Repository}}:{{.Tag}}")
	if n := len(strings.Fields(cli)); n != len(found) {
		t.Errorf("docker images lists %d names under the prefix (%s), Images %d", n, cli, len(found))
	}
}

// The helpers below are this file's own, so it stands apart from the
// package's other tests.

// listEnv keeps the developer's Docker settings out of a test.
func listEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"} {
		t.Setenv(k, "")
	}
}

// listOpen opens a Daemon on the fake engine.
func listOpen(t *testing.T, e *fakeengine.Engine, timeout time.Duration) *Daemon {
	t.Helper()
	d, err := Open(Options{Host: e.Host(), HTTPClient: e.Client(), Timeout: timeout})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// listDocker runs the docker CLI and returns what it printed.
func listDocker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// Podman fails the list when an image goes while it reads it: asked again,
// bounded; any other error is not retried.
func TestImagesAskAgainAfterARace(t *testing.T) {
	listEnv(t)
	var calls, fails atomic.Int32
	e := fakeengine.New(t, "1.41")
	answer := func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= fails.Load() {
			fakeengine.Error(http.StatusInternalServerError, `retrieving label for image "c21e": locating image with ID "c21e": image not known`)(w, r)
			return
		}
		fakeengine.JSON([]byte(`[{"Id":"sha256:`+strings.Repeat("a", 64)+`","RepoTags":["my-app:v1"]}]`))(w, r)
	}
	for range 2 + listTries { // each registration answers once
		e.Register("GET", "/images/json", answer)
	}
	fails.Store(1)
	imgs, err := listOpen(t, e, time.Second).Images(context.Background())
	if err != nil || len(imgs) != 1 || calls.Load() != 2 {
		t.Errorf("one race: %v, %d images, %d requests; want the list on the second", err, len(imgs), calls.Load())
	}
	calls.Store(0)
	fails.Store(100)
	if _, err := listOpen(t, e, time.Second).Images(context.Background()); err == nil || calls.Load() != listTries {
		t.Errorf("a race every time: %v after %d requests, want an error after %d", err, calls.Load(), listTries)
	}
}
