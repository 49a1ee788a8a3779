//go:build linux

package cli_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/academy-dev/academy/internal/testpipe"
)

// Ctrl-C while a report waits on a reader that never reads — a FIFO, or
// standard output piped to `sleep` — ends academy with exit 130. The class
// is of sockets that do not exist, so no daemon is asked, and its report
// is larger than a pipe holds.
func TestCtrlCWhileAReportWaitsForItsReader(t *testing.T) {
	if testing.Short() {
		t.Skip("builds academy")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "academy")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/academy-dev/academy/cmd/academy").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var hosts strings.Builder
	for i := range 300 {
		fmt.Fprintf(&hosts, "unix://%s/nowhere/%d.sock\n", dir, i)
	}
	hostsFile := filepath.Join(dir, "hosts.txt")
	if err := os.WriteFile(hostsFile, []byte(hosts.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, to := range []string{"fifo", "stdout"} {
		t.Run(to, func(t *testing.T) {
			var r *os.File
			args := []string{"check", "zone7", "--hosts", hostsFile, "--timeout", "2s"}
			cmd := exec.Command(bin)
			switch to {
			case "fifo":
				fifo := filepath.Join(dir, "report.json")
				if err := syscall.Mkfifo(fifo, 0o644); err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
				if err != nil {
					t.Fatal(err)
				}
				r = f
				args = append(args, "-o", "json="+fifo)
			case "stdout":
				pr, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer pw.Close()
				r, cmd.Stdout = pr, pw
				args = append(args, "-o", "json")
			}
			defer r.Close()
			cmd.Args = append(cmd.Args, args...)
			cmd.Env = append(os.Environ(), "DOCKER_HOST=", "DOCKER_CONTEXT=")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer cmd.Process.Kill()

			deadline := time.Now().Add(2 * time.Minute) // generous: only a hang reaches it
			testpipe.WaitFull(t, r, deadline, exited)
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 130 {
					t.Errorf("academy ended with %v, want exit 130", err)
				}
			case <-time.After(time.Until(deadline)):
				t.Fatal("academy did not yield to Ctrl-C while writing its report")
			}
		})
	}
}
