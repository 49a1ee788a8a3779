package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// benchImage is an image of n layers of size random bytes each.
func benchImage(b *testing.B, n, size int) *testImage {
	b.Helper()
	img := &testImage{os: "linux", arch: "amd64"}
	for i := range n {
		data := make([]byte, size)
		rand.Read(data)
		l := writeTar(b, []tarFile{{name: "f" + string(rune('a'+i)), body: data}})
		img.layers = append(img.layers, l)
		img.diffIDs = append(img.diffIDs, sha(l))
	}
	img.config = mustJSON(b, map[string]any{"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": img.diffIDs}})
	return img
}

func benchVerify(b *testing.B, data []byte, open func() any) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		switch r := open().(type) {
		case string:
			_, err = VerifyFile(context.Background(), r, Options{})
		case *bytes.Reader:
			_, err = Verify(context.Background(), r, Options{})
		case streamOnly:
			_, err = Verify(context.Background(), r, Options{})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyFile is the benchmark script's case in small: a Docker ≤24
// archive of four random layers in a file, hashed on every core.
func BenchmarkVerifyFile(b *testing.B) {
	data := legacyArchive(b, benchImage(b, 4, 16<<20), "bench:v1")
	path := filepath.Join(b.TempDir(), "bench.tar")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	benchVerify(b, data, func() any { return path })
}

// BenchmarkVerifyStream reads the same archive as a pipe would give it.
func BenchmarkVerifyStream(b *testing.B) {
	data := legacyArchive(b, benchImage(b, 4, 16<<20), "bench:v1")
	benchVerify(b, data, func() any { return streamOnly{bytes.NewReader(data)} })
}

// BenchmarkVerifyGzip is a gzip-compressed Docker 25+ archive.
func BenchmarkVerifyGzip(b *testing.B) {
	data := gzipped(b, docker25Archive(b, map[*testImage][]string{benchImage(b, 4, 8<<20): {"bench:v1"}}))
	benchVerify(b, data, func() any { return bytes.NewReader(data) })
}

// BenchmarkVerifyContainerd is a containerd-store archive of gzip layers,
// each decompressed while it is hashed.
func BenchmarkVerifyContainerd(b *testing.B) {
	data := containerdArchive(b, &containerdImage{names: []string{"bench:v1"}, platforms: []*testImage{benchImage(b, 4, 8<<20)}})
	benchVerify(b, data, func() any { return bytes.NewReader(data) })
}

// BenchmarkVerifySmall is the fixed cost of one small real archive.
func BenchmarkVerifySmall(b *testing.B) {
	data := gunzip(b, readFixture(b, "docker20-multi.tar.gz"))
	benchVerify(b, data, func() any { return bytes.NewReader(data) })
}
