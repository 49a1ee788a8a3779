package check

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/opencontainers/go-digest"
)

// fixture is a real Docker 20.10 `docker save` of academy-fixture/app:v1.
const (
	fixture   = "../../testdata/archives/docker20-app.tar.gz"
	fixtureID = "sha256:461ecf8779064e9327bdbe8e11f7ec02760349cab223dc0048835fc8662a1ee9"
)

// The daemon's image ID is the config digest on the graphdriver store and
// the manifest (or index) digest on the containerd store; the export check
// accepts the archive under either, and nothing else.
func TestExportMatchesEitherImageStore(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	testlab.Gunzip(t, fixture, plain)
	oci := filepath.Join(dir, "my-app.tar")
	testlab.Docker25Layout(t, plain, oci)
	rep, err := archive.VerifyFile(context.Background(), oci, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	manifest := string(rep.Images[0].Target)
	if manifest == "" || manifest == fixtureID {
		t.Fatalf("the 25+ layout has no separate target digest: %+v", rep.Images[0])
	}

	tests := []struct {
		store, liveID string
		status        Status
	}{
		{dockerstate.StoreGraphdriver, fixtureID, Pass},
		{dockerstate.StoreContainerd, manifest, Pass},
		{"another image", id("4f1c"), Fail},
		{"none on the daemon", "", Fail},
	}
	for _, tt := range tests {
		t.Run(tt.store, func(t *testing.T) {
			m := plan(t, map[string]string{"image": "academy-fixture/app:v1"})
			images := map[string]dockerstate.Image{"academy-fixture/app:v1": {ID: tt.liveID, RepoTags: []string{"academy-fixture/app:v1"}}}
			if tt.liveID == "" {
				images = nil
			}
			r := &Runner{Daemon: &fakeDaemon{images: images, store: tt.store}, Dir: dir}
			res, err := r.Run(context.Background(), m, []string{"export"})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != tt.status {
				t.Errorf("export = %s %q, want %s", c.Status, c.Message, tt.status)
			}
			if tt.liveID == id("4f1c") && !strings.Contains(c.Message, "but the daemon's academy-fixture/app:v1 is 4f1c00000000") {
				t.Errorf("message %q does not name both IDs", c.Message)
			}
			// --explain shows the archive's fact the daemon's ID is
			// compared with: the index on the containerd store.
			wantFile := "manifest.json"
			if tt.store == dockerstate.StoreContainerd {
				wantFile = "index.json"
			}
			if want := "tar -xOf my-app.tar " + wantFile + "; docker image inspect --format '{{.Id}}' academy-fixture/app:v1"; c.Command != want {
				t.Errorf("command %q, want %q", c.Command, want)
			}
			// Removed from the daemon (air-gap practice): the next step is
			// to load it back.
			if tt.liveID == "" && !strings.HasSuffix(c.Message, "but the daemon has no academy-fixture/app:v1 to compare it with — it passes again once the image is back: docker load -i my-app.tar") {
				t.Errorf("message %q", c.Message)
			}
		})
	}
}

// An archive path that is a FIFO is refused at once: opening it would wait
// for a writer that never comes.
func TestArchiveThatIsAFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "my-app.tar"), 0o644); err != nil {
		t.Skip(err)
	}
	r := &Runner{Daemon: &fakeDaemon{}, Dir: dir}
	done := make(chan *Result, 1)
	go func() {
		res, err := r.Run(context.Background(), zone7(t), []string{"export"})
		assertNoError(t, err)
		done <- res
	}()
	select {
	case res := <-done:
		if c := res.Objectives[0].Checks[0]; c.Status != Fail || !strings.Contains(c.Message, "not a regular file") {
			t.Errorf("export = %s %q", c.Status, c.Message)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("check waits on the FIFO")
	}
}

// Two archive checks of one file in an objective: the advice is the one
// docker save that makes both hold, never one that undoes the other.
func TestArchiveBundleAdvice(t *testing.T) {
	const bundle = `apiVersion: academy/v1
id: bundle
title: Bundle
objectives:
  - id: bundle
    title: Bundle two
    checks:
      - archive: {path: b.tar, contains: "a:2"}
      - archive: {path: b.tar, contains: "a:1"}
`
	p, err := compileWith(t, bundle, nil)
	assertNoError(t, err)
	res, err := (&Runner{Daemon: &fakeDaemon{}, Dir: t.TempDir()}).Run(context.Background(), p, nil)
	assertNoError(t, err)
	for _, c := range res.Objectives[0].Checks {
		if !strings.Contains(c.Message, "docker save -o b.tar a:2 a:1") {
			t.Errorf("%q: want the one save of both", c.Message)
		}
	}
}

