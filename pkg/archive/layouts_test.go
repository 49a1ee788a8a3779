package archive

// Generators for the layouts the local daemon (Docker 20.10) cannot write:
// Docker 25+ (OCI layout plus manifest.json), the containerd image store,
// and Podman's docker-archive. They are built strictly from the shapes their
// writers produce (moby daemon/internal/image/tarexport/save.go,
// containerd core/images/archive/exporter.go, containers/image
// docker/internal/tarfile/writer.go); testdata/archives holds real ones. Docker ≤24 archives
// come from the real daemon instead (testdata/archives/docker20-*).

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ociLayoutFile is the oci-layout file every OCI image layout holds.
var ociLayoutFile = tarFile{name: "oci-layout", body: []byte(`{"imageLayoutVersion":"1.0.0"}`)}

// tarFile is one entry of a generated archive.
type tarFile struct {
	name string
	body []byte
	link string // a symlink when set
	typ  byte   // overrides the type when set
	size int64  // overrides the declared size when set
}

func writeTar(t testing.TB, files []tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		switch {
		case f.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size, hdr.Mode = tar.TypeSymlink, f.link, 0, 0o777
		case strings.HasSuffix(f.name, "/"):
			hdr.Typeflag, hdr.Size, hdr.Mode = tar.TypeDir, 0, 0o755
		}
		if f.typ != 0 {
			hdr.Typeflag = f.typ
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) digest.Digest { return digest.FromBytes(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t testing.TB, b []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

// testImage is an image to lay out: a config and its uncompressed layers.
type testImage struct {
	config  []byte
	layers  [][]byte // uncompressed tars
	diffIDs []digest.Digest
	os      string
	arch    string
}

// newTestImage makes an image whose layers each hold one small file; seed
// makes different images differ.
func newTestImage(t testing.TB, seed, arch string, nLayers int) *testImage {
	t.Helper()
	img := &testImage{os: "linux", arch: arch}
	for i := range nLayers {
		l := writeTar(t, []tarFile{{name: fmt.Sprintf("file%d", i), body: []byte(fmt.Sprintf("%s layer %d\n", seed, i))}})
		img.layers = append(img.layers, l)
		img.diffIDs = append(img.diffIDs, sha(l))
	}
	img.config = mustJSON(t, map[string]any{
		"architecture": arch, "os": "linux",
		"config": map[string]any{"Cmd": []string{"/file0"}, "Labels": map[string]string{"seed": seed}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": img.diffIDs},
	})
	return img
}

func (img *testImage) id() digest.Digest { return sha(img.config) }

// blobName is where an OCI layout keeps the blob d.
func blobName(d digest.Digest) string { return "blobs/sha256/" + d.Encoded() }

// docker25Archive lays images out as Docker 25+ on the graphdriver store
// does (moby tarexport/save.go since 25.0): blobs/sha256 holding the config (named by the
// image ID), the uncompressed layers (named by DiffID), one synthesized OCI
// manifest per image and unreferenced v1 configs; manifest.json with
// LayerSources for every layer; index.json with one annotated entry per
// tag; repositories when tagged; manifest.json near the end of the stream.
func docker25Archive(t testing.TB, imgs map[*testImage][]string) []byte {
	t.Helper()
	var blobs, tail []tarFile
	var entries []manifestEntry
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{}}
	idx.SchemaVersion = 2
	repos := map[string]map[string]string{}
	seen := map[string]bool{}
	addBlob := func(b []byte) digest.Digest {
		d := sha(b)
		if !seen[d.String()] {
			seen[d.String()] = true
			blobs = append(blobs, tarFile{name: blobName(d), body: b})
		}
		return d
	}
	for _, img := range sortedImages(imgs) {
		tags := imgs[img]
		id := addBlob(img.config)
		m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest,
			Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: id, Size: int64(len(img.config))}}
		m.SchemaVersion = 2
		e := manifestEntry{Config: blobName(id), RepoTags: tags, LayerSources: map[digest.Digest]ocispec.Descriptor{}}
		for i, l := range img.layers {
			d := addBlob(l)
			desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: int64(len(l))}
			m.Layers = append(m.Layers, desc)
			e.Layers = append(e.Layers, blobName(d))
			e.LayerSources[d] = desc
			addBlob(mustJSON(t, map[string]any{"id": fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(id, i)))), "os": "linux"})) // v1 config, unreferenced
		}
		mb := mustJSON(t, m)
		md := addBlob(mb)
		entries = append(entries, e)
		desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(mb))}
		if len(tags) == 0 {
			idx.Manifests = append(idx.Manifests, desc)
		}
		for _, tag := range tags {
			d := desc
			repo, tg, _ := strings.Cut(tag, ":")
			d.Annotations = map[string]string{"io.containerd.image.name": fullName(tag), "org.opencontainers.image.ref.name": tg}
			idx.Manifests = append(idx.Manifests, d)
			if repos[repo] == nil {
				repos[repo] = map[string]string{}
			}
			repos[repo][tg] = id.Encoded()
		}
	}
	tail = append(tail,
		tarFile{name: "index.json", body: mustJSON(t, idx)},
		tarFile{name: "manifest.json", body: mustJSON(t, entries)},
		tarFile{name: "oci-layout", body: []byte(`{"imageLayoutVersion":"1.0.0"}`)})
	if len(repos) > 0 {
		tail = append(tail, tarFile{name: "repositories", body: mustJSON(t, repos)})
	}
	return writeTar(t, append(append([]tarFile{{name: "blobs/"}, {name: "blobs/sha256/"}}, blobs...), tail...))
}

