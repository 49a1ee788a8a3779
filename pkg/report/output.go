package report

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Output is one requested report: a format, and a file, or "" for stdout.
type Output struct {
	Format string
	File   string
}

// ParseOutputs reads -o FORMAT[=FILE] values, the one way every command
// takes them: known formats only, at most one to stdout, no file named
// twice. With no value, the default format goes to stdout.
func ParseOutputs(values []string) ([]Output, error) {
	if len(values) == 0 {
		return []Output{{Format: Default}}, nil
	}
	out := make([]Output, 0, len(values))
	toStdout := 0
	files := map[string]string{} // cleaned absolute path → as given
	for _, v := range values {
		format, file, _ := strings.Cut(v, "=")
		if _, ok := Lookup(format); !ok {
			return nil, fmt.Errorf("unknown output format %q (choose from: %s)", format, strings.Join(Names(), ", "))
		}
		if file == "" || file == "-" || isStdout(file) {
			// /dev/stdout, /dev/fd/1 and the like are standard output too:
			// two reports there would truncate or mix each other.
			toStdout++
			out = append(out, Output{Format: format})
			continue
		}
		key := sameFileKey(file)
		if prev, dup := files[key]; dup {
			return nil, fmt.Errorf("-o %s: %s is already the file of another report (%s); give each report its own file", v, file, prev)
		}
		files[key] = file
		out = append(out, Output{Format: format, File: file})
	}
	if toStdout > 1 {
		return nil, errors.New("at most one -o format can go to stdout; give the others a file: -o junit=report.xml")
	}
	return out, nil
}

// isStdout says whether file is the process's standard output by another
// name.
func isStdout(file string) bool {
	fi, err := os.Stat(file)
	if err != nil {
		return false
	}
	out, err := os.Stdout.Stat()
	return err == nil && os.SameFile(fi, out)
}

// sameFileKey names a file so that two spellings of one file compare equal:
// ./a and a, a link and its target when it exists, and, when the file does
// not exist yet, names through a linked folder (dl/r.out and real/r.out
// where dl links to real): its folder's links are resolved, and the name
// joined to it. Links are resolved before .. is, as the kernel does
// (dl/../r.out is the parent of dl's target's r.out); lexical cleaning is
// only the last resort.
func sameFileKey(file string) string {
	if !filepath.IsAbs(file) {
		if wd, err := os.Getwd(); err == nil {
			file = wd + string(filepath.Separator) + file // not Join: it would clean
		}
	}
	if real, err := filepath.EvalSymlinks(file); err == nil {
		return real
	}
	if dir, base := filepath.Split(file); base != "" && base != "." && base != ".." {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, base)
		}
	}
	return filepath.Clean(file)
}

// WriteFile writes a report to path. A regular file, or a new one, is
// written whole or not at all (a temporary file renamed into place), so a
// grader never reads half a report; a file replaced keeps its permissions
// (and, where academy may set them, its owner and group), so a report of
// learners' answers kept private stays private. Anything else — a device such as
// /dev/null, a pipe, /dev/fd/N, a link — is written to directly, never
// replaced, and a failed write is an error; that write yields to ctx (see
// Write), so a pipe whose reader never reads cannot hold academy past
// Ctrl-C. A link is judged by what it leads to: a link to a FIFO is that
// FIFO (refused at once when no one reads it), a link to a regular file is
// written through, so the link stays the user's link.
func WriteFile(ctx context.Context, path string, render func(io.Writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return writeAtomic(path, render, nil)
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		// Written through, never replaced; the target's type decides how.
		if fi, err = os.Stat(path); err != nil {
			return err
		}
		if fi.IsDir() {
			return errors.New("it is a folder")
		}
	case fi.Mode().IsRegular():
		return writeAtomic(path, render, fi)
	case fi.IsDir():
		return errors.New("it is a folder")
	}
	flags := os.O_WRONLY | os.O_TRUNC
	if fi.Mode()&fs.ModeNamedPipe != 0 {
		// Without a reader, opening a pipe for writing would wait forever.
		flags = os.O_WRONLY | syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flags, 0)
	if errors.Is(err, syscall.ENXIO) {
		return errors.New("it is a pipe that no one reads")
	}
	if err != nil {
		return err
	}
	if err := Write(ctx, f, render); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Write renders a report and writes it to w, yielding to ctx: a pipe or a
// FIFO whose reader never reads, a terminal held by ^S, must not hold
// academy past Ctrl-C. The report is rendered whole first, then written by
// a goroutine; when ctx is done first, Write returns ctx's error at once.
// If w is a file that takes deadlines (a FIFO opened non-blocking), the
// write is ended by one; otherwise the goroutine is left blocked, and dies
// with the process, which exits 130.
func Write(ctx context.Context, w io.Writer, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	if buf.Len() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, _ := w.(*os.File)
	deadlines := f != nil && f.SetWriteDeadline(time.Time{}) == nil
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(buf.Bytes())
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if deadlines {
			// Ends the write now: the file can then be closed safely.
			_ = f.SetWriteDeadline(time.Unix(1, 0))
			<-done
		}
		return ctx.Err()
	}
}

// newFileMode is the mode a report file academy creates asks for; the
// umask takes its bits away, as for any file a program creates, so
// (umask 077; academy check … -o json=new.json) gives a private file.
const newFileMode fs.FileMode = 0o644

// writeAtomic writes a temporary file beside path and renames it into
// place. prev, the regular file it replaces (nil for none), gives the new
// file its permission bits and, when allowed, its owner and group: a rename
// makes a new inode, which would otherwise be the caller's with the
// umask's mode. A new file keeps the mode it was created with.
func writeAtomic(path string, render func(io.Writer) error, prev fs.FileInfo) error {
	tmp, err := createTemp(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := render(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if prev != nil {
		keepOwner(tmp.Name(), prev)
		// After chown, which clears the set-id bits; a report keeps none anyway.
		if err := os.Chmod(tmp.Name(), prev.Mode().Perm()); err != nil {
			return err
		}
	}
	return os.Rename(tmp.Name(), path)
}

// createTemp creates a new file in dir under a random name, with
// newFileMode less the umask (os.CreateTemp would make it 0600 whatever
// the umask).
func createTemp(dir string) (*os.File, error) {
	var err error
	for range 100 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails
		name := filepath.Join(dir, ".academy-report-"+hex.EncodeToString(b[:]))
		var f *os.File
		f, err = os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, newFileMode)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, err
}
