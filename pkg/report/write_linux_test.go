//go:build linux

package report

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testpipe"
)

// A FIFO whose reader never reads: the report's write blocks once the pipe
// is full, and Ctrl-C (ctx done) ends it with ctx's error, the FIFO still
// a FIFO.
func TestWriteFileFIFOThatIsNeverRead(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "report.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// The reader opens, and never reads. O_RDWR would be a writer too:
	// open it read-only and non-blocking so no writer is needed yet.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	deadline := time.Now().Add(time.Minute) // generous: only a hang reaches it
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	big := strings.Repeat("x", 4<<20) // far more than a pipe holds
	done := make(chan error, 1)
	go func() { done <- WriteFile(ctx, fifo, writeString(big)) }()
	testpipe.WaitFull(t, r, deadline, nil)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Until(deadline)):
		t.Fatal("the write did not yield to the cancelled context")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi, err)
	}
}

// A writer that takes no deadline (standard output on a blocking pipe)
// and never returns: Write returns ctx's error once ctx is done, leaving
// the write behind.
func TestWriteYieldsWhereThereIsNoDeadline(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	w := writerFunc(func(p []byte) (int, error) {
		close(started)
		<-release
		return len(p), nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Write(ctx, w, writeString("report")) }()
	<-started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Write did not yield to the cancelled context")
	}

	// Not cancelled, it writes everything.
	var got strings.Builder
	if err := Write(context.Background(), &got, writeString("report")); err != nil || got.String() != "report" {
		t.Errorf("Write = %q, %v", got.String(), err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var _ io.Writer = writerFunc(nil)

// A link to a FIFO is that FIFO: with no reader it is refused at once, as
// the FIFO named directly is, rather than left blocking in open(2) where
// Ctrl-C cannot reach it. With a reader, the report goes through the link,
// which stays a link.
func TestWriteFileLinkToAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "report.json")
	if err := os.Symlink("fifo", link); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() { done <- WriteFile(context.Background(), link, writeString("x")) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no one reads") {
			t.Errorf("link to a FIFO without reader: err = %v, want %q", err, "no one reads")
		}
	case <-time.After(time.Minute): // generous: only a hang reaches it
		// Release the blocked open(2) so the goroutine ends.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		t.Fatal("WriteFile blocked opening a link to a FIFO that no one reads")
	}

	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := WriteFile(context.Background(), link, writeString("report")); err != nil {
		t.Fatalf("link to a FIFO with a reader: %v", err)
	}
	buf := make([]byte, 64)
	if n, _ := r.Read(buf); string(buf[:n]) != "report" {
		t.Errorf("the reader got %q", buf[:n])
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi, err)
	}
}