// fullName is what io.containerd.image.name holds for a short tag.
func fullName(tag string) string {
	if strings.Count(tag, "/") == 0 {
		return "docker.io/library/" + tag
	}
	if first, _, _ := strings.Cut(tag, "/"); !strings.ContainsAny(first, ".:") && first != "localhost" {
		return "docker.io/" + tag
	}
	return tag
}

func sortedImages(imgs map[*testImage][]string) []*testImage {
	var out []*testImage
	for img := range imgs {
		out = append(out, img)
	}
	// Stable order: by config digest.
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].id() < out[i].id() {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// containerdImage is one name of a containerd-store save: a target that is
// either one platform manifest or an index over several platforms.
type containerdImage struct {
	names     []string     // empty when saved by digest
	platforms []*testImage // one: the target is a manifest; more: an index
	missing   map[int]bool // platforms whose manifest is not in the archive
	compress  string       // "gzip" (default) or "zstd"
	attest    bool         // add an attestation manifest to the index (not saved)
	manifests []ocispec.Descriptor
	target    ocispec.Descriptor
}

// containerdArchive lays images out as the containerd image store does
// (containerd's archive exporter): blobs copied as in the content store, so layers
// stay compressed; index.json with one entry per name whose annotations
// carry the names (none for images saved by digest); the index blob kept
// while missing platforms' blobs are omitted; manifest.json entries of
// {Config, RepoTags, Layers} pointing at one platform manifest each; no
// repositories file.
func containerdArchive(t testing.TB, imgs ...*containerdImage) []byte {
	t.Helper()
	var blobs []tarFile
	seen := map[digest.Digest]bool{}
	addBlob := func(b []byte, keep bool) digest.Digest {
		d := sha(b)
		if keep && !seen[d] {
			seen[d] = true
			blobs = append(blobs, tarFile{name: blobName(d), body: b})
		}
		return d
	}
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
	idx.SchemaVersion = 2
	var entries []manifestEntry
	for _, ci := range imgs {
		layerMT := ocispec.MediaTypeImageLayerGzip
		if ci.compress == "zstd" {
			layerMT = ocispec.MediaTypeImageLayerZstd
		}
		var hostEntry *manifestEntry
		ci.manifests = nil
		for pi, img := range ci.platforms {
			keep := !ci.missing[pi]
			cd := addBlob(img.config, keep)
			m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest,
				Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(img.config))}}
			m.SchemaVersion = 2
			e := manifestEntry{Config: blobName(cd)}
			for _, l := range img.layers {
				c := gzipped(t, l)
				if ci.compress == "zstd" {
					c = zstded(t, l)
				}
				d := addBlob(c, keep)
				m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: layerMT, Digest: d, Size: int64(len(c))})
				e.Layers = append(e.Layers, blobName(d))
			}
			mb := mustJSON(t, m)
			md := addBlob(mb, keep)
			ci.manifests = append(ci.manifests, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(mb)),
				Platform: &ocispec.Platform{OS: img.os, Architecture: img.arch}})
			if keep && hostEntry == nil {
				hostEntry = &e
			}
		}
		if ci.attest {
			// An attestation manifest whose blobs were not saved.
			ci.manifests = append(ci.manifests, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest,
				Digest: sha([]byte("attestation")), Size: 11, Platform: &ocispec.Platform{OS: "unknown", Architecture: "unknown"},
				Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"}})
		}
		if len(ci.manifests) == 1 {
			ci.target = ci.manifests[0]
			ci.target.Platform = nil
		} else {
			sub := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: ci.manifests}
			sub.SchemaVersion = 2
			sb := mustJSON(t, sub)
			ci.target = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: addBlob(sb, true), Size: int64(len(sb))}
		}
		if len(ci.names) == 0 {
			idx.Manifests = append(idx.Manifests, ci.target)
		}
		for _, n := range ci.names {
			d := ci.target
			_, tag, _ := strings.Cut(n[strings.LastIndex(n, "/")+1:], ":")
			d.Annotations = map[string]string{"io.containerd.image.name": fullName(n), "org.opencontainers.image.ref.name": tag}
			idx.Manifests = append(idx.Manifests, d)
		}
		if hostEntry != nil {
			hostEntry.RepoTags = ci.names
			entries = append(entries, *hostEntry)
		}
	}
	files := append([]tarFile{{name: "blobs/"}, {name: "blobs/sha256/"}}, blobs...)
	files = append(files,
		tarFile{name: "index.json", body: mustJSON(t, idx)},
		tarFile{name: "manifest.json", body: mustJSON(t, entries)},
		tarFile{name: "oci-layout", body: []byte(`{"imageLayoutVersion":"1.0.0"}`)})
	return writeTar(t, files)
}

