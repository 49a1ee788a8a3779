package dockerstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// sshSpec is an ssh://[user@]host[:port][/socket] endpoint.
type sshSpec struct {
	user, host, port, path string
}

// parseSSH checks an ssh:// URL as the docker CLI's connection helper does:
// no password, no query, no fragment, a host.
func parseSSH(raw string) (sshSpec, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return sshSpec{}, fmt.Errorf("invalid ssh URL %s: %w", raw, err)
	}
	var s sshSpec
	if u.User != nil {
		s.user = u.User.Username()
		if _, ok := u.User.Password(); ok {
			return sshSpec{}, fmt.Errorf("invalid ssh URL %s: a password in the URL is not supported (use an ssh key or agent)", raw)
		}
	}
	s.host, s.port, s.path = u.Hostname(), u.Port(), u.Path
	switch {
	case s.host == "":
		return sshSpec{}, fmt.Errorf("invalid ssh URL %s: the host name is empty", raw)
	case u.RawQuery != "":
		return sshSpec{}, fmt.Errorf("invalid ssh URL %s: query parameters are not allowed", raw)
	case u.Fragment != "":
		return sshSpec{}, fmt.Errorf("invalid ssh URL %s: fragments are not allowed", raw)
	}
	return s, nil
}

// args are ssh's arguments, as the docker CLI's connection helper builds
// them: a connect timeout, no terminal, and `docker system dial-stdio` on
// the remote host, against the socket the URL's path names if any.
func (s sshSpec) args() []string {
	args := []string{"-o", "ConnectTimeout=30", "-T"}
	if s.user != "" {
		args = append(args, "-l", s.user)
	}
	if s.port != "" {
		args = append(args, "-p", s.port)
	}
	// ssh joins the words after the host into one line for the remote
	// shell: each is quoted, so a path cannot add a command of its own
	// (as docker/cli does since it quoted them).
	remote := []string{"docker"}
	if strings.Trim(s.path, "/") != "" {
		remote = append(remote, "--host=unix://"+s.path)
	}
	remote = append(remote, "system", "dial-stdio")
	args = append(args, "--", s.host)
	for _, w := range remote {
		args = append(args, shellQuote(w))
	}
	return args
}

// shellQuote quotes a word for a POSIX shell: as it is when it holds only
// characters no shell treats specially, else in single quotes.
func shellQuote(w string) string {
	safe := w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r))
	}) < 0
	if safe {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// commandConn is a connection over a process's standard input and output,
// as `docker system dial-stdio` behind ssh offers one. Closing it ends the
// process (and its process group); so does the process dying with us.
type commandConn struct {
	desc   string // the command line, for messages
	cmd    *exec.Cmd
	stdin  *os.File // we write, the process reads
	stdout *os.File // the process writes, we read
	stderr *tailBuffer

	done    chan struct{} // closed once the process is reaped
	waitErr error
	close   sync.Once
}

// dialCommand starts name with args and returns a connection to its stdio.
func dialCommand(ctx context.Context, name string, args ...string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	c := &commandConn{
		desc:   strings.Join(append([]string{name}, args...), " "),
		stdin:  inW,
		stdout: outR,
		stderr: &tailBuffer{max: 2048},
		done:   make(chan struct{}),
	}
	// Our own pipes, not StdinPipe/StdoutPipe: Wait would close those
	// while the last bytes are still being read.
	c.cmd = exec.Command(name, args...)
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = inR, outW, c.stderr
	c.cmd.WaitDelay = 2 * time.Second // a child of ssh holding stderr
	setProcAttr(c.cmd)
	err = c.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, &commandError{desc: c.desc, err: err}
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	// A dial cancelled while the process was starting leaves nothing behind.
	if ctx.Err() != nil {
		c.Close()
		return nil, ctx.Err()
	}
	return c, nil
}

// commandError says the process behind a connection failed: it could not
// start, or it exited, with the last line it wrote to stderr.
type commandError struct {
	desc   string
	err    error
	stderr string
}

func (e *commandError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.desc, e.err)
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

func (e *commandError) Unwrap() error { return e.err }

// exitError waits a moment for the process to end and describes how it
// did; nil if it ended well or is still running.
func (c *commandConn) exitError() error {
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		return nil
	}
	if c.waitErr == nil {
		return nil
	}
	return &commandError{desc: c.desc, err: c.waitErr, stderr: c.stderr.lastLine()}
}

func (c *commandConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if errors.Is(err, io.EOF) {
		if exit := c.exitError(); exit != nil {
			return n, exit
		}
	}
	return n, err
}

func (c *commandConn) Write(p []byte) (int, error) {
	n, err := c.stdin.Write(p)
	if err != nil && !errors.Is(err, os.ErrClosed) {
		if exit := c.exitError(); exit != nil {
			return n, exit
		}
	}
	return n, err
}

// Close closes the pipes and ends the process: SIGTERM to its group, then
// SIGKILL if it lingers. It does not wait.
func (c *commandConn) Close() error {
	c.close.Do(func() {
		c.stdin.Close()
		c.stdout.Close()
		select {
		case <-c.done:
			return
		default:
		}
		terminate(c.cmd.Process, false)
		go func() {
			select {
			case <-c.done:
			case <-time.After(2 * time.Second):
				terminate(c.cmd.Process, true)
			}
		}()
	})
	return nil
}

func (c *commandConn) LocalAddr() net.Addr  { return commandAddr("stdio") }
func (c *commandConn) RemoteAddr() net.Addr { return commandAddr(c.desc) }
func (c *commandConn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}
func (c *commandConn) SetReadDeadline(t time.Time) error  { return c.stdout.SetReadDeadline(t) }
func (c *commandConn) SetWriteDeadline(t time.Time) error { return c.stdin.SetWriteDeadline(t) }

type commandAddr string

func (a commandAddr) Network() string { return "command" }
func (a commandAddr) String() string  { return string(a) }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// lastLine is the last non-empty line written.
func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
