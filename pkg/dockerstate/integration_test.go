package dockerstate

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testdocker"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// realDaemon opens the daemon the environment names, as academy would.
func realDaemon(t *testing.T) *Daemon {
	t.Helper()
	testdocker.Require(t)
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestRealDaemon checks Endpoint, Info and Image against the local daemon,
// with the docker CLI as the reference for what they should say.
func TestRealDaemon(t *testing.T) {
	d := realDaemon(t)
	ctx := context.Background()

	t.Run("endpoint, from the ping alone", func(t *testing.T) {
		got, err := d.Endpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", got)
		want := Endpoint{
			Host:          d.Host(),
			Source:        d.Target().Source,
			Engine:        realEngine(t),
			APIVersion:    docker(t, "version", "--format", "{{.Server.APIVersion}}"),
			ServerVersion: docker(t, "version", "--format", "{{.Server.Version}}"),
			ImageStore:    got.ImageStore,
		}
		if versions.GreaterThan(want.APIVersion, client.MaxAPIVersion) {
			want.APIVersion = client.MaxAPIVersion
		}
		if got != want {
			t.Errorf("Endpoint = %+v, want %+v", got, want)
		}
		if want.Engine == EngineDocker && versions.LessThan(want.APIVersion, "1.42") && got.ImageStore != StoreGraphdriver {
			t.Errorf("ImageStore = %q; before API 1.42 there is only the graphdriver store", got.ImageStore)
		}
	})

	t.Run("info and the image store", func(t *testing.T) {
		info, err := d.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := StoreGraphdriver
		switch {
		case realEngine(t) == EnginePodman:
			want = StoreContainersStorage
		case strings.Contains(docker(t, "info", "--format", "{{json .DriverStatus}}"), `"io.containerd.snapshotter.v1"`):
			want = StoreContainerd
		}
		if info.Endpoint.ImageStore != want {
			t.Errorf("Info ImageStore = %q, want %q", info.Endpoint.ImageStore, want)
		}
		if got, err := d.ImageStore(ctx); err != nil || got != want {
			t.Errorf("ImageStore = %q, %v; want %q", got, err, want)
		}
		if driver := docker(t, "info", "--format", "{{.Driver}}"); info.StorageDriver != driver {
			t.Errorf("StorageDriver = %q, want %q", info.StorageDriver, driver)
		}
	})

	t.Run("image", func(t *testing.T) {
		ref := importImage(t, "x:v1")
		got, err := d.Image(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := docker(t, "image", "inspect", "--format", "{{.Id}}", ref); got.ID != want {
			t.Errorf("ID = %s, want %s", got.ID, want)
		}
		if !slices.ContainsFunc(got.RepoTags, sameName(ref)) {
			t.Errorf("RepoTags = %q, want %s among them", got.RepoTags, ref)
		}
		if got.Labels["academy.test"] != "dockerstate" {
			t.Errorf("Labels = %v, want academy.test=dockerstate", got.Labels)
		}
		if want := docker(t, "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", ref); got.OS+"/"+got.Architecture != want {
			t.Errorf("platform = %s/%s, want %s", got.OS, got.Architecture, want)
		}
		missing := strings.TrimSuffix(ref, ":v1") + ":missing"
		if _, err := d.Image(ctx, missing); !errors.Is(err, ErrNotFound) {
			t.Errorf("Image(%s) = %v, want ErrNotFound", missing, err)
		}
	})
}

// TestRealContainer reads containers the docker CLI made: one running, one
// that failed and was restarted by its policy, one created only.
func TestRealContainer(t *testing.T) {
	d := realDaemon(t)
	ctx := context.Background()
	img := sleeperImage(t)
	prefix := uniquePrefix(t)

	web := runContainer(t, "run", "-d", "--network", "none", "--name", prefix+"-web", "--label", "academy.role=web", img)
	crash := runContainer(t, "run", "-d", "--network", "none", "--restart", "on-failure:2", "--name", prefix+"-crash", img, "/sleeper", "fail")
	idle := runContainer(t, "create", "--network", "none", "--name", prefix+"-idle", img)
	// The restart policy gives up after two restarts; wait for that.
	deadline := time.Now().Add(2 * time.Minute)
	// Podman's inspect can fail while the container restarts ("open
	// /proc/N/cgroup: no such process"): only the state it settles in counts.
	status := func() string {
		out, _ := exec.Command("docker", "inspect", "--format", "{{.State.Status}} {{.RestartCount}}", crash).Output()
		return strings.TrimSpace(string(out))
	}
	for status() != "exited 2" {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s after 2 minutes, want exited after 2 restarts", crash, status())
		}
		time.Sleep(50 * time.Millisecond)
	}
	imageID := docker(t, "image", "inspect", "--format", "{{.Id}}", img)
	// The name as the engine keeps it: Podman qualifies it fully.
	named := docker(t, "inspect", "--format", "{{.Config.Image}}", web)
	if !sameName(img)(named) {
		t.Fatalf("docker inspect says %s runs %s, not %s", web, named, img)
	}

	tests := []struct {
		name string
		want Container
	}{
		{prefix + "-web", Container{ID: web, Name: prefix + "-web", ImageID: imageID, Image: named, Running: true, Status: "running",
			Labels: map[string]string{"academy.role": "web"}}},
		{web[:12], Container{ID: web, Name: prefix + "-web", ImageID: imageID, Image: named, Running: true, Status: "running",
			Labels: map[string]string{"academy.role": "web"}}},
		{prefix + "-crash", Container{ID: crash, Name: prefix + "-crash", ImageID: imageID, Image: named, Status: "exited", RestartCount: 2,
			Labels: map[string]string{}}},
		{prefix + "-idle", Container{ID: idle, Name: prefix + "-idle", ImageID: imageID, Image: named, Status: "created",
			Labels: map[string]string{}}},
	}
	for _, tt := range tests {
		got, err := d.Container(ctx, tt.name)
		if err != nil {
			t.Fatalf("Container(%s): %v", tt.name, err)
		}
		if !equalContainer(got, tt.want) {
			t.Errorf("Container(%s) =\n%+v\nwant\n%+v", tt.name, got, tt.want)
		}
	}
	if _, err := d.Container(ctx, prefix+"-none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Container(missing) = %v, want ErrNotFound", err)
	}
}

