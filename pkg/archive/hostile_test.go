package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ulikunitz/xz"
)

// Hostile archives, each small, each aimed at one bound. The tests below
// prove the bounds by what the verifier spent (bytes, steps, parses), never
// by a clock; TestHostileMemory measures their peak RSS.

// foreignLayerArchive declares its only layer foreign in LayerSources and
// holds no byte of it.
func foreignLayerArchive(t testing.TB) []byte {
	img := newTestImage(t, "foreign", "amd64", 1)
	id := img.id().Encoded()
	e := manifestEntry{Config: id + ".json", RepoTags: []string{"foreign:v1"}, Layers: []string{"l0/layer.tar"},
		LayerSources: map[digest.Digest]ocispec.Descriptor{img.diffIDs[0]: {
			MediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Digest: sha([]byte("remote")), Size: 6,
			URLs: []string{"https://example.invalid/layer"}}}}
	return writeTar(t, []tarFile{{name: id + ".json", body: img.config}, {name: "manifest.json", body: mustJSON(t, []manifestEntry{e})}})
}

// indexChainArchive is an OCI layout whose index.json lists an index that
// lists the next one fanout times, levels deep, down to one manifest: a
// walk that copies per path costs fanout^levels.
func indexChainArchive(t testing.TB, levels, fanout int) []byte {
	return ociLayoutNamed(t, levels, fanout, "docker.io/library/chain:v1")
}

// ociLayoutNamed is indexChainArchive whose index.json entry has the
// given name.
func ociLayoutNamed(t testing.TB, levels, fanout int, name string) []byte {
	img := newTestImage(t, "chain", "amd64", 1)
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: img.id(), Size: int64(len(img.config))},
		Layers: []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer, Digest: sha(img.layers[0]), Size: int64(len(img.layers[0]))}}}
	m.SchemaVersion = 2
	mb := mustJSON(t, m)
	files := []tarFile{ociLayoutFile, {name: blobName(img.id()), body: img.config}, {name: blobName(sha(img.layers[0])), body: img.layers[0]}, {name: blobName(sha(mb)), body: mb}}
	below := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: sha(mb), Size: int64(len(mb))}
	for range levels {
		idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
		idx.SchemaVersion = 2
		for range fanout {
			idx.Manifests = append(idx.Manifests, below)
		}
		b := mustJSON(t, idx)
		files = append(files, tarFile{name: blobName(sha(b)), body: b})
		below = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: sha(b), Size: int64(len(b))}
	}
	below.Annotations = map[string]string{annotationImageName: name}
	files = append(files, tarFile{name: "index.json", body: mustJSON(t, ocispec.Index{Manifests: []ocispec.Descriptor{below}})})
	return writeTar(t, files)
}

// sharedConfigArchive has n manifest.json entries that share one config
// of about configSize bytes.
func sharedConfigArchive(t testing.TB, n, configSize int) []byte {
	img := newTestImage(t, "shared", "amd64", 1)
	cfg := mustJSON(t, map[string]any{"architecture": "amd64", "os": "linux", "padding": strings.Repeat("x", configSize),
		"rootfs": map[string]any{"type": "layers", "diff_ids": img.diffIDs}})
	id := sha(cfg).Encoded()
	entries := make([]manifestEntry, n)
	for i := range entries {
		entries[i] = manifestEntry{Config: id + ".json", Layers: []string{"l/layer.tar"}}
	}
	return writeTar(t, []tarFile{{name: "l/layer.tar", body: img.layers[0]}, {name: id + ".json", body: cfg}, {name: "manifest.json", body: mustJSON(t, entries)}})
}

// zstdBombsArchive holds n entries that each start with zstd magic and
// expand to each bytes of zeros.
func zstdBombsArchive(t testing.TB, n int, each int64) []byte {
	zw, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithWindowSize(1<<20))
	frame := zw.EncodeAll(make([]byte, each), nil)
	files := make([]tarFile, n)
	for i := range files {
		files[i] = tarFile{name: fmt.Sprintf("bomb%05d", i), body: frame}
	}
	return writeTar(t, files)
}

