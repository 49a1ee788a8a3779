package cli_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/testdocker"
	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/cli"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/report"
)

// run runs academy in-process and returns its exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		IOStreams:  &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		OpenDaemon: dockerstate.Open,
	}
	code := cli.Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// zone7 is a lab for the zone7 mission under the lab's own names.
type zone7 struct {
	lab                  *testlab.Lab
	dir                  string
	image, repo, archive string
	digestImage          string
	repoDigest           string
	appID                string
	engine               testdocker.Engine
}

func newZone7(t *testing.T) *zone7 {
	lab := testlab.New(t)
	z := &zone7{lab: lab, engine: testdocker.Describe(t), dir: t.TempDir(), image: lab.Name("my-app:v1"), repo: lab.Name("cloudcorp/my-app"), archive: "my-app.tar"}
	z.appID = lab.Build(z.image, "my-app v1 "+lab.Prefix)
	return z
}

// withDigestImage pulls an "nginx" from the in-process registry.
func (z *zone7) withDigestImage() *zone7 {
	z.digestImage, z.repoDigest = z.lab.Pulled("nginx", "nginx "+z.lab.Prefix)
	return z
}

func (z *zone7) check(t *testing.T, extra ...string) (int, report.JSONReport, string) {
	t.Helper()
	args := []string{"check", "zone7", "-o", "json", "-C", z.dir,
		"--var", "image=" + z.image, "--var", "repo=" + z.repo}
	if z.digestImage != "" {
		args = append(args, "--var", "digestImage="+z.digestImage)
	}
	code, out, errOut := run(t, append(args, extra...)...)
	var rep report.JSONReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, stdout %q, stderr %q: %v", code, out, errOut, err)
	}
	return code, rep, errOut
}

// objective returns the named objective's status and its check messages.
func objective(t *testing.T, rep report.JSONReport, id string) (string, string) {
	t.Helper()
	for _, o := range rep.Objectives {
		if o.ID == id {
			var msgs []string
			for _, c := range o.Checks {
				msgs = append(msgs, c.Message)
			}
			return o.Status, strings.Join(msgs, " | ")
		}
	}
	t.Fatalf("no objective %s in %+v", id, rep)
	return "", ""
}

// expectObjective asserts an objective's status, that its messages say
// something, and that the exit code follows the status (pass 0, fail 1).
func expectObjective(t *testing.T, code int, rep report.JSONReport, id, status, says string) {
	t.Helper()
	got, msgs := objective(t, rep, id)
	if got != status || !strings.Contains(msgs, says) {
		t.Errorf("%s = %s %q, want %s saying %q", id, got, msgs, status, says)
	}
	if want := map[string]int{"pass": 0, "fail": 1}[status]; code != want {
		t.Errorf("exit %d, want %d", code, want)
	}
}

func TestZone7MultiTag(t *testing.T) {
	z := newZone7(t)
	other := z.lab.Build(z.lab.Name("other:v1"), "another image")

	steps := []struct {
		name   string
		do     func()
		status string
		says   string
	}{
		{"no tags", func() {}, "fail", z.repo + ":latest does not exist — create it: docker tag " + z.image + " " + z.repo + ":latest"},
		{"one of two tags", func() { z.lab.Tag(z.image, z.repo+":latest") }, "fail", z.repo + ":1.0.0 does not exist"},
		{"a tag on another image", func() { z.lab.Tag(z.lab.Name("other:v1"), z.repo+":1.0.0") }, "fail",
			z.repo + ":1.0.0 points at " + other[7:19] + " (that is " + z.lab.Name("other:v1") + "), not at " + z.image + " (" + z.appID[7:19] + ")"},
		{"both tags", func() { z.lab.Tag(z.image, z.repo+":1.0.0") }, "pass", "points at " + z.image},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			code, rep, _ := z.check(t, "multi-tag")
			expectObjective(t, code, rep, "multi-tag", s.status, s.says)
			if rep.Endpoint.APIVersion == "" || rep.Endpoint.ImageStore == "" {
				t.Errorf("endpoint not described: %+v", rep.Endpoint)
			}
		})
	}
}

// TestZone7Endpoint checks that the report names the engine it checked as
// the engine names itself.
func TestZone7Endpoint(t *testing.T) {
	z := newZone7(t)
	_, rep, _ := z.check(t, "multi-tag")
	if rep.Endpoint.ServerVersion != z.engine.Version {
		t.Errorf("endpoint serverVersion %q, want %q (%s)", rep.Endpoint.ServerVersion, z.engine.Version, z.engine)
	}
	wantEngine := "docker"
	if z.engine.Podman() {
		wantEngine = "podman" // Podman is not Docker, nor is its store either of Docker's
	}
	if rep.Endpoint.Engine != wantEngine {
		t.Errorf("endpoint engine %q, want %q (%s)", rep.Endpoint.Engine, wantEngine, z.engine)
	}
	if rep.Endpoint.ImageStore != string(z.engine.Store) {
		t.Errorf("endpoint imageStore %q, want %q (%s)", rep.Endpoint.ImageStore, z.engine.Store, z.engine)
	}
}

