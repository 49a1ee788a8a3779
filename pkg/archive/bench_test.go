package archive

import (
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/rand"
	"io"
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

// BenchmarkBzip2 decodes the same bzip2 file (32 MiB of text, 900k
// blocks) with the standard library, as academy did and docker load does,
// and with the block-parallel decoder, in one run: compare the two.
func BenchmarkBzip2(b *testing.B) {
	text := make([]byte, 32<<20)
	words := []string{"academy ", "verifies ", "docker ", "save ", "archives ", "offline\n", "layer ", "blob "}
	for i := 0; i < len(text); {
		i += copy(text[i:], words[(i*7+i/13)%len(words)])
	}
	data := bzip2CLI(b, text, "-9")
	for _, tc := range []struct {
		name   string
		decode func() (int64, error)
	}{
		{"stdlib", func() (int64, error) { return io.Copy(io.Discard, bzip2.NewReader(bytes.NewReader(data))) }},
		{"parallel", func() (int64, error) {
			z := newBzip2Reader(context.Background(), bytes.NewReader(data), 0)
			defer z.close()
			return io.Copy(io.Discard, z)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if n, err := tc.decode(); err != nil || n != int64(len(text)) {
					b.Fatal(n, err)
				}
			}
		})
	}
}
