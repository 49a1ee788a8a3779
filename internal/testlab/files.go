package testlab

import (
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// Gzip writes from, gzip-compressed, to to.
func Gzip(t testing.TB, from, to string) {
	t.Helper()
	transcode(t, from, to, func(dst io.Writer, src io.Reader) error {
		zw := gzip.NewWriter(dst)
		if _, err := io.Copy(zw, src); err != nil {
			return err
		}
		return zw.Close()
	})
}

// Gunzip writes from, decompressed, to to.
func Gunzip(t testing.TB, from, to string) {
	t.Helper()
	transcode(t, from, to, func(dst io.Writer, src io.Reader) error {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return err
		}
		_, err = io.Copy(dst, zr)
		return err
	})
}

func transcode(t testing.TB, from, to string, copy func(io.Writer, io.Reader) error) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if err := copy(out, in); err != nil {
		t.Fatalf("%s → %s: %v", from, to, err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