func TestZone7Digest(t *testing.T) {
	z := newZone7(t).withDigestImage()
	_, dgst, _ := strings.Cut(z.repoDigest, "@")
	name, _, _ := strings.Cut(z.repoDigest, "@")
	tests := []struct {
		name, answer, status, says string
		code                       int
	}{
		{"as docker inspect prints it", z.repoDigest, "pass", "your answer is a RepoDigest of", 0},
		{"bare digest", dgst, "pass", "your answer is a RepoDigest of", 0},
		{"wrong digest", name + "@sha256:" + strings.Repeat("0", 64), "fail", "is not one of", 1},
		{"the image ID", z.lab.ID(z.digestImage), "fail", "is the image ID", 1},
	}
	if z.engine.ContainerdStore() {
		// The containerd store's image ID is the manifest digest, the very
		// digest of the RepoDigest: typing the ID is typing the digest.
		tests[len(tests)-1] = tests[0]
		tests[len(tests)-1].name, tests[len(tests)-1].answer = "the image ID (the manifest digest here)", z.lab.ID(z.digestImage)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, rep, _ := z.check(t, "digest", "--answer", "digest="+tt.answer)
			status, msgs := objective(t, rep, "digest")
			if status != tt.status || !strings.Contains(msgs, tt.says) || code != tt.code {
				t.Errorf("digest = exit %d, %s %q; want exit %d, %s saying %q", code, status, msgs, tt.code, tt.status, tt.says)
			}
		})
	}
	t.Run("an image without RepoDigest", func(t *testing.T) {
		z.digestImage = z.image // built here, never pulled
		code, rep, _ := z.check(t, "digest", "--answer", "digest="+z.repoDigest)
		status, msgs := objective(t, rep, "digest")
		// Only Docker's graphdriver store leaves a built image without
		// RepoDigests. The containerd store makes one for every name and
		// Podman one for every name and manifest it stored, so there the
		// answer is merely not among them.
		says := "has no RepoDigest"
		if z.engine.ContainerdStore() || z.engine.Podman() {
			says = "is not one of"
		}
		if code != 1 || status != "fail" || !strings.Contains(msgs, says) {
			t.Errorf("on %s: exit %d, %s %q; want 1, fail, %s", z.engine, code, status, msgs, says)
		}
	})
}

func TestZone7Export(t *testing.T) {
	z := newZone7(t)
	path := filepath.Join(z.dir, z.archive)
	good := filepath.Join(t.TempDir(), "good.tar")
	z.lab.Save(good, z.image)

	type exportCase struct {
		name   string
		make   func(t *testing.T)
		status string
		says   string
	}
	tests := []exportCase{
		{"no archive", func(t *testing.T) { os.Remove(path) }, "fail", "my-app.tar is not in " + z.dir},
		{"saved by the daemon", func(t *testing.T) { copyFile(t, good, path) }, "pass", "the daemon's image"},
		{"gzip-compressed", func(t *testing.T) { testlab.Gzip(t, good, path) }, "pass", "the daemon's image"},
		{"Docker 25+ layout", func(t *testing.T) { testlab.Docker25Layout(t, good, path) }, "pass", "the daemon's image"},
		{"truncated", func(t *testing.T) { copyFile(t, good, path); truncate(t, path, 0.6) }, "fail", "my-app.tar is incomplete"},
		{"one byte of a layer changed", func(t *testing.T) { copyFile(t, good, path); flipLayerByte(t, path, "my-app v1") }, "fail", "my-app.tar is damaged"},
		{"another image under the right tag", func(t *testing.T) {
			z.lab.Build(z.lab.Name("impostor:v1"), "not my app")
			z.lab.Tag(z.lab.Name("impostor:v1"), z.image) // the tag moves to the impostor…
			z.lab.Save(path, z.image)                     // …is saved…
			z.lab.Tag(z.appID, z.image)                   // …and moves back
		}, "fail", "the archive is of another image"},
		{"saved under another name", func(t *testing.T) { z.lab.Save(path, z.lab.Name("other:v1")) }, "fail", "save it by that name"},
		// manifest.json says my-app:v1 is the daemon's image, index.json
		// that it is other:v1's: docker load names a different image on
		// each store, so no store's verdict holds.
		{"manifest.json and index.json name different images", func(t *testing.T) {
			other := filepath.Join(t.TempDir(), "other.tar")
			z.lab.Save(other, z.lab.Name("other:v1"))
			testlab.SplitLayout(t, good, other, z.image, path)
		}, "fail", "my-app.tar is ambiguous: manifest.json says " + z.image},
		{"OCI layout without manifest.json", func(t *testing.T) { testlab.OCILayoutOnly(t, good, path) },
			"fail", "this daemon's docker load cannot read an archive without one"},
	}
	ociOnly := slices.IndexFunc(tests, func(tt exportCase) bool { return tt.name == "OCI layout without manifest.json" })
	switch {
	case z.engine.Podman():
		// Podman loads an OCI layout, and its image ID is the config digest.
		tests[ociOnly].status, tests[ociOnly].says = "pass", "the daemon's image"
	case z.engine.ContainerdStore():
		// The containerd store loads it, but the rewritten manifest is not
		// the daemon's, as for the Docker 25+ layout below.
		tests[ociOnly].status, tests[ociOnly].says = "fail", "the archive is of another image"
	}
	if z.engine.ContainerdStore() {
		// The daemon knows the image by its manifest digest; the rewritten
		// archive holds the same config and layers under another manifest,
		// and academy compares image IDs (config or manifest digest), so it
		// cannot see that the image is the same.
		i := slices.IndexFunc(tests, func(tt exportCase) bool { return tt.name == "Docker 25+ layout" })
		tests[i].status, tests[i].says = "fail", "the archive is of another image"
	}
	z.lab.Build(z.lab.Name("other:v1"), "other")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.make(t)
			code, rep, _ := z.check(t, "export")
			expectObjective(t, code, rep, "export", tt.status, tt.says)
		})
	}
}

