//go:build unix

package report

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A new report follows the umask, as any file a program creates does:
// (umask 077; academy check … -o json=new.json) is private. A report that
// replaces a file still keeps that file's mode, whatever the umask.
// The umask is the process's: no test in this package runs in parallel.
func TestNewReportFollowsTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()

	fresh := filepath.Join(dir, "new.json")
	if err := WriteFile(context.Background(), fresh, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if got := modeOf(t, fresh); got != 0o600 {
		t.Errorf("a new report under umask 077 is %o, want 600", got)
	}

	shared := filepath.Join(dir, "shared.json")
	if err := os.WriteFile(shared, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), shared, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if got := modeOf(t, shared); got != 0o644 {
		t.Errorf("a 644 report rewritten under umask 077 is %o, want 644", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
