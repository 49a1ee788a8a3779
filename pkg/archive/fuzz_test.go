package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ulikunitz/xz"
)

// FuzzVerify feeds arbitrary bytes to the verifier, seeded with the corpus
// of real archives, the generated layouts and the hostile cases. It must
// never panic, must give an *InvalidError for anything it refuses (the
// reader never fails here), must reach the same verdict whether it reads a
// seekable file in parallel or a stream, and must stay within its bounds:
// decompressed bytes within the one budget, walk steps, JSON objects.
func FuzzVerify(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join(corpus, "*.tar*"))
	for _, name := range fixtures {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if filepath.Ext(name) == ".gz" {
			f.Add(gunzip(f, b))
		}
	}
	app := newTestImage(f, "app", "amd64", 2)
	arm := newTestImage(f, "app", "arm64", 1)
	f.Add(docker25Archive(f, map[*testImage][]string{app: {"my-app:v1"}}))
	f.Add(containerdArchive(f, &containerdImage{names: []string{"my-app:v1"}, platforms: []*testImage{arm, app}, missing: map[int]bool{0: true}}))
	f.Add(containerdArchive(f, &containerdImage{platforms: []*testImage{app}, compress: "zstd"}))
	f.Add(podmanArchive(f, app, "my-app:v1"))
	f.Add(foreignLayerArchive(f))
	f.Add(indexChainArchive(f, 4, 3))
	f.Add(sharedConfigArchive(f, 3, 10))
	f.Add(zstdBombsArchive(f, 3, 1<<20))
	f.Add(emptyDescriptorsArchive(f, 4096))
	f.Add(xzSecondStream(f))

	oldFloor := expansionFloor
	expansionFloor = 1 << 20
	f.Cleanup(func() { expansionFloor = oldFloor })

	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		v1, rep1, err1 := verify(ctx, bytes.NewReader(data), Options{Workers: 2})
		v2, rep2, err2 := verify(ctx, streamOnly{bytes.NewReader(data)}, Options{})
		for _, err := range []error{err1, err2} {
			var inv *InvalidError
			if err != nil && !errors.As(err, &inv) {
				t.Fatalf("not an InvalidError: %v", err)
			}
		}
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("seekable and streaming disagree: %v / %v", err1, err2)
		}
		if err1 == nil && (len(rep1.Images) == 0 || len(rep1.Images) != len(rep2.Images)) {
			t.Fatalf("images: %d seekable, %d streaming", len(rep1.Images), len(rep2.Images))
		}
		for _, v := range []*verifier{v1, v2} {
			// Each of two workers may finish the read that crossed the line.
			if budget := expansionFloor + DefaultMaxExpansion*max(v.read.Load(), 1) + 2*(1<<20); v.expanded.Load() > budget {
				t.Fatalf("decompressed %d bytes, budget %d", v.expanded.Load(), budget)
			}
			if v.walkSteps > maxWalk+MaxImages || v.jsonObjects > maxJSONObjects+MaxJSONSize {
				t.Fatalf("walk %d steps, %d JSON objects", v.walkSteps, v.jsonObjects)
			}
		}
	})
}

// FuzzXzGuard: the guard passes every valid xz file through unchanged (the
// input, compressed here in blocks and streams of sizes the fuzzer picks),
// and on arbitrary bytes never panics nor lets a block through unchecked.
func FuzzXzGuard(f *testing.F) {
	f.Add([]byte("hello"), uint16(4096), uint8(1))
	f.Add(bytes.Repeat([]byte("academy "), 5000), uint16(1000), uint8(3))
	f.Add(readFixture(f, "docker20-app.tar.xz"), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, blockSize uint16, streams uint8) {
		// Arbitrary bytes: no panic, and a refusal or the decoder's verdict.
		io.Copy(io.Discard, &xzGuard{r: bytes.NewReader(data)})

		// A valid file of the data: through the guard byte for byte.
		var file bytes.Buffer
		n := int(streams%4) + 1
		for i := range n {
			part := data[i*len(data)/n : (i+1)*len(data)/n]
			// Blocks of at least 4 KiB: each costs the writer megabytes.
			w, err := xz.WriterConfig{BlockSize: int64(blockSize) + 4096, DictCap: 64 << 10}.NewWriter(&file)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(part)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			file.Write(make([]byte, 4*(i%2))) // stream padding
		}
		r, err := xz.NewReader(&xzGuard{r: bytes.NewReader(file.Bytes())})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("through the guard: %v, %d bytes of %d", err, len(got), len(data))
		}
	})
}
