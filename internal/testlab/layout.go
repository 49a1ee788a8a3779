package testlab

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// Docker25Layout rewrites a `docker save` archive (Docker ≤24's, Docker
// 25+'s, the containerd store's with compressed layers, or Podman's) into
// the layout Docker 25+'s graphdriver store writes for the same image
// (moby's image/tarexport since moby#44598): oci-layout, index.json with
// name annotations, manifest.json pointing into blobs/sha256, the config
// named by its digest, uncompressed layers named by DiffID, and one
// synthesized OCI manifest per image. Config and layer contents are the
// daemon's own, so the config digest (the graphdriver image ID) is kept.
func Docker25Layout(t testing.TB, legacyPath, outPath string) {
	t.Helper()
	files := readTar(t, legacyPath)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatalf("%s: manifest.json: %v", legacyPath, err)
	}

	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	put := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	blobs := map[string]bool{}
	putBlob := func(data []byte) string {
		sum := sha256.Sum256(data)
		hexSum := hex.EncodeToString(sum[:])
		if !blobs[hexSum] {
			blobs[hexSum] = true
			put("blobs/sha256/"+hexSum, data)
		}
		return hexSum
	}
	type descriptor struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int               `json:"size"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}
	var newManifest []map[string]any
	var index []descriptor
	put("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	for _, m := range manifest {
		config := files[m.Config]
		configHex := putBlob(config)
		layerPaths := make([]string, 0, len(m.Layers))
		layerDescs := make([]descriptor, 0, len(m.Layers))
		for _, l := range m.Layers {
			data := uncompressed(t, files[resolve(files, l)])
			h := putBlob(data)
			layerPaths = append(layerPaths, "blobs/sha256/"+h)
			layerDescs = append(layerDescs, descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: "sha256:" + h, Size: len(data)})
		}
		ociManifest := mustMarshal(t, map[string]any{
			"schemaVersion": 2,
			"mediaType":     "application/vnd.oci.image.manifest.v1+json",
			"config":        descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: "sha256:" + configHex, Size: len(config)},
			"layers":        layerDescs,
		})
		manifestHex := putBlob(ociManifest)
		for _, tag := range m.RepoTags {
			named, err := reference.ParseNormalizedNamed(tag)
			if err != nil {
				t.Fatal(err)
			}
			tagOnly := tag[strings.LastIndex(tag, ":")+1:]
			index = append(index, descriptor{
				MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: "sha256:" + manifestHex, Size: len(ociManifest),
				Annotations: map[string]string{"io.containerd.image.name": named.String(), "org.opencontainers.image.ref.name": tagOnly},
			})
		}
		newManifest = append(newManifest, map[string]any{"Config": "blobs/sha256/" + configHex, "RepoTags": m.RepoTags, "Layers": layerPaths})
	}
	put("index.json", mustMarshal(t, map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": index}))
	// Docker 25+ writes manifest.json near the end of the stream.
	put("manifest.json", mustMarshal(t, newManifest))
	if repos, ok := files["repositories"]; ok {
		put("repositories", repos)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outPath, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// uncompressed returns a layer as the graphdriver store saves it: a plain
// tar (the containerd store saves layers gzip-compressed, as pulled).
func uncompressed(t testing.TB, layer []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(layer, []byte{0x1f, 0x8b}) {
		return layer
	}
	zr, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	return data
}

// readTar reads every regular file and symlink target of a tar into memory
// (test archives are small).
func readTar(t testing.TB, p string) map[string][]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		switch h.Typeflag {
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = data
		case tar.TypeSymlink:
			files[h.Name] = []byte("->" + path.Join(path.Dir(h.Name), h.Linkname))
		}
	}
}

// resolve follows the relative symlinks Docker ≤24 writes for duplicate
// layers.
func resolve(files map[string][]byte, name string) string {
	for i := 0; i < 8; i++ {
		data := files[name]
		if !bytes.HasPrefix(data, []byte("->")) {
			return name
		}
		name = string(data[2:])
	}
	return name
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SplitLayout writes a Docker 25+ layout (see Docker25Layout) that is two
// saves at once: its manifest.json says name is the image of manifestFrom,
// its index.json says name is the image of indexFrom (each a docker save of
// one image), and it holds both images' blobs. A graphdriver daemon's
// docker load reads manifest.json, the containerd store's index.json.
func SplitLayout(t testing.TB, manifestFrom, indexFrom, name, outPath string) {
	t.Helper()
	dir := t.TempDir()
	a, b := path.Join(dir, "a.tar"), path.Join(dir, "b.tar")
	Docker25Layout(t, manifestFrom, a)
	Docker25Layout(t, indexFrom, b)
	files, other := readTar(t, a), readTar(t, b)

	var manifest []map[string]any
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	for _, m := range manifest {
		m["RepoTags"] = []string{name}
	}
	files["manifest.json"] = mustMarshal(t, manifest)

	var index struct {
		SchemaVersion int              `json:"schemaVersion"`
		MediaType     string           `json:"mediaType"`
		Manifests     []map[string]any `json:"manifests"`
	}
	if err := json.Unmarshal(other["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	index.Manifests = index.Manifests[:1]
	index.Manifests[0]["annotations"] = map[string]string{
		"io.containerd.image.name":          named.String(),
		"org.opencontainers.image.ref.name": name[strings.LastIndex(name, ":")+1:],
	}
	files["index.json"] = mustMarshal(t, index)
	for k, v := range other {
		if strings.HasPrefix(k, "blobs/") {
			files[k] = v
		}
	}
	delete(files, "repositories")
	writeFiles(t, outPath, files)
}

// OCILayoutOnly writes the Docker 25+ layout of a docker save archive (see
// Docker25Layout) less its manifest.json and repositories: a bare OCI image
// layout, as podman save --format oci-archive or skopeo write one.
func OCILayoutOnly(t testing.TB, from, outPath string) {
	t.Helper()
	tmp := path.Join(t.TempDir(), "oci.tar")
	Docker25Layout(t, from, tmp)
	files := readTar(t, tmp)
	delete(files, "manifest.json")
	delete(files, "repositories")
	writeFiles(t, outPath, files)
}

// IndexNameOnly writes the Docker 25+ layout of a docker save archive (see
// Docker25Layout) whose manifest.json gives its image the tags (none, or
// others), while index.json still names it as docker save did: only the
// containerd store and Podman load that name.
func IndexNameOnly(t testing.TB, from, outPath string, tags ...string) {
	t.Helper()
	tmp := path.Join(t.TempDir(), "docker25.tar")
	Docker25Layout(t, from, tmp)
	files := readTar(t, tmp)
	var manifest []map[string]any
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	for _, m := range manifest {
		m["RepoTags"] = append([]string{}, tags...)
	}
	files["manifest.json"] = mustMarshal(t, manifest)
	delete(files, "repositories")
	writeFiles(t, outPath, files)
}

// writeFiles writes regular files to a tar at outPath, in name order, the
// metadata files last as Docker 25+ writes them.
func writeFiles(t testing.TB, outPath string, files map[string][]byte) {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int {
		xb, yb := strings.HasPrefix(x, "blobs/"), strings.HasPrefix(y, "blobs/")
		if xb != yb {
			if xb {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outPath, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