// podmanArchive lays an image out as Podman's docker-archive does
// (containers/image docker/internal/tarfile/writer.go): manifest.json
// with Config <hex>.json, fully qualified RepoTags and Layers <digest>.tar
// (uncompressed) at the root; repositories keyed by the full name; and a
// legacy <id>/{VERSION,json,layer.tar} folder per layer whose layer.tar is a
// symlink to ../<diffid>.tar.
func podmanArchive(t testing.TB, img *testImage, tags ...string) []byte {
	t.Helper()
	id := img.id()
	files := []tarFile{}
	e := manifestEntry{Config: id.Encoded() + ".json"}
	for _, tag := range tags {
		e.RepoTags = append(e.RepoTags, fullName(tag))
	}
	var legacy []tarFile
	for i, l := range img.layers {
		d := sha(l)
		files = append(files, tarFile{name: d.Encoded() + ".tar", body: l})
		e.Layers = append(e.Layers, d.Encoded()+".tar")
		v1 := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(id, i))))
		legacy = append(legacy,
			tarFile{name: v1 + "/"},
			tarFile{name: v1 + "/VERSION", body: []byte("1.0")},
			tarFile{name: v1 + "/json", body: []byte(`{"id":"` + v1 + `"}`)},
			tarFile{name: v1 + "/layer.tar", link: "../" + d.Encoded() + ".tar"})
	}
	files = append(files, tarFile{name: id.Encoded() + ".json", body: img.config})
	files = append(files, legacy...)
	repos := map[string]map[string]string{}
	for _, tag := range e.RepoTags {
		i := strings.LastIndex(tag, ":")
		repos[tag[:i]] = map[string]string{tag[i+1:]: id.Encoded()}
	}
	files = append(files,
		tarFile{name: "manifest.json", body: mustJSON(t, []manifestEntry{e})},
		tarFile{name: "repositories", body: mustJSON(t, repos)})
	return writeTar(t, files)
}

// legacyArchive lays an image out as Docker ≤24 does (moby tarexport/save.go up to 24.0),
// for tests that need to edit one; the real fixtures are in testdata.
func legacyArchive(t testing.TB, img *testImage, tags ...string) []byte {
	t.Helper()
	id := img.id()
	e := manifestEntry{Config: id.Encoded() + ".json", RepoTags: tags}
	files := []tarFile{}
	seen := map[digest.Digest]string{}
	for i, l := range img.layers {
		v1 := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(id, i))))
		files = append(files, tarFile{name: v1 + "/"}, tarFile{name: v1 + "/VERSION", body: []byte("1.0")},
			tarFile{name: v1 + "/json", body: []byte(`{"id":"` + v1 + `"}`)})
		if other, ok := seen[sha(l)]; ok {
			files = append(files, tarFile{name: v1 + "/layer.tar", link: "../" + other + "/layer.tar"})
		} else {
			files = append(files, tarFile{name: v1 + "/layer.tar", body: l})
			seen[sha(l)] = v1
		}
		e.Layers = append(e.Layers, v1+"/layer.tar")
	}
	files = append(files, tarFile{name: id.Encoded() + ".json", body: img.config},
		tarFile{name: "manifest.json", body: mustJSON(t, []manifestEntry{e})})
	return writeTar(t, files)
}