// emptyDescriptorsArchive is an index.json of size bytes of {} descriptors.
func emptyDescriptorsArchive(t testing.TB, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schemaVersion":2,"manifests":[{}`)
	for b.Len() < size-8 {
		b.WriteString(`,{}`)
	}
	b.WriteString(`]}`)
	return writeTar(t, []tarFile{ociLayoutFile, {name: "index.json", body: b.Bytes()}})
}

// xzStreams is the real xz fixture followed by a second stream whose first
// block declares a 4 GiB dictionary.
func xzSecondStream(t testing.TB) []byte {
	first := readFixture(t, "docker20-app.tar.xz")
	second := bytes.Clone(first)
	if second[16] != 0x1c { // LZMA2 dictionary of the first block: 64 MiB
		t.Fatalf("unexpected xz block header % x", second[12:20])
	}
	second[16] = 40 // 4 GiB
	fixXzHeaderCRC(second[12:])
	return append(bytes.Clone(first), second...)
}

// xzSecondBlock is one xz stream of several blocks whose last block
// declares a 4 GiB dictionary.
func xzSecondBlock(t testing.TB) []byte {
	data := gunzip(t, readFixture(t, "docker20-app.tar.gz"))
	var buf bytes.Buffer
	w, err := xz.WriterConfig{BlockSize: 4096, DictCap: 1 << 20}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	// A block header: size byte, flags, [sizes], filter 0x21, 1, dict.
	prop := byte(0x10) // 1 MiB
	last := bytes.LastIndex(out, []byte{0x21, 0x01, prop})
	if last < 0 || bytes.Count(out, []byte{0x21, 0x01, prop}) < 2 {
		t.Fatalf("no second block header in % x", out[:32])
	}
	start := last - 2 // size byte, flags (no sizes), then the filter
	if out[start+1] != 0 {
		t.Fatalf("unexpected block flags % x", out[start:last+3])
	}
	out[last+2] = 40
	fixXzHeaderCRC(out[start:])
	return out
}

// fixXzHeaderCRC recomputes the CRC32 of the xz block header at hdr[0],
// so that only the guard can refuse it.
func fixXzHeaderCRC(hdr []byte) {
	size := (int(hdr[0]) + 1) * 4
	binary.LittleEndian.PutUint32(hdr[size-4:], crc32.ChecksumIEEE(hdr[:size-4]))
}

func TestForeignLayerIsMissing(t *testing.T) {
	_, err := verifyBoth(t, foreignLayerArchive(t))
	wantInvalid(t, err, "declares it foreign")
}

