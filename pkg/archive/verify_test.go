package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// corpus is the shared folder of archives written by real tools (see its
// README.md).
var corpus = filepath.Join("..", "..", "testdata", "archives")

// What the real fixtures hold (saved by Docker 20.10.24, see
// testdata/archives/README.md).
const (
	fixtureAppID = "sha256:461ecf8779064e9327bdbe8e11f7ec02760349cab223dc0048835fc8662a1ee9"
	fixtureDupID = "sha256:8d42a2b2aa617e2181fc969fc227a6217fffbfa4cded6d61469bfff848178961"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// streamOnly hides everything but Read, so Verify takes the streaming path.
type streamOnly struct{ r io.Reader }

func (s streamOnly) Read(p []byte) (int, error) { return s.r.Read(p) }

// verifyBoth verifies data as a seekable file and as a stream, and fails
// the test unless both agree on whether it is valid.
func verifyBoth(t testing.TB, data []byte) (*Report, error) {
	t.Helper()
	ctx := context.Background()
	rep, err := Verify(ctx, bytes.NewReader(data), Options{Workers: 2})
	rep2, err2 := Verify(ctx, streamOnly{bytes.NewReader(data)}, Options{})
	if (err == nil) != (err2 == nil) {
		t.Fatalf("seekable and streaming disagree: %v / %v", err, err2)
	}
	if err == nil && len(rep.Images) != len(rep2.Images) {
		t.Fatalf("seekable and streaming disagree: %d / %d images", len(rep.Images), len(rep2.Images))
	}
	return rep, err
}

func TestVerifyDockerFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, compression string
	}{
		{"docker20-app.tar.gz", "gzip"},
		{"docker20-app.tar.bz2", "bzip2"},
		{"docker20-app.tar.xz", "xz"},
		{"docker20-app.tar.zst", "zstd"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := VerifyFile(context.Background(), filepath.Join(corpus, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Format != FormatDocker || rep.Compression != tc.compression {
				t.Errorf("format %q compression %q, want docker %s", rep.Format, rep.Compression, tc.compression)
			}
			if len(rep.Images) != 1 {
				t.Fatalf("%d images, want 1", len(rep.Images))
			}
			img := rep.Images[0]
			if img.Config != fixtureAppID || strings.Join(img.RepoTags, ",") != "academy-fixture/app:v1" {
				t.Errorf("image %s %v, want %s academy-fixture/app:v1", img.Config, img.RepoTags, fixtureAppID)
			}
			if img.Platform != "linux/amd64" || len(img.Layers) != 1 || img.Layers[0].Size != 10240 {
				t.Errorf("platform %q layers %+v", img.Platform, img.Layers)
			}
			if img.Manifest != "" || img.Target != "" {
				t.Errorf("a Docker ≤24 archive has no manifest or target, got %s %s", img.Manifest, img.Target)
			}
		})
	}

	t.Run("duplicate layer as symlink", func(t *testing.T) {
		raw := gunzip(t, readFixture(t, "docker20-dup-symlink.tar.gz"))
		rep, err := verifyBoth(t, raw)
		if err != nil {
			t.Fatal(err)
		}
		img := rep.Images[0]
		if img.Config != fixtureDupID || len(img.Layers) != 3 || img.Layers[0].Digest != img.Layers[2].Digest {
			t.Errorf("got %s with layers %+v, want %s with layers 1 and 3 the same", img.Config, img.Layers, fixtureDupID)
		}
	})
	t.Run("several images", func(t *testing.T) {
		raw := gunzip(t, readFixture(t, "docker20-multi.tar.gz"))
		rep, err := verifyBoth(t, raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Images) != 2 || rep.Images[0].Config != fixtureAppID || rep.Images[1].Config != fixtureDupID {
			t.Fatalf("got %+v", rep.Images)
		}
		if got := strings.Join(rep.Images[0].RepoTags, ","); got != "academy-fixture/app:v1,academy-fixture/app:latest" {
			t.Errorf("RepoTags %s", got)
		}
	})
}

