package archive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzVerify feeds arbitrary bytes to the verifier, seeded with the real
// Docker 20.10 archives (compressed and not) and the generated layouts. It
// must never panic, must give an *InvalidError for anything it refuses (the
// reader never fails here), and must reach the same verdict whether it reads
// a seekable file in parallel or a stream.
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

	oldFloor := expansionFloor
	expansionFloor = 1 << 20
	f.Cleanup(func() { expansionFloor = oldFloor })

	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		rep1, err1 := Verify(ctx, bytes.NewReader(data), Options{Workers: 2})
		rep2, err2 := Verify(ctx, streamOnly{bytes.NewReader(data)}, Options{})
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
	})
}