// An image docker import made can never match a saved archive: the advice
// is to load it back, not to save over the archive.
func TestExportOfAnImportedImage(t *testing.T) {
	dir := t.TempDir()
	testlab.Gunzip(t, fixture, filepath.Join(dir, "my-app.tar"))
	live := dockerstate.Image{ID: id("81"), RepoTags: []string{"academy-fixture/app:v1"}, Comment: "Imported from -"}
	r := &Runner{Daemon: &fakeDaemon{images: map[string]dockerstate.Image{"academy-fixture/app:v1": live}}, Dir: dir}
	res, err := r.Run(context.Background(), plan(t, map[string]string{"image": "academy-fixture/app:v1"}), []string{"export"})
	assertNoError(t, err)
	msg := res.Objectives[0].Checks[0].Message
	if !strings.Contains(msg, "docker import made") || !strings.Contains(msg, "docker load -i my-app.tar") || strings.Contains(msg, "save it again") {
		t.Errorf("message %q", msg)
	}
}

// Two images of an archive carrying one name: docker load leaves the name on
// the last, so that is the one judged.
func TestFindImageTakesTheLastOfOneName(t *testing.T) {
	rep := &archive.Report{Images: []archive.Image{
		{RepoTags: []string{"my-app:v1"}, Config: digest.Digest(id("aa"))},
		{RepoTags: []string{"my-app:v1"}, Config: digest.Digest(id("bb"))},
	}}
	img, ok := findImage(rep, "my-app:v1")
	if !ok || img.Config != digest.Digest(id("bb")) {
		t.Errorf("findImage = %v, %v; want the last image", img.Config, ok)
	}
}

// ggcrImage is another image, saved by go-containerregistry's tarball
// writer (testdata/archives/README.md), and its config digest.
const (
	ggcrImage   = "../../testdata/archives/ggcr-test_image_1.tar"
	ggcrImageID = "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e"
)

// An archive whose manifest.json says academy-fixture/app:v1 is one image
// and whose index.json says it is another gets the name on the first from
// a graphdriver daemon's docker load and on the second from the containerd
// store's: the export check fails it on every daemon, whichever image the
// daemon has, naming the name and both images.
func TestExportOfASplitArchive(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	testlab.Gunzip(t, fixture, plain)
	testlab.SplitLayout(t, plain, ggcrImage, "academy-fixture/app:v1", filepath.Join(dir, "my-app.tar"))

	for _, tt := range []struct{ store, liveID string }{
		{dockerstate.StoreGraphdriver, fixtureID},
		{dockerstate.StoreGraphdriver, ggcrImageID},
		{dockerstate.StoreContainerd, ggcrImageID},
		{dockerstate.StoreContainersStorage, ggcrImageID},
	} {
		t.Run(tt.store+" "+tt.liveID[7:19], func(t *testing.T) {
			images := map[string]dockerstate.Image{"academy-fixture/app:v1": {ID: tt.liveID, RepoTags: []string{"academy-fixture/app:v1"}}}
			r := &Runner{Daemon: &fakeDaemon{images: images, store: tt.store}, Dir: dir}
			res, err := r.Run(context.Background(), plan(t, map[string]string{"image": "academy-fixture/app:v1"}), []string{"export"})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			const want = "my-app.tar is ambiguous: manifest.json says academy-fixture/app:v1 is the image 461ecf877906, but index.json says it is 6e0b05049ed9"
			if c.Status != Fail || !strings.HasPrefix(c.Message, want) || !strings.HasSuffix(c.Message, "save it again: docker save -o my-app.tar academy-fixture/app:v1") {
				t.Errorf("export = %s %q, want a failure saying %q", c.Status, c.Message, want)
			}
		})
	}
}

// storeAsker is a daemon whose endpoint does not tell its image store (Docker
// 20.10 before /info was asked): the check must ask.
type storeAsker struct {
	*fakeDaemon
	store string
	asked int
}

func (d *storeAsker) Endpoint(ctx context.Context) (dockerstate.Endpoint, error) {
	ep, err := d.fakeDaemon.Endpoint(ctx)
	ep.ImageStore = ""
	return ep, err
}

func (d *storeAsker) ImageStore(context.Context) (string, error) {
	d.asked++
	return d.store, nil
}