func TestVerifyLayouts(t *testing.T) {
	app := newTestImage(t, "app", "amd64", 3)
	other := newTestImage(t, "other", "amd64", 1)
	arm := newTestImage(t, "app", "arm64", 3)

	checkImage := func(t *testing.T, img Image, want *testImage, compressed bool) {
		t.Helper()
		if img.Config != want.id() {
			t.Errorf("Config %s, want %s", img.Config, want.id())
		}
		if len(img.Layers) != len(want.diffIDs) {
			t.Fatalf("%d layers, want %d", len(img.Layers), len(want.diffIDs))
		}
		for i, l := range img.Layers {
			if l.DiffID != want.diffIDs[i] {
				t.Errorf("layer %d DiffID %s, want %s", i, l.DiffID, want.diffIDs[i])
			}
			if (l.Digest != l.DiffID) != compressed {
				t.Errorf("layer %d digest %s diffID %s, compressed %v", i, l.Digest, l.DiffID, compressed)
			}
		}
		if img.Platform != want.os+"/"+want.arch {
			t.Errorf("Platform %q", img.Platform)
		}
	}

	t.Run("docker25", func(t *testing.T) {
		data := docker25Archive(t, map[*testImage][]string{app: {"my-app:v1", "cloudcorp/my-app:latest"}, other: nil})
		rep, err := verifyBoth(t, data)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Format != FormatOCI {
			t.Errorf("format %s", rep.Format)
		}
		var got *Image
		for i := range rep.Images {
			if rep.Images[i].Config == app.id() {
				got = &rep.Images[i]
			}
		}
		if got == nil || len(rep.Images) != 2 {
			t.Fatalf("images %+v", rep.Images)
		}
		checkImage(t, *got, app, false)
		if got.Manifest == "" || got.Target != got.Manifest {
			t.Errorf("Manifest %s Target %s: want the synthesized manifest as both", got.Manifest, got.Target)
		}
		if strings.Join(got.Names, ",") != "docker.io/library/my-app:v1,docker.io/cloudcorp/my-app:latest" {
			t.Errorf("Names %v", got.Names)
		}
	})

	t.Run("containerd single platform", func(t *testing.T) {
		ci := &containerdImage{names: []string{"my-app:v1"}, platforms: []*testImage{app}}
		rep, err := verifyBoth(t, containerdArchive(t, ci))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Format != FormatContainerd || len(rep.Images) != 1 {
			t.Fatalf("format %s, %d images", rep.Format, len(rep.Images))
		}
		img := rep.Images[0]
		checkImage(t, img, app, true)
		if img.Target != ci.target.Digest || img.Manifest != ci.target.Digest {
			t.Errorf("Target %s Manifest %s, want %s", img.Target, img.Manifest, ci.target.Digest)
		}
		if strings.Join(img.RepoTags, ",") != "my-app:v1" || strings.Join(img.Names, ",") != "docker.io/library/my-app:v1" {
			t.Errorf("RepoTags %v Names %v", img.RepoTags, img.Names)
		}
	})

	t.Run("containerd multi-platform, one missing, zstd", func(t *testing.T) {
		ci := &containerdImage{names: []string{"my-app:v1"}, platforms: []*testImage{arm, app}, missing: map[int]bool{0: true}, attest: true, compress: "zstd"}
		rep, err := verifyBoth(t, containerdArchive(t, ci))
		if err != nil {
			t.Fatal(err)
		}
		img := rep.Images[0]
		checkImage(t, img, app, true)
		if img.Target != ci.target.Digest || img.Manifest != ci.manifests[1].Digest {
			t.Errorf("Target %s Manifest %s, want %s %s", img.Target, img.Manifest, ci.target.Digest, ci.manifests[1].Digest)
		}
		if img.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+zstd" {
			t.Errorf("MediaType %s", img.Layers[0].MediaType)
		}
	})

	t.Run("containerd two platforms present", func(t *testing.T) {
		ci := &containerdImage{names: []string{"my-app:v1"}, platforms: []*testImage{arm, app}}
		rep, err := verifyBoth(t, containerdArchive(t, ci))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rep.Images[0].Platforms, ","); got != "linux/arm64,linux/amd64" {
			t.Errorf("Platforms %s", got)
		}
	})

	t.Run("containerd saved by digest", func(t *testing.T) {
		ci := &containerdImage{platforms: []*testImage{app}}
		rep, err := verifyBoth(t, containerdArchive(t, ci))
		if err != nil {
			t.Fatal(err)
		}
		img := rep.Images[0]
		if len(img.RepoTags) != 0 || len(img.Names) != 0 || img.Target != ci.target.Digest {
			t.Errorf("got %+v", img)
		}
	})

	t.Run("podman", func(t *testing.T) {
		rep, err := verifyBoth(t, podmanArchive(t, app, "my-app:v1"))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Format != FormatPodman {
			t.Errorf("format %s", rep.Format)
		}
		checkImage(t, rep.Images[0], app, false)
		if strings.Join(rep.Images[0].RepoTags, ",") != "docker.io/library/my-app:v1" {
			t.Errorf("RepoTags %v", rep.Images[0].RepoTags)
		}
	})

	t.Run("legacy with a duplicate layer", func(t *testing.T) {
		dup := newTestImage(t, "dup", "amd64", 2)
		dup.layers = append(dup.layers, dup.layers[0])
		dup.diffIDs = append(dup.diffIDs, dup.diffIDs[0])
		dup.config = mustJSON(t, map[string]any{"architecture": "amd64", "os": "linux",
			"rootfs": map[string]any{"type": "layers", "diff_ids": dup.diffIDs}})
		rep, err := verifyBoth(t, legacyArchive(t, dup, "dup:v1"))
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, rep.Images[0], dup, false)
	})

	t.Run("gzip layer.tar in a legacy archive", func(t *testing.T) {
		// docker load decompresses legacy layers; so does the verifier.
		img := newTestImage(t, "gz", "amd64", 1)
		id := img.id()
		data := writeTar(t, []tarFile{
			{name: "l/layer.tar", body: gzipped(t, img.layers[0])},
			{name: id.Encoded() + ".json", body: img.config},
			{name: "manifest.json", body: mustJSON(t, []manifestEntry{{Config: id.Encoded() + ".json", RepoTags: []string{"gz:v1"}, Layers: []string{"l/layer.tar"}}})},
		})
		rep, err := verifyBoth(t, data)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, rep.Images[0], img, true)
	})

	t.Run("whole archive compressed", func(t *testing.T) {
		data := gzipped(t, docker25Archive(t, map[*testImage][]string{app: {"my-app:v1"}}))
		rep, err := verifyBoth(t, data)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Compression != "gzip" || rep.Size != int64(len(data)) {
			t.Errorf("compression %q size %d, want gzip %d", rep.Compression, rep.Size, len(data))
		}
		rep, err = verifyBoth(t, zstded(t, containerdArchive(t, &containerdImage{names: []string{"a:b"}, platforms: []*testImage{app}})))
		if err != nil || rep.Compression != "zstd" {
			t.Fatalf("zstd: %v %+v", err, rep)
		}
	})
}