// equalContainer compares two containers, an empty label map equal to none.
func equalContainer(a, b Container) bool {
	if len(a.Labels) == 0 && len(b.Labels) == 0 {
		a.Labels, b.Labels = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// TestRealEvents sees the tag the Writer makes, on the daemon's stream.
func TestRealEvents(t *testing.T) {
	d := realDaemon(t)
	w := NewWriter(d)
	ref := importImage(t, "evt:v1")
	target := strings.TrimSuffix(ref, ":v1") + ":tagged"
	t.Cleanup(func() { exec.Command("docker", "image", "rm", target).Run() })

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Since covers a stream that starts after the tag. No image filter:
	// Podman matches it against fully qualified names only.
	since := time.Now().Add(-time.Second)
	if err := w.Tag(ctx, ref, target); err != nil {
		t.Fatal(err)
	}
	id := docker(t, "image", "inspect", "--format", "{{.Id}}", ref)
	for ev, err := range d.Events(ctx, EventFilter{Types: []string{"image"}, Actions: []string{"tag"}, Since: since}) {
		if err != nil {
			t.Fatalf("no tag event for %s: %v", target, err)
		}
		if ev.Type != "image" || ev.Action != "tag" {
			t.Errorf("event %+v does not match the filter", ev)
			continue
		}
		if sameName(target)(ev.Name) {
			// Podman gives the ID without its algorithm.
			if ev.ActorID != id && "sha256:"+ev.ActorID != id {
				t.Errorf("tag event actor %s, want the image %s", ev.ActorID, id)
			}
			return
		}
	}
}

// TestRealWriter checks the writes on the daemon: above all that removing
// one of an image's tags removes that name and nothing else.
func TestRealWriter(t *testing.T) {
	d := realDaemon(t)
	w := NewWriter(d)
	ctx := context.Background()
	ref := importImage(t, "w:v1")
	repo := strings.TrimSuffix(ref, ":v1")
	id := docker(t, "image", "inspect", "--format", "{{.Id}}", ref)

	t.Run("tag, then untag one of two names", func(t *testing.T) {
		if err := w.Tag(ctx, ref, repo+":latest"); err != nil {
			t.Fatal(err)
		}
		if got := docker(t, "image", "inspect", "--format", "{{.Id}}", repo+":latest"); got != id {
			t.Fatalf("tag points at %s, want %s", got, id)
		}
		if err := w.Untag(ctx, repo+":latest"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Image(ctx, repo+":latest"); !errors.Is(err, ErrNotFound) {
			t.Errorf("after Untag, %s:latest = %v, want ErrNotFound", repo, err)
		}
		img, err := d.Image(ctx, ref)
		if err != nil || img.ID != id {
			t.Fatalf("after Untag of the other name, %s = %+v, %v; want the image %s untouched", ref, img, err, id)
		}
		if len(img.RepoTags) != 1 || !sameName(ref)(img.RepoTags[0]) {
			t.Errorf("RepoTags = %q, want only %s", img.RepoTags, ref)
		}
	})

	t.Run("load what docker save wrote", func(t *testing.T) {
		archive := filepath.Join(t.TempDir(), "w.tar")
		docker(t, "save", "-o", archive, ref)
		docker(t, "image", "rm", ref)
		if _, err := d.Image(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s still there before the load: %v", ref, err)
		}
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		loaded, err := w.Load(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(loaded, sameName(ref)) {
			t.Errorf("Load = %q, want %s among them", loaded, ref)
		}
		if img, err := d.Image(ctx, ref); err != nil || img.ID == "" {
			t.Errorf("after Load, %s = %+v, %v", ref, img, err)
		}
	})

	t.Run("a broken archive is refused in one line", func(t *testing.T) {
		_, err := w.Load(ctx, strings.NewReader("not a tar at all"))
		assertRequestError(t, err, d.Host(), "docker load")
	})

	t.Run("remove a container", func(t *testing.T) {
		name := uniquePrefix(t) + "-rm"
		runContainer(t, "create", "--network", "none", "--name", name, ref, "/x")
		if err := w.RemoveContainer(ctx, name, false); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Container(ctx, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("after RemoveContainer, %s = %v, want ErrNotFound", name, err)
		}
		if err := w.RemoveContainer(ctx, name, false); !errors.Is(err, ErrNotFound) {
			t.Errorf("removing it again = %v, want ErrNotFound", err)
		}
	})
}

// sameName matches ref as Docker shows it (academy-test-…/x:v1) or as
// Podman does (docker.io/academy-test-…/x:v1).
func sameName(ref string) func(string) bool {
	return func(name string) bool { return name == ref || name == "docker.io/"+ref }
}

// realEngine tells Docker from Podman as the docker CLI shows it.
func realEngine(t *testing.T) string {
	t.Helper()
	if strings.Contains(docker(t, "version", "--format", "{{range .Server.Components}}{{.Name}};{{end}}"), "Podman") {
		return EnginePodman
	}
	return EngineDocker
}

// importImage makes a one-file image named <unique prefix>/name with a
// label, removed when the test ends.
func importImage(t *testing.T, name string) string {
	t.Helper()
	ref := uniquePrefix(t) + "/" + name
	cmd := exec.Command("docker", "import", "--change", "LABEL academy.test=dockerstate", "-", ref)
	cmd.Stdin = bytes.NewReader(tinyTar(t, "hello.txt", []byte("academy dockerstate test\n"), 0o644))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", "--force", ref).Run() })
	return ref
}

// sleeperImage makes an image whose /sleeper sleeps for an hour, or fails
// at once with the argument "fail": a static binary built here, FROM
// scratch, since no image can be pulled.
func sleeperImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport (\n\t\"os\"\n\t\"time\"\n)\n\nfunc main() {\n\tif len(os.Args) > 1 && os.Args[1] == \"fail\" {\n\t\tos.Exit(1)\n\t}\n\ttime.Sleep(time.Hour)\n}\n"
	writeFile(t, filepath.Join(dir, "main.go"), src)
	writeFile(t, filepath.Join(dir, "go.mod"), "module sleeper\n\ngo 1.21\n")
	build := exec.Command("go", "build", "-o", "sleeper", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the sleeper: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "sleeper"))
	if err != nil {
		t.Fatal(err)
	}
	ref := uniquePrefix(t) + "/sleeper:v1"
	cmd := exec.Command("docker", "import", "--change", `CMD ["/sleeper"]`, "-", ref)
	cmd.Stdin = bytes.NewReader(tinyTar(t, "sleeper", bin, 0o755))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "image", "rm", "--force", ref).Run() })
	return ref
}

// runContainer runs `docker run|create ARGS…` and returns the container's
// ID; the container is removed when the test ends.
func runContainer(t *testing.T, args ...string) string {
	t.Helper()
	// A sandbox may forbid the default rlimits Podman asks for.
	args = append([]string{args[0], "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}, args[1:]...)
	id := docker(t, args...)
	t.Cleanup(func() { exec.Command("docker", "rm", "--force", id).Run() })
	return id
}

// docker runs the docker CLI and returns its trimmed output.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, exit.Stderr)
		}
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// tinyTar is a one-file root filesystem for docker import.
func tinyTar(t *testing.T, name string, body []byte, mode int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uniquePrefix is a name no other user of the daemon has.
func uniquePrefix(t *testing.T) string {
	t.Helper()
	return "academy-test-" + randomName(t)
}

func randomName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// importForBench is importImage for a benchmark.
func importForBench(b *testing.B, ref string) {
	b.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: 2})
	tw.Write([]byte("hi"))
	tw.Close()
	cmd := exec.Command("docker", "import", "-", ref)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("docker import: %v\n%s", err, out)
	}
	b.Cleanup(func() { exec.Command("docker", "image", "rm", "--force", ref).Run() })
}
