package archive

import (
	"bytes"
	"compress/bzip2"
	"context"
	"io"
	"math/rand"
	"os/exec"
	"testing"
)

// stdBzip2 decodes as docker load does (the standard library).
func stdBzip2(data []byte) ([]byte, error) {
	return io.ReadAll(bzip2.NewReader(bytes.NewReader(data)))
}

func parBzip2(data []byte, workers int) ([]byte, error) {
	z := newBzip2Reader(context.Background(), bytes.NewReader(data), workers)
	defer z.close()
	return io.ReadAll(z)
}

// bzip2CLI compresses with the bzip2 program, the reference encoder.
func bzip2CLI(t testing.TB, data []byte, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("bzip2"); err != nil {
		t.Skip("no bzip2 program")
	}
	cmd := exec.Command("bzip2", append([]string{"-c"}, args...)...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBzip2Parallel decodes real bzip2 files of many blocks and streams
// exactly as the standard library does.
func TestBzip2Parallel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	text := make([]byte, 3<<20)
	for i := range text {
		text[i] = "academy verifies archives\n"[rng.Intn(26)]
	}
	random := make([]byte, 2<<20)
	rng.Read(random)
	one := bzip2CLI(t, text[:1<<20], "-1")
	cases := map[string][]byte{
		"fixture":             readFixture(t, "docker20-app.tar.bz2"),
		"text, 100k blocks":   bzip2CLI(t, text, "-1"),
		"random, 900k blocks": bzip2CLI(t, random, "-9"),
		"two streams":         append(bzip2CLI(t, random[:300000], "-9"), one...),
		"empty stream":        bzip2CLI(t, nil),
		"empty then data":     append(bzip2CLI(t, nil), one...),
		"zeros (45x blocks)":  bzip2CLI(t, make([]byte, 100<<20), "-9"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := stdBzip2(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 3} {
				got, err := parBzip2(data, workers)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%d workers: %v, %d bytes, want %d", workers, err, len(got), len(want))
				}
			}
		})
	}
	t.Run("corrupt", func(t *testing.T) {
		data := bzip2CLI(t, text, "-1")
		for _, at := range []int{5, 100, len(data) / 2, len(data) - 3} {
			bad := flip(data, int64(at))
			if _, err := parBzip2(bad, 2); err == nil {
				t.Errorf("flipped byte %d: no error", at)
			}
			if _, err := parBzip2(data[:at], 2); err == nil {
				t.Errorf("cut at %d: no error", at)
			}
		}
	})
}

// TestBzip2Join: when a false magic number cuts a block in two, joining
// the pieces puts back exactly the bits that were there, magic included.
func TestBzip2Join(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	orig := make([]byte, 4096)
	rng.Read(orig)
	bit := func(d []byte, i int) byte { return (d[i/8] >> (7 - i%8)) & 1 }
	for _, k := range []int{0, 1, 7, 8, 13, 2000, 4096*8 - 49} {
		// orig holds the magic at bit k.
		w := bitWriter{}
		w.copyBits(orig, k)
		w.bits(bzBlockMagic, 48)
		rest := bitWriter{}
		for i := k + 48; i < len(orig)*8; i++ {
			rest.bits(uint64(bit(orig, i)), 1)
			w.bits(uint64(bit(orig, i)), 1)
		}
		whole := w.flush()
		s := &bzScanner{buf: whole}
		a := &bzBlock{data: s.bitSlice(0, k), bits: k}
		b := &bzBlock{data: s.bitSlice(k+48, len(orig)*8), bits: len(orig)*8 - k - 48}
		j := joinBzBlocks(a, b)
		if j.bits != len(orig)*8 {
			t.Fatalf("k=%d: %d bits", k, j.bits)
		}
		for i := range j.bits {
			if bit(j.data, i) != bit(whole, i) {
				t.Fatalf("k=%d: bit %d differs", k, i)
			}
		}
	}
}

// FuzzBzip2 compares the parallel decoder with the standard library on
// arbitrary input: wherever the standard library decodes, so does it, to
// the same bytes; wherever it fails, so does this one.
func FuzzBzip2(f *testing.F) {
	f.Add(readFixture(f, "docker20-app.tar.bz2"))
	f.Add(bzip2CLI(f, bytes.Repeat([]byte("abc"), 200000), "-1"))
	f.Add(append(bzip2CLI(f, nil), bzip2CLI(f, []byte("x"))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := stdBzip2(data)
		got, err := parBzip2(data, 2)
		if (werr == nil) != (err == nil) {
			t.Fatalf("standard library: %v, parallel: %v", werr, err)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%d bytes, want %d", len(got), len(want))
		}
	})
}
