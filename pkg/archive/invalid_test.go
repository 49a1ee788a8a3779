package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// entryOffset is where the content of the entry name starts in the tar.
func entryOffset(t testing.TB, data []byte, name string) (int64, int64) {
	t.Helper()
	r := bytes.NewReader(data)
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s in the archive: %v", name, err)
		}
		if hdr.Name == name {
			pos, _ := r.Seek(0, io.SeekCurrent)
			return pos, hdr.Size
		}
	}
}

func flip(data []byte, at int64) []byte {
	out := bytes.Clone(data)
	out[at] ^= 0x01
	return out
}

// wantInvalid fails unless err is an *InvalidError whose reason holds want.
func wantInvalid(t testing.TB, err error, want string) {
	t.Helper()
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("got %v, want an InvalidError saying %q", err, want)
	}
	if !strings.Contains(inv.Reason, want) {
		t.Errorf("reason %q, want it to say %q", inv.Reason, want)
	}
	if strings.Contains(inv.Reason, "\n") {
		t.Errorf("reason %q is more than one line", inv.Reason)
	}
}

// gzipBomb is a gzip stream of a tar whose one entry declares size bytes
// of zeros, made of repeated gzip members so that it costs little to build.
func gzipBomb(t testing.TB, name string, size int64) []byte {
	t.Helper()
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o644, Typeflag: tar.TypeReg})
	out := gzipped(t, hdr.Bytes())
	var zeros bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zeros, gzip.BestCompression)
	zw.Write(make([]byte, 16<<20))
	zw.Close()
	for n := int64(0); n < size; n += 16 << 20 {
		out = append(out, zeros.Bytes()...)
	}
	return out
}

