package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/testdocker"
)

// docker runs the docker CLI and returns its trimmed output.
func docker(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command("docker", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestVerifyRealDaemon saves an image from the real daemon, in a file and
// through a pipe, and checks that the verifier finds the daemon's image ID
// and tags in it.
func TestVerifyRealDaemon(t *testing.T) {
	engine := testdocker.Describe(t)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	repo := "academy-test-" + hex.EncodeToString(suffix) + "/app"
	v1, latest := repo+":v1", repo+":latest"
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", v1, latest).Run() })

	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	payload := make([]byte, 64<<10)
	rand.Read(payload)
	tw.WriteHeader(&tar.Header{Name: "payload", Mode: 0o644, Size: int64(len(payload))})
	tw.Write(payload)
	tw.Close()
	docker(t, layer.Bytes(), "import", "-", v1)
	docker(t, nil, "tag", v1, latest)
	id := docker(t, nil, "image", "inspect", "-f", "{{.Id}}", v1)

	file := filepath.Join(t.TempDir(), "my-app.tar")
	docker(t, nil, "save", "-o", file, v1, latest)
	check := func(t *testing.T, rep *Report, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		// The containerd store's image ID is the manifest digest, the
		// index.json entry it saves; elsewhere it is the config digest.
		if len(rep.Images) != 1 {
			t.Fatalf("images %+v, want one", rep.Images)
		}
		got := rep.Images[0].Config
		if engine.ContainerdStore() {
			got = rep.Images[0].Target
		}
		if got.String() != id {
			t.Fatalf("on %s: image %+v, want %s as its ID", engine, rep.Images[0], id)
		}
		// Podman saves fully qualified names: docker.io/academy-test-…/app:v1.
		want := []string{v1, latest}
		if engine.Podman() {
			want = []string{"docker.io/" + v1, "docker.io/" + latest}
		}
		tags := rep.Images[0].RepoTags
		if !slices.Contains(tags, want[0]) || !slices.Contains(tags, want[1]) {
			t.Errorf("on %s: RepoTags %v, want %v", engine, tags, want)
		}
	}
	t.Run("file", func(t *testing.T) {
		rep, err := VerifyFile(context.Background(), file, Options{})
		check(t, rep, err)
	})
	t.Run("pipe", func(t *testing.T) {
		cmd := exec.Command("docker", "save", v1, latest)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rep, err := Verify(context.Background(), out, Options{})
		if werr := cmd.Wait(); werr != nil {
			t.Fatal(werr)
		}
		check(t, rep, err)
	})
	t.Run("truncated", func(t *testing.T) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = verifyBoth(t, data[:len(data)/2])
		wantInvalid(t, err, "truncated")
	})
}
