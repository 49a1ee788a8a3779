package dockerstate

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/testdocker"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// TestRealDaemon checks Endpoint and Image against the local daemon, with the
// docker CLI as the reference for what they should say.
func TestRealDaemon(t *testing.T) {
	testdocker.Require(t)
	d, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()

	t.Run("endpoint", func(t *testing.T) {
		got, err := d.Endpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", got)
		want := Endpoint{
			Host:          d.Host(),
			APIVersion:    docker(t, "version", "--format", "{{.Server.APIVersion}}"),
			ServerVersion: docker(t, "version", "--format", "{{.Server.Version}}"),
			ImageStore:    StoreGraphdriver,
		}
		if versions.GreaterThan(want.APIVersion, client.MaxAPIVersion) {
			want.APIVersion = client.MaxAPIVersion
		}
		if strings.Contains(docker(t, "info", "--format", "{{json .DriverStatus}}"), `"io.containerd.snapshotter.v1"`) {
			want.ImageStore = StoreContainerd
		}
		if got != want {
			t.Errorf("Endpoint = %+v, want %+v", got, want)
		}
	})

	t.Run("image", func(t *testing.T) {
		ref := "academy-test-" + randomHex(t) + "/x:v1"
		cmd := exec.Command("docker", "import", "--change", "LABEL academy.test=dockerstate", "-", ref)
		cmd.Stdin = bytes.NewReader(tinyTar(t))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("docker import: %v\n%s", err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("docker", "image", "rm", "--force", ref).CombinedOutput(); err != nil {
				t.Errorf("removing %s: %v\n%s", ref, err, out)
			}
		})

		got, err := d.Image(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := docker(t, "image", "inspect", "--format", "{{.Id}}", ref); got.ID != want {
			t.Errorf("ID = %s, want %s", got.ID, want)
		}
		if !slices.Contains(got.RepoTags, ref) {
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
func tinyTar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := []byte("academy dockerstate test\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
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

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