func TestVerifyFileErrors(t *testing.T) {
	ctx := context.Background()
	_, err := VerifyFile(ctx, filepath.Join(t.TempDir(), "my-app.tar"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
	var inv *InvalidError
	if errors.As(err, &inv) {
		t.Errorf("missing file is an InvalidError: %v", err)
	}
	_, err = VerifyFile(ctx, t.TempDir(), Options{})
	if !errors.As(err, &inv) || !strings.Contains(inv.Reason, "is a directory") {
		t.Errorf("directory: %v", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Verify(ctx2, streamOnly{bytes.NewReader(gunzip(t, readFixture(t, "docker20-app.tar.gz")))}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	_, err = Verify(ctx, streamOnly{iotestErrReader{}}, Options{})
	if err == nil || errors.As(err, &inv) {
		t.Errorf("a failing reader gave %v, want an I/O error", err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestVerifyProgress(t *testing.T) {
	data := gunzip(t, readFixture(t, "docker20-multi.tar.gz"))
	var last, total int64
	_, err := Verify(context.Background(), bytes.NewReader(data), Options{Progress: func(r, tt int64) { last, total = r, tt }})
	if err != nil {
		t.Fatal(err)
	}
	if last != int64(len(data)) || total != int64(len(data)) {
		t.Errorf("progress ended at %d/%d, want %d", last, total, len(data))
	}
}

// digestOf is a shorthand for tests that compare with fixtures.
func digestOf(s string) digest.Digest { return digest.Digest(s) }

// TestVerifyBigLayer takes the path where one big layer is read ahead on a
// spare core while another hashes it.
func TestVerifyBigLayer(t *testing.T) {
	img := newTestImage(t, "big", "amd64", 1)
	big := make([]byte, bigFile+1)
	for i := range big {
		big[i] = byte(i * 7)
	}
	img.layers[0] = writeTar(t, []tarFile{{name: "big", body: big}})
	img.diffIDs[0] = sha(img.layers[0])
	img.config = mustJSON(t, map[string]any{"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": img.diffIDs}})
	data := legacyArchive(t, img, "big:v1")
	if _, err := verifyBoth(t, data); err != nil {
		t.Fatal(err)
	}
	var layer string
	for _, n := range tarNames(t, data) {
		if strings.HasSuffix(n, "/layer.tar") {
			layer = n
		}
	}
	off, size := entryOffset(t, data, layer)
	_, err := verifyBoth(t, flip(data, off+size-10))
	wantInvalid(t, err, "is not the image's")
}
