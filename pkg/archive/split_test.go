package archive

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"
	"testing"
)

// tarFiles reads every entry of a generated archive back.
func tarFiles(t testing.TB, data []byte) []tarFile {
	t.Helper()
	var files []tarFile
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, tarFile{name: hdr.Name, body: body, link: hdr.Linkname})
	}
}

// splitArchive is a Docker 25+ archive holding two images whose
// manifest.json comes from one save and whose index.json from another:
// manifest.json gives manifestTags to a, index.json gives indexTags to b.
func splitArchive(t testing.TB, a *testImage, manifestTags []string, b *testImage, indexTags []string) []byte {
	t.Helper()
	fromA := tarFiles(t, docker25Archive(t, map[*testImage][]string{a: manifestTags}))
	fromB := tarFiles(t, docker25Archive(t, map[*testImage][]string{b: indexTags}))
	var out []tarFile
	seen := map[string]bool{}
	for _, f := range fromA {
		if f.name != "index.json" && f.name != "repositories" {
			seen[f.name] = true
			out = append(out, f)
		}
	}
	for _, f := range fromB {
		if !seen[f.name] && (f.name == "index.json" || strings.HasPrefix(f.name, "blobs/sha256/")) {
			out = append(out, f)
		}
	}
	return writeTar(t, out)
}

// An archive whose manifest.json says my-app:v1 is one image and whose
// index.json says it is another is loaded as the first by a graphdriver
// daemon and as the second by the containerd store and Podman: it is
// ambiguous, so invalid, with one line naming the name and both images.
func TestManifestAndIndexDisagree(t *testing.T) {
	a := newTestImage(t, "a", "amd64", 1)
	b := newTestImage(t, "b", "amd64", 1)

	split := splitArchive(t, a, []string{"my-app:v1"}, b, []string{"my-app:v1"})
	_, err := verifyBoth(t, split)
	wantInvalid(t, err, "the archive is ambiguous: manifest.json says my-app:v1 is the image "+short(a.id())+", but index.json says it is "+short(b.id()))

	// The same when manifest.json names the image in full, as Podman does,
	// or the name is one of several.
	split = splitArchive(t, a, []string{"docker.io/library/other:v2", "docker.io/library/my-app:v1"}, b, []string{"my-app:v1"})
	_, err = verifyBoth(t, split)
	wantInvalid(t, err, "manifest.json says docker.io/library/my-app:v1 is the image "+short(a.id()))

	// Each file naming its own image, by different names, is not a split:
	// the graphdriver store loads only a:v1, the containerd store only
	// b:v1, and neither says anything false about the other's.
	apart := splitArchive(t, a, []string{"a:v1"}, b, []string{"b:v1"})
	if _, err := verifyBoth(t, apart); err != nil {
		t.Errorf("names apart: %v", err)
	}

	// Two images, each named alike in both files, agree.
	both := docker25Archive(t, map[*testImage][]string{a: {"my-app:v1", "a:latest"}, b: {"b:v1"}})
	rep, err := verifyBoth(t, both)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 2 {
		t.Errorf("images = %d, want 2", len(rep.Images))
	}
	if strings.Contains(strings.Join(rep.Warnings, "\n"), "ambiguous") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}