func TestVerifyInvalid(t *testing.T) {
	oldFloor := expansionFloor
	expansionFloor = 4 << 20
	defer func() { expansionFloor = oldFloor }()

	legacy := gunzip(t, readFixture(t, "docker20-app.tar.gz"))
	app := newTestImage(t, "app", "amd64", 2)
	other := newTestImage(t, "other", "amd64", 2)
	appID := app.id().Encoded()
	goodManifest := mustJSON(t, []manifestEntry{{Config: appID + ".json", RepoTags: []string{"app:v1"}, Layers: []string{"l0/layer.tar", "l1/layer.tar"}}})
	legacyFiles := func(mutate func([]tarFile) []tarFile) []byte {
		files := []tarFile{
			{name: "l0/layer.tar", body: app.layers[0]},
			{name: "l1/layer.tar", body: app.layers[1]},
			{name: appID + ".json", body: app.config},
			{name: "manifest.json", body: goodManifest},
		}
		return writeTar(t, mutate(files))
	}
	var legacyLayer string
	for _, n := range tarNames(t, legacy) {
		if strings.HasSuffix(n, "/layer.tar") {
			legacyLayer = n
		}
	}
	lOff, lSize := entryOffset(t, legacy, legacyLayer)
	cOff, _ := entryOffset(t, legacy, strings.TrimPrefix(fixtureAppID, "sha256:")+".json")

	ci := &containerdImage{names: []string{"my-app:v1"}, platforms: []*testImage{app}}
	ctrd := containerdArchive(t, ci)
	d25 := docker25Archive(t, map[*testImage][]string{app: {"my-app:v1"}})
	d25ConfigOff, _ := entryOffset(t, d25, blobName(app.id()))

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty file", nil, "empty"},
		{"not a tar", bytes.Repeat([]byte("hello, not a tar\n"), 100), "not a tar file"},
		{"short garbage", []byte("x"), "not a tar file"},
		{"zero blocks only", make([]byte, 10240), "empty tar"},
		{"tar without manifest", writeTar(t, []tarFile{{name: "hello.txt", body: []byte("hi")}}), "neither manifest.json nor index.json"},
		{"flipped byte in a layer", flip(legacy, lOff+lSize/2), "is not the image's"},
		{"flipped byte in the config", flip(legacy, cOff+20), "is corrupted"},
		{"flipped byte in a blob", flip(d25, d25ConfigOff+5), "is corrupted"},
		{"flipped byte in a tar header", flip(legacy, 512+100), "corrupted after"},
		{"flipped byte in the first tar header", flip(legacy, 20), "first tar header is damaged"},
		{"layer swapped for another image's", legacyFiles(func(f []tarFile) []tarFile { f[1].body = other.layers[1]; return f }), "layer 2 of the image app:v1 (l1/layer.tar) is not the image's"},
		{"missing layer", legacyFiles(func(f []tarFile) []tarFile { return f[1:] }), "lacks l0/layer.tar"},
		{"missing config", legacyFiles(func(f []tarFile) []tarFile { return append(f[:2], f[3]) }), "lacks " + appID},
		{"manifest not JSON", legacyFiles(func(f []tarFile) []tarFile { f[3].body = []byte("[{nope"); return f }), "manifest.json"},
		{"manifest with an invalid tag", legacyFiles(func(f []tarFile) []tarFile {
			f[3].body = bytes.Replace(goodManifest, []byte("app:v1"), []byte("App:V1"), 1)
			return f
		}), "not a valid name"},
		{"manifest naming ../", legacyFiles(func(f []tarFile) []tarFile {
			f[3].body = bytes.Replace(goodManifest, []byte("l0/layer.tar"), []byte("../l0/layer.tar"), 1)
			return f
		}), "outside the archive"},
		{"name with ..", legacyFiles(func(f []tarFile) []tarFile { return append(f, tarFile{name: "x/../../evil", body: []byte("x")}) }), "escapes the archive"},
		{"absolute name", legacyFiles(func(f []tarFile) []tarFile { return append(f, tarFile{name: "/etc/evil", body: []byte("x")}) }), "absolute name"},
		{"symlink outside", legacyFiles(func(f []tarFile) []tarFile { f[0] = tarFile{name: "l0/layer.tar", link: "../../etc/passwd"}; return f }), "points outside the archive"},
		{"absolute symlink", legacyFiles(func(f []tarFile) []tarFile { f[0] = tarFile{name: "l0/layer.tar", link: "/etc/passwd"}; return f }), "points outside the archive"},
		{"symlink loop", legacyFiles(func(f []tarFile) []tarFile {
			f[0] = tarFile{name: "l0/layer.tar", link: "../l2/layer.tar"}
			return append(f, tarFile{name: "l2/layer.tar", link: "../l0/layer.tar"})
		}), "loop"},
		{"unreferenced symlink loop", legacyFiles(func(f []tarFile) []tarFile { return append(f, tarFile{name: "a", link: "a"}) }), "loop"},
		{"dangling symlink layer", legacyFiles(func(f []tarFile) []tarFile {
			f[0] = tarFile{name: "l0/layer.tar", link: "../nowhere/layer.tar"}
			return f
		}), "lacks l0/layer.tar"},
		{"duplicate entries with different content", legacyFiles(func(f []tarFile) []tarFile {
			return append(f, tarFile{name: "l0/layer.tar", body: other.layers[0]})
		}), "twice, with different content"},
		{"declared size larger than the file", func() []byte {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: "blobs/sha256/" + strings.Repeat("a", 64), Size: 1 << 30, Mode: 0o644})
			tw.Write([]byte("only this"))
			return b.Bytes()
		}(), "truncated"},
		{"huge manifest.json declared", func() []byte {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: "manifest.json", Size: 3 << 30, Mode: 0o644})
			tw.Write([]byte("[{"))
			return b.Bytes()
		}(), "manifest.json is 3.0 GiB, more than the 16.0 MiB"},
		{"huge index.json", writeTar(t, []tarFile{{name: "index.json", body: append([]byte(`{"manifests":[`), bytes.Repeat([]byte(" "), MaxJSONSize)...)}}), "index.json is 16.0 MiB"},
		{"huge config", func() []byte {
			big := newTestImage(t, "big", "amd64", 1)
			big.config = append(big.config, bytes.Repeat([]byte(" "), MaxJSONSize)...)
			return legacyArchive(t, big, "big:v1")
		}(), "more than the 16.0 MiB"},
		{"xz dictionary over 64 MiB", func() []byte {
			xz := bytes.Clone(readFixture(t, "docker20-app.tar.xz"))
			if xz[16] != 0x1c { // LZMA2 dictionary of the first block: 64 MiB
				t.Fatalf("unexpected xz block header % x", xz[12:20])
			}
			xz[16] = 40 // 4 GiB
			return xz
		}(), "4.0 GiB dictionary"},
		{"gzip bomb", gzipBomb(t, "blobs/sha256/"+strings.Repeat("b", 64), 8<<30), "compression bomb"},
		{"corrupt gzip stream before the first header", flip(readFixture(t, "docker20-app.tar.gz"), 30), "the archive is corrupt: its gzip stream does not decompress"},
		{"corrupt bzip2 stream before the first header", flip(readFixture(t, "docker20-app.tar.bz2"), 60), "its bzip2 stream"},
		{"corrupt zstd stream", flip(readFixture(t, "docker20-app.tar.zst"), 40), "its zstd stream"},
		{"gzip of something else", gzipped(t, bytes.Repeat([]byte("not a tar\n"), 100)), "gzip-compressed, but what it holds is not a tar file"},
		{"descriptor size mismatch", func() []byte {
			return bytes.Replace(ctrd, []byte(fmt.Sprintf(`"size":%d,"annotations"`, ci.target.Size)), []byte(fmt.Sprintf(`"size":%d,"annotations"`, ci.target.Size+1)), 1)
		}(), "says"},
		{"index.json names a missing blob", writeTar(t, []tarFile{ociLayoutFile, {name: "index.json", body: mustJSON(t, ocispec.Index{Manifests: []ocispec.Descriptor{{
			MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("x"), Size: 1}}})}}), "but the archive lacks blobs/sha256/"},
		{"layer not compressed as its media type says", containerdArchiveWith(t, app, func(layer []byte) []byte { return layer }), "not gzip-compressed"},
		{"corrupted gzip layer", containerdArchiveWith(t, app, func(layer []byte) []byte {
			gz := gzipped(t, layer)
			gz[len(gz)-5] ^= 0xff // the CRC
			return gz
		}), "is corrupt: its gzip stream does not decompress"},
		{"zstd layer bomb", containerdArchiveWith(t, &testImage{config: mustJSON(t, map[string]any{"rootfs": map[string]any{"type": "layers",
			"diff_ids": []digest.Digest{digest.FromBytes(make([]byte, 64<<20))}}}), layers: [][]byte{make([]byte, 64<<20)}}, func(layer []byte) []byte { return zstded(t, layer) }),
			"compression bomb"},
		{"too many files", func() []byte {
			files := make([]tarFile, maxEntries+1)
			for i := range files {
				files[i] = tarFile{name: fmt.Sprintf("d%d/", i)}
			}
			return writeTar(t, files)
		}(), "more than 20000 files"},
		{"long name", writeTar(t, []tarFile{{name: strings.Repeat("a/", 600), body: nil}}), "name is 1200 bytes long"},
		{"no image", legacyFiles(func(f []tarFile) []tarFile { f[3].body = []byte("[]"); return f }), "holds no image"},
		{"layer that is a folder", legacyFiles(func(f []tarFile) []tarFile { f[0] = tarFile{name: "l0/layer.tar/"}; return f }), "is not a file"},
		{"hard link outside", legacyFiles(func(f []tarFile) []tarFile {
			return append(f, tarFile{name: "h", link: "../x", typ: tar.TypeLink})
		}), "points outside the archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifyBoth(t, tc.data)
			wantInvalid(t, err, tc.want)
		})
	}
}