// An OCI image layout without manifest.json (podman save --format
// oci-archive, skopeo): Docker's graphdriver store cannot load it ("open
// …/blobs/json: no such file or directory" on 20.10, "does not contain a
// manifest.json" on 29), the containerd store and Podman can. The export
// check fails it on a graphdriver daemon only, and says how to save one
// that daemon loads.
func TestExportOfAnOCILayoutNeedsManifestJSON(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	testlab.Gunzip(t, fixture, plain)
	oci := filepath.Join(dir, "my-app.tar")
	testlab.OCILayoutOnly(t, plain, oci)
	rep, err := archive.VerifyFile(context.Background(), oci, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != archive.FormatOCILayout {
		t.Fatalf("format %s, want %s", rep.Format, archive.FormatOCILayout)
	}
	target := string(rep.Images[0].Target)

	const refused = "my-app.tar has no manifest.json, and this daemon's docker load cannot read an archive without one"
	const fix = "save it with docker so it can: docker save -o my-app.tar academy-fixture/app:v1"
	for _, tt := range []struct {
		name   string
		daemon func(*fakeDaemon) Daemon
		liveID string
		status Status
	}{
		{"graphdriver", func(f *fakeDaemon) Daemon { f.store = dockerstate.StoreGraphdriver; return f }, fixtureID, Fail},
		{"graphdriver, asked", func(f *fakeDaemon) Daemon { return &storeAsker{fakeDaemon: f, store: dockerstate.StoreGraphdriver} }, fixtureID, Fail},
		{"containerd", func(f *fakeDaemon) Daemon { f.store = dockerstate.StoreContainerd; return f }, target, Pass},
		{"containerd, asked", func(f *fakeDaemon) Daemon { return &storeAsker{fakeDaemon: f, store: dockerstate.StoreContainerd} }, target, Pass},
		{"podman", func(f *fakeDaemon) Daemon { f.store = dockerstate.StoreContainersStorage; return f }, fixtureID, Pass},
	} {
		t.Run(tt.name, func(t *testing.T) {
			images := map[string]dockerstate.Image{"academy-fixture/app:v1": {ID: tt.liveID, RepoTags: []string{"academy-fixture/app:v1"}}}
			d := tt.daemon(&fakeDaemon{images: images})
			r := &Runner{Daemon: d, Dir: dir}
			res, err := r.Run(context.Background(), plan(t, map[string]string{"image": "academy-fixture/app:v1"}), []string{"export"})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != tt.status {
				t.Fatalf("export = %s %q, want %s", c.Status, c.Message, tt.status)
			}
			if tt.status == Fail && (!strings.HasPrefix(c.Message, refused) || !strings.HasSuffix(c.Message, fix)) {
				t.Errorf("message %q, want %q … %q", c.Message, refused, fix)
			}
			if a, ok := d.(*storeAsker); ok && a.asked == 0 {
				t.Error("the image store was not asked")
			}
		})
	}
}

// A name index.json gives and manifest.json does not is no name on a
// graphdriver Docker daemon, whose docker load reads manifest.json only.
func TestExportOfANameOnlyInIndexJSON(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.tar")
	testlab.Gunzip(t, fixture, plain)
	for _, tags := range [][]string{nil, {"academy-fixture/other:1"}} {
		testlab.IndexNameOnly(t, plain, filepath.Join(dir, "my-app.tar"), tags...)
		rep, err := archive.VerifyFile(context.Background(), filepath.Join(dir, "my-app.tar"), archive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		target := string(rep.Images[0].Target)
		for _, tt := range []struct {
			store  string
			liveID string
			status Status
		}{
			{dockerstate.StoreGraphdriver, fixtureID, Fail},
			{dockerstate.StoreContainerd, target, Pass},
			{dockerstate.StoreContainersStorage, fixtureID, Pass},
		} {
			images := map[string]dockerstate.Image{"academy-fixture/app:v1": {ID: tt.liveID, RepoTags: []string{"academy-fixture/app:v1"}}}
			res, err := (&Runner{Daemon: &fakeDaemon{images: images, store: tt.store}, Dir: dir}).Run(context.Background(), plan(t, map[string]string{"image": "academy-fixture/app:v1"}), []string{"export"})
			assertNoError(t, err)
			c := res.Objectives[0].Checks[0]
			if c.Status != tt.status || tt.status == Fail && !strings.Contains(c.Message, "names academy-fixture/app:v1 in its index.json only, and this daemon's docker load reads manifest.json") {
				t.Errorf("manifest.json tags %v, %s store: %s %q, want %s", tags, tt.store, c.Status, c.Message, tt.status)
			}
		}
	}
}
