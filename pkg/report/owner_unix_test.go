//go:build unix

package report

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// As root, a report replaced keeps the old file's owner and group.
func TestWriteFileKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	file := filepath.Join(t.TempDir(), "grade.json")
	if err := os.WriteFile(file, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	const uid, gid = 4242, 4343
	if err := os.Chown(file, uid, gid); err != nil {
		t.Skipf("chown: %v", err)
	}
	if err := WriteFile(context.Background(), file, writeString("new")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != uid || st.Gid != gid || fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file is %d:%d %o, want %d:%d 600", st.Uid, st.Gid, fi.Mode().Perm(), uid, gid)
	}
}
