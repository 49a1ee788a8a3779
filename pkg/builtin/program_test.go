package builtin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// runner returns how to run an executable for arch on this machine: itself
// on its own architecture, through qemu-user elsewhere (Debian's
// qemu-user-static); ok is false when neither can.
func runner(arch string) (prefix []string, ok bool) {
	if runtime.GOOS != "linux" {
		return nil, false
	}
	if arch == runtime.GOARCH {
		return nil, true
	}
	emu := map[string]string{"amd64": "qemu-x86_64-static", "arm64": "qemu-aarch64-static"}[arch]
	if p, err := exec.LookPath(emu); err == nil {
		return []string{p}, true
	}
	return nil, false
}

// The program runs on each architecture academy writes it for: it says its
// message, waits, and ends at once with 0 on SIGTERM (and on SIGINT); set to
// fail, it says its message on standard error and exits with its code.
func TestProgramRuns(t *testing.T) {
	for _, arch := range programArchs {
		t.Run(arch, func(t *testing.T) {
			prefix, ok := runner(arch)
			if !ok {
				t.Skipf("cannot run %s executables here (no qemu-user for it: apt-get install qemu-user-static)", arch)
			}
			dir := t.TempDir()
			write := func(name string, p Program) string {
				exe, err := p.Executable(arch)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, exe, 0o755); err != nil {
					t.Fatal(err)
				}
				return path
			}
			start := func(path string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
				args := append(append([]string(nil), prefix...), path)
				cmd := exec.Command(args[0], args[1:]...)
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = cmd.Process.Kill() })
				return cmd, &out, &errOut
			}

			for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
				msg := "my-app:v1.2.0 is up\n"
				args := append(append([]string(nil), prefix...), write("app-"+sig.String(), Program{Message: msg}))
				cmd := exec.Command(args[0], args[1:]...)
				stdout, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = cmd.Process.Kill() })
				// The message comes once the signals are blocked.
				line := make(chan string, 1)
				go func() {
					l, _ := bufio.NewReader(stdout).ReadString('\n')
					line <- l
				}()
				select {
				case got := <-line:
					if got != msg {
						t.Errorf("stdout = %q, want %q", got, msg)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("the program wrote nothing")
				}
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				if err := waitExit(cmd, 10*time.Second); err != nil {
					t.Fatalf("after %s: %v", sig, err)
				}
			}

			cmd, out, errOut := start(write("crash", Program{Message: "config v3 is not supported\n", ExitCode: 3}))
			err := waitExit(cmd, 10*time.Second)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Errorf("a failing program ended with %v, want exit code 3", err)
			}
			if errOut.String() != "config v3 is not supported\n" || out.Len() != 0 {
				t.Errorf("stdout %q, stderr %q: want the message on stderr only", out, errOut)
			}
		})
	}
}

// waitExit waits for cmd, killing it past limit.
func waitExit(cmd *exec.Cmd, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return errors.New("it did not end")
	}
}

func TestProgramRefuses(t *testing.T) {
	if _, err := (Program{}).Executable("s390x"); err == nil {
		t.Error("s390x: no error")
	}
	if _, err := (Program{Message: string(make([]byte, MaxMessage+1))}).Executable("amd64"); err == nil {
		t.Error("a message over MaxMessage: no error")
	}
	if _, err := (Program{ExitCode: 256}).Executable("arm64"); err == nil {
		t.Error("exit code 256: no error")
	}
}

// The same program is the same bytes: an image made of it has the same ID
// every time.
func TestProgramIsReproducible(t *testing.T) {
	for _, arch := range programArchs {
		a, _ := Program{Message: "x\n"}.Executable(arch)
		b, _ := Program{Message: "x\n"}.Executable(arch)
		c, _ := Program{Message: "y\n"}.Executable(arch)
		if !bytes.Equal(a, b) || bytes.Equal(a, c) {
			t.Errorf("%s: same message gave other bytes, or another message the same", arch)
		}
		if len(a) > 512 {
			t.Errorf("%s: %d bytes; the program is a few hundred", arch, len(a))
		}
	}
}