// TestIndexChainWalkedOnce: 16 levels of indexes each listing the next 4
// times is 4^16 paths; each blob is walked once, so the steps stay near the
// number of descriptors.
func TestIndexChainWalkedOnce(t *testing.T) {
	data := indexChainArchive(t, 16, 4)
	v, rep, err := verify(context.Background(), bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 1 || strings.Join(rep.Images[0].Names, ",") != "docker.io/library/chain:v1" {
		t.Fatalf("images %+v", rep.Images)
	}
	if v.walkSteps > 16*4*3 {
		t.Errorf("walked %d steps for %d descriptors", v.walkSteps, 16*4+1)
	}
	for name, n := range v.parsed {
		if n != 1 {
			t.Errorf("%s parsed %d times", name, n)
		}
	}
}

func TestTooManyDescriptors(t *testing.T) {
	data := indexChainArchive(t, 1, MaxDescriptors+1)
	_, err := verifyBoth(t, data)
	wantInvalid(t, err, fmt.Sprintf("more than %d descriptors", MaxDescriptors))
}

// TestSharedConfigParsedOnce: manifest.json entries sharing one config
// parse it once; past MaxImages entries the archive is refused.
func TestSharedConfigParsedOnce(t *testing.T) {
	data := sharedConfigArchive(t, 2000, 1<<20)
	v, rep, err := verify(context.Background(), bytes.NewReader(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 2000 {
		t.Fatalf("%d images", len(rep.Images))
	}
	for name, n := range v.parsed {
		if n != 1 {
			t.Errorf("%s parsed %d times", name, n)
		}
	}
	_, err = verifyBoth(t, sharedConfigArchive(t, MaxImages+1, 10))
	wantInvalid(t, err, fmt.Sprintf("more than the %d academy reads", MaxImages))
}

// TestOneDecompressionBudget: thousands of small entries that each expand
// share one budget relative to the archive's size.
func TestOneDecompressionBudget(t *testing.T) {
	oldFloor := expansionFloor
	expansionFloor = 4 << 20
	defer func() { expansionFloor = oldFloor }()
	data := zstdBombsArchive(t, 2000, 8<<20)
	for _, r := range []io.Reader{bytes.NewReader(data), streamOnly{bytes.NewReader(data)}} {
		v, _, err := verify(context.Background(), r, Options{MaxExpansion: 10, Workers: 2})
		wantInvalid(t, err, "compression bomb")
		// Each worker may finish the read that crossed the line.
		if limit := 10*int64(len(data)) + 2*(256<<10); v.expanded.Load() > limit {
			t.Errorf("decompressed %d bytes, more than the budget %d", v.expanded.Load(), limit)
		}
	}
}

// TestEmptyDescriptorsBounded: 16 MiB of {} is refused by counting objects
// before any is decoded.
func TestEmptyDescriptorsBounded(t *testing.T) {
	data := emptyDescriptorsArchive(t, MaxJSONSize-1024)
	v, _, err := verify(context.Background(), bytes.NewReader(data), Options{})
	wantInvalid(t, err, "JSON objects")
	if len(v.parsed) != 0 {
		t.Errorf("decoded %v", v.parsed)
	}
}

func TestXzDictionaryEveryStreamAndBlock(t *testing.T) {
	for name, data := range map[string][]byte{"second stream": xzSecondStream(t), "last block": xzSecondBlock(t)} {
		t.Run(name, func(t *testing.T) {
			_, err := verifyBoth(t, data)
			wantInvalid(t, err, "4.0 GiB dictionary")
		})
	}
	// The guard follows valid files to their end: stream padding, several
	// blocks, several streams.
	ok := readFixture(t, "docker20-app.tar.xz")
	if _, err := verifyBoth(t, append(bytes.Clone(ok), make([]byte, 8)...)); err != nil {
		t.Errorf("padded stream: %v", err)
	}
	plain := gunzip(t, readFixture(t, "docker20-app.tar.gz"))
	xzOf := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := xz.WriterConfig{BlockSize: 4096, DictCap: 1 << 20}.NewWriter(&buf)
		w.Write(b)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if _, err := verifyBoth(t, append(xzOf(plain[:5000]), xzOf(plain[5000:])...)); err != nil {
		t.Errorf("two streams of several blocks: %v", err)
	}
}

// TestNamesAreSafe: what reaches a reason or a report from the archive is
// validated or escaped.
func TestNamesAreSafe(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\u202e"
	_, err := verifyBoth(t, writeTar(t, []tarFile{{name: "x/../../" + evil, body: []byte("x")}}))
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("got %v", err)
	}
	if strings.ContainsAny(inv.Reason, "\x1b\x07\u202e") || !strings.Contains(inv.Reason, `\x1b]0;pwned`) {
		t.Errorf("reason %q", inv.Reason)
	}

	rep, err := verifyBoth(t, ociLayoutNamed(t, 0, 1, "\x1b]0;x\x07"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Images[0].Names) != 0 || len(rep.Warnings) != 1 || strings.ContainsAny(rep.Warnings[0], "\x1b\x07") {
		t.Errorf("names %q warnings %q", rep.Images[0].Names, rep.Warnings)
	}

	bad := newTestImage(t, "bad", "amd64", 1)
	bad.config = mustJSON(t, map[string]any{"architecture": "amd64\x1b[2J", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": bad.diffIDs}})
	_, err = verifyBoth(t, legacyArchive(t, bad, "bad:v1"))
	wantInvalid(t, err, `names the platform part "amd64\x1b[2J"`)
}