// containerdArchiveWith is a one-platform containerd archive whose layers
// are stored as compress makes them, declared as gzip.
func containerdArchiveWith(t testing.TB, img *testImage, compress func([]byte) []byte) []byte {
	t.Helper()
	var files []tarFile
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: sha(img.config), Size: int64(len(img.config))}}
	m.SchemaVersion = 2
	files = append(files, tarFile{name: blobName(sha(img.config)), body: img.config})
	for _, l := range img.layers {
		c := compress(l)
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: sha(c), Size: int64(len(c))})
		files = append(files, tarFile{name: blobName(sha(c)), body: c})
	}
	mb := mustJSON(t, m)
	files = append(files, tarFile{name: blobName(sha(mb)), body: mb}, ociLayoutFile,
		tarFile{name: "index.json", body: mustJSON(t, ocispec.Index{Manifests: []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageManifest, Digest: sha(mb), Size: int64(len(mb))}}})})
	return writeTar(t, files)
}

func tarNames(t testing.TB, data []byte) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return names
		}
		names = append(names, hdr.Name)
	}
}

// TestVerifyTruncated cuts real and generated archives at many points:
// every cut must be found, whether read as a file or as a stream.
func TestVerifyTruncated(t *testing.T) {
	archives := map[string][]byte{
		"docker20":         gunzip(t, readFixture(t, "docker20-dup-symlink.tar.gz")),
		"docker20.tar.gz":  readFixture(t, "docker20-app.tar.gz"),
		"docker20.tar.zst": readFixture(t, "docker20-app.tar.zst"),
		"containerd":       containerdArchive(t, &containerdImage{names: []string{"a:b"}, platforms: []*testImage{newTestImage(t, "x", "amd64", 2)}}),
	}
	for name, data := range archives {
		step := max(len(data)/300, 1)
		for cut := 0; cut < len(data); cut += step {
			_, err := verifyBoth(t, data[:cut])
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("%s cut at %d of %d: %v, want invalid", name, cut, len(data), err)
			}
		}
	}
}

func TestVerifyDuplicateSameContent(t *testing.T) {
	app := newTestImage(t, "app", "amd64", 1)
	data := legacyArchive(t, app, "app:v1")
	files := []tarFile{{name: "extra", body: []byte("same")}, {name: "extra", body: []byte("same")}}
	data = append(writeTar(t, files)[:1024], data...) // two entries, then the archive
	if _, err := verifyBoth(t, data); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCancelMidway(t *testing.T) {
	data := legacyArchive(t, newTestImage(t, "c", "amd64", 3), "c:v1")
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancelAfter{r: bytes.NewReader(data), n: 2000, cancel: cancel}
	_, err := Verify(ctx, streamOnly{r}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p[:min(len(p), 512)])
	c.n -= n
	return n, err
}

// TestVerifyLinkedFolder follows a symlink on a folder of a path, as the
// file system docker load extracts to would.
func TestVerifyLinkedFolder(t *testing.T) {
	app := newTestImage(t, "app", "amd64", 1)
	id := app.id().Encoded()
	data := writeTar(t, []tarFile{
		{name: "real/layer.tar", body: app.layers[0]},
		{name: "alias", link: "real"},
		{name: "chain", link: "./alias"},
		{name: id + ".json", body: app.config},
		{name: "manifest.json", body: mustJSON(t, []manifestEntry{{Config: id + ".json", RepoTags: []string{"app:v1"}, Layers: []string{"chain/layer.tar"}}})},
	})
	if _, err := verifyBoth(t, data); err != nil {
		t.Fatal(err)
	}
}
