//go:build linux

package testpipe

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// WaitFull waits until the pipe read through r holds all it can, so a
// writer of more than that on its other end is blocked. It fails the test
// when stopped sends first (the writer ended: nil for none to watch), or at
// the deadline, which only a broken test reaches; it skips where the pipe's
// size cannot be read.
func WaitFull(t testing.TB, r *os.File, deadline time.Time, stopped <-chan error) {
	t.Helper()
	size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Skipf("F_GETPIPE_SZ: %v", err)
	}
	for {
		n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ) // FIONREAD
		if err != nil {
			t.Fatalf("FIONREAD: %v", err)
		}
		if n >= size {
			return
		}
		select {
		case err := <-stopped:
			t.Fatalf("the writer ended (%v) before the pipe was full (%d of %d bytes)", err, n, size)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pipe holds %d of %d bytes after the deadline: the writer never filled it", n, size)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