func TestZone7AllPassingAndReadOnly(t *testing.T) {
	z := newZone7(t).withDigestImage()
	z.lab.Tag(z.image, z.repo+":latest")
	z.lab.Tag(z.image, z.repo+":1.0.0")
	archive := filepath.Join(z.dir, z.archive)
	z.lab.Save(archive, z.image)
	z.lab.Container(z.image) // a container of the image must stay as it is too
	saved, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}

	// Every name the mission's variables give, and (in the proof) every
	// image and container under the lab's prefix; other tests may change
	// the rest of the daemon meanwhile.
	proof := z.lab.WatchReadOnly(z.image, z.repo+":latest", z.repo+":1.0.0", z.digestImage)
	code, rep, errOut := z.check(t, "--answer", "digest="+z.repoDigest, "-o", "junit="+filepath.Join(z.dir, "report.xml"))
	proof.Check()
	if code != 0 || !rep.Passed || rep.Score.Earned != 3 || rep.Score.Possible != 3 {
		t.Fatalf("exit %d, passed %v, score %+v, stderr %q: %+v", code, rep.Passed, rep.Score, errOut, rep.Objectives)
	}
	if now, err := os.ReadFile(archive); err != nil || !bytes.Equal(now, saved) {
		t.Errorf("check changed or removed %s (%v)", archive, err)
	}
	if junit, err := os.ReadFile(filepath.Join(z.dir, "report.xml")); err != nil || !bytes.Contains(junit, []byte(`failures="0"`)) {
		t.Errorf("junit report: %v\n%s", err, junit)
	}
}

func TestUnreachableDaemonExits3(t *testing.T) {
	code, out, errOut := run(t, "check", "zone7", "-H", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	if code != 3 || out != "" || !strings.Contains(errOut, "is the daemon running") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and one line saying what to try", code, out, errOut)
	}
}

func TestUnknownMissionExits2(t *testing.T) {
	code, _, errOut := run(t, "check", "zone99")
	if code != 2 || !strings.Contains(errOut, `unknown mission "zone99" — did you mean zone7? (missions: zone7, zone7-airgap, zone7-rollback)`) {
		t.Errorf("exit %d, stderr %q; want 2 naming the known missions", code, errOut)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, keep float64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(float64(fi.Size())*keep)); err != nil {
		t.Fatal(err)
	}
}

// flipLayerByte changes one byte of the first layer's bytes in a saved
// archive, leaving every tar header intact: a byte of the file content
// when the layer is a plain tar that holds payload, else the layer's middle
// byte (the containerd store saves layers compressed).
func flipLayerByte(t *testing.T, path, payload string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var manifest []struct{ Layers []string }
	entries := tarEntries(t, data)
	if err := json.Unmarshal(entryData(data, entries["manifest.json"]), &manifest); err != nil || len(manifest) == 0 || len(manifest[0].Layers) == 0 {
		t.Fatalf("%s: manifest.json: %v", path, err)
	}
	layer, ok := entries[manifest[0].Layers[0]]
	if !ok || layer.size == 0 {
		t.Fatalf("%s: no layer %s", path, manifest[0].Layers[0])
	}
	i := layer.offset + layer.size/2
	if j := bytes.Index(entryData(data, layer), []byte(payload)); j >= 0 {
		i = layer.offset + int64(j)
	}
	data[i] ^= 0x20
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type tarEntry struct{ offset, size int64 }

// tarEntries finds where each regular file's content lies in a tar.
func tarEntries(t *testing.T, data []byte) map[string]tarEntry {
	t.Helper()
	r := bytes.NewReader(data)
	tr := tar.NewReader(r)
	entries := map[string]tarEntry{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			// tar.Reader reads headers block by block, so the reader's
			// position is where the content starts.
			entries[h.Name] = tarEntry{offset: int64(len(data)) - int64(r.Len()), size: h.Size}
		}
	}
}

func entryData(data []byte, e tarEntry) []byte { return data[e.offset : e.offset+e.size] }
