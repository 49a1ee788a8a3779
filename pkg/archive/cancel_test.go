package archive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Every wait yields to ctx: these tests would hang (and hit go test's
// timeout) if one did not; they assert the error, never a duration.

// TestVerifyFileFIFONoWriter: open(2) of a FIFO that no one writes to
// blocks; VerifyFile returns ctx's error once ctx is done.
func TestVerifyFileFIFONoWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "my-app.tar")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := VerifyFile(ctx, fifo, Options{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline", err)
	}
}

// TestVerifyFileFIFO: a FIFO that is written to is read as a stream.
func TestVerifyFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "my-app.tar")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	data := readFixture(t, "docker20-app.tar.gz")
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.Write(data)
		w.Close()
	}()
	rep, err := VerifyFile(context.Background(), fifo, Options{})
	if err != nil || rep.Compression != "gzip" {
		t.Fatalf("got %+v, %v", rep, err)
	}
}

// TestVerifyPipeThatNeverSends: a pipe whose writer stays open and silent
// (sleep 30 | academy archive verify -), before the first byte and in the
// middle of the archive, plain or compressed.
func TestVerifyPipeThatNeverSends(t *testing.T) {
	for _, name := range []string{"docker20-app.tar.gz", "docker20-app.tar.bz2", "docker20-app.tar.xz", "docker20-app.tar.zst"} {
		data := readFixture(t, name)
		for _, sent := range []int{16, len(data) / 2} {
			verifyStalled(t, name, data[:sent])
		}
	}
	data := gunzip(t, readFixture(t, "docker20-app.tar.gz"))
	for _, sent := range []int{0, 1024, len(data) / 2} {
		verifyStalled(t, "plain", data[:sent])
	}
}

// verifyStalled verifies a pipe that sends data and then nothing, and
// wants the deadline's error.
func verifyStalled(t *testing.T, name string, data []byte) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	go w.Write(data)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Verify(ctx, r, Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%s after %d bytes: got %v, want the deadline", name, len(data), err)
	}
}

// TestResolveHonoursContext: resolving a large manifest.json stops when
// ctx is done.
func TestResolveHonoursContext(t *testing.T) {
	data := sharedConfigArchive(t, 5000, 10)
	v := newVerifier(Options{})
	if err := v.verifyAt(context.Background(), bytes.NewReader(data), 0, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.resolve(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
