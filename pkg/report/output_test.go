package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOutputs(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(filepath.Join(dir, "a.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.json", link); err != nil {
		t.Fatal(err)
	}
	// dl links to the folder real; r.out exists under neither name yet.
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "dl")); err != nil {
		t.Fatal(err)
	}
	// deep links to real/sub: deep/../r.out is real/r.out, as the kernel
	// resolves it, not dir/r.out.
	if err := os.Mkdir(filepath.Join(dir, "real", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("real", "sub"), filepath.Join(dir, "deep")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      []string
		want    []Output
		wantErr string
	}{
		{nil, []Output{{Format: "text"}}, ""},
		{[]string{"json"}, []Output{{Format: "json"}}, ""},
		{[]string{"junit=r.xml", "json"}, []Output{{Format: "junit", File: "r.xml"}, {Format: "json"}}, ""},
		{[]string{"json=-"}, []Output{{Format: "json"}}, ""},
		{[]string{"json", "text"}, nil, "at most one -o format can go to stdout"},
		{[]string{"xml=r.xml"}, nil, `unknown output format "xml"`},
		{[]string{"json=a", "junit=a"}, nil, "a is already the file of another report"},
		{[]string{"json=a", "junit=./a"}, nil, "already the file of another report"},
		{[]string{"json=" + filepath.Join(dir, "a.json"), "junit=" + link}, nil, "already the file of another report"},
		{[]string{"json=" + filepath.Join(dir, "dl", "r.out"), "junit=" + filepath.Join(dir, "real", "r.out")}, nil, "already the file of another report"},
		{[]string{"json=" + filepath.Join(dir, "dl", "r.out"), "junit=" + filepath.Join(dir, "real", "..", "real", "r.out")}, nil, "already the file of another report"},
		{[]string{"json=" + dir + "/deep/../r.out", "junit=" + filepath.Join(dir, "real", "r.out")}, nil, "already the file of another report"},
		{[]string{"json=" + dir + "/deep/../r.out", "junit=" + filepath.Join(dir, "r.out")}, []Output{{Format: "json", File: dir + "/deep/../r.out"}, {Format: "junit", File: filepath.Join(dir, "r.out")}}, ""},
	}
	for _, tt := range tests {
		got, err := ParseOutputs(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseOutputs(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseOutputs(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseOutputs(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// A report replaces a regular file whole, but writes into anything else —
// a device, a pipe, a link — without ever replacing it.
func TestWriteFileNeverReplacesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()

	regular := filepath.Join(dir, "grade.json")
	if err := WriteFile(context.Background(), regular, writeString("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), regular, writeString("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(regular); string(b) != "two" {
		t.Errorf("regular file holds %q", b)
	}

	// A link is written through, and stays a link.
	link := filepath.Join(dir, "latest.json")
	if err := os.Symlink("grade.json", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), link, writeString("three")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(regular); string(b) != "three" {
		t.Errorf("the link's target holds %q", b)
	}

	// A pipe nobody reads is an error, at once, not a wait.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), fifo, writeString("x")); err == nil || !strings.Contains(err.Error(), "no one reads") {
		t.Errorf("fifo without reader: err = %v", err)
	}

	if err := WriteFile(context.Background(), dir, writeString("x")); err == nil {
		t.Error("a folder was accepted as a report file")
	}

	// Devices: a private null device and a private full device, made here
	// so that a bug can never replace the machine's own.
	if os.Geteuid() != 0 {
		t.Skip("making device nodes needs root")
	}
	null := filepath.Join(dir, "null")
	full := filepath.Join(dir, "full")
	if err := unix.Mknod(null, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := unix.Mknod(full, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := WriteFile(context.Background(), null, writeString("x")); err != nil {
		t.Errorf("null device: %v", err)
	}
	if fi, _ := os.Lstat(null); fi.Mode()&os.ModeCharDevice == 0 {
		t.Error("the null device was replaced by a file")
	}
	if err := WriteFile(context.Background(), full, writeString("x")); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("full device: err = %v, want ENOSPC", err)
	}
	if fi, _ := os.Lstat(full); fi.Mode()&os.ModeCharDevice == 0 {
		t.Error("the full device was replaced by a file")
	}
}

// Standard output by another name is standard output: two reports there
// would truncate or mix each other.
func TestStdoutByAnotherName(t *testing.T) {
	if _, err := os.Stat("/dev/stdout"); err != nil {
		t.Skip("no /dev/stdout here")
	}
	for _, name := range []string{"/dev/stdout", "/dev/fd/1"} {
		if _, err := ParseOutputs([]string{"json", "junit=" + name}); err == nil || !strings.Contains(err.Error(), "at most one -o format can go to stdout") {
			t.Errorf("json and junit=%s: err = %v", name, err)
		}
	}
}

// Replacing a report keeps the old file's permissions: a report of
// learners' answers made private stays private. A new file is 0644 less the
// umask. The replacement is a new file, so a hard link to the old one keeps the old
// content.
func TestWriteFileKeepsPermissions(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o600, 0o640, 0o604} {
		file := filepath.Join(dir, fmt.Sprintf("perm-%o.json", mode))
		if err := os.WriteFile(file, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(file, mode); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(context.Background(), file, writeString("new")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("a %o file came back %o", mode, got)
		}
		if b, _ := os.ReadFile(file); string(b) != "new" {
			t.Errorf("%o file holds %q", mode, b)
		}
	}

	// A new report is what any new 0644 file is under this umask (see
	// TestNewReportFollowsTheUmask).
	fresh := filepath.Join(dir, "fresh.json")
	if err := WriteFile(context.Background(), fresh, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if got, want := modeOf(t, fresh), newFileModeHere(t, dir); got != want {
		t.Errorf("a new report is %o, want %o", got, want)
	}

	old := filepath.Join(dir, "old.json")
	linked := filepath.Join(dir, "linked.json")
	if err := os.WriteFile(old, []byte("before"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(old, linked); err != nil {
		t.Skipf("hard link: %v", err)
	}
	if err := WriteFile(context.Background(), old, writeString("after")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(linked); string(b) != "before" {
		t.Errorf("the hard link holds %q: the file was written in place, not replaced", b)
	}
}

func modeOf(t *testing.T, name string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// newFileModeHere is the mode a file created 0644 in dir gets, whatever
// the umask (and the platform) make of it.
func newFileModeHere(t *testing.T, dir string) os.FileMode {
	t.Helper()
	ref := filepath.Join(dir, ".reference")
	f, err := os.OpenFile(ref, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer os.Remove(ref)
	return modeOf(t, ref)
}
