package dockerstate

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// localSocket is the unix socket of the daemon the environment names; the
// remote tests put TLS and ssh in front of it.
func localSocket(t *testing.T) string {
	t.Helper()
	realDaemon(t)
	target, err := Resolve(Options{})
	if err != nil {
		t.Fatal(err)
	}
	path, ok := strings.CutPrefix(target.Host, "unix://")
	if !ok {
		t.Skipf("the local daemon is at %s, not a unix socket to put TLS or ssh in front of", target.Host)
	}
	return path
}

// proxy listens on 127.0.0.1 (with TLS when cfg is not nil) and relays
// every connection to the unix socket: a daemon reached over tcp://, as
// `dockerd --tlsverify -H tcp://…` would be.
func proxy(t *testing.T, socket string, cfg *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		l = tls.NewListener(l, cfg)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if tc, ok := c.(*tls.Conn); ok {
					if err := tc.Handshake(); err != nil {
						// As dockerd's net/http server answers plain HTTP.
						var re tls.RecordHeaderError
						if errors.As(err, &re) && re.Conn != nil {
							io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
						}
						return
					}
				}
				up, err := net.Dial("unix", socket)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{})
				go func() { io.Copy(up, c); up.Close(); close(done) }()
				io.Copy(c, up)
				c.Close()
				<-done
			}()
		}
	}()
	return l.Addr().String()
}

// TestTLS reaches the real daemon through a TLS listener that wants a
// client certificate, with the material from the environment and from a
// context, and explains each way of getting TLS wrong.
func TestTLS(t *testing.T) {
	socket := localSocket(t)
	pki := newPKI(t)
	addr := proxy(t, socket, pki.serverConfig())
	plain := proxy(t, socket, nil)
	elsewhere := proxy(t, socket, pki.serverConfigWith(pki.server(t, []string{"daemon.example"}, nil)))
	ref := importImage(t, "tls:v1")
	id := docker(t, "image", "inspect", "--format", "{{.Id}}", ref)
	serverVersion := docker(t, "version", "--format", "{{.Server.Version}}")

	config := t.TempDir()
	writeFile(t, filepath.Join(contextDir(config, "meta", "secure"), "meta.json"),
		`{"Name":"secure","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://`+addr+`","SkipTLSVerify":false}}}`)
	tlsStore := filepath.Join(contextDir(config, "tls", "secure"), "docker")
	writeFile(t, filepath.Join(tlsStore, "ca.pem"), string(pki.caPEM))
	writeFile(t, filepath.Join(tlsStore, "cert.pem"), string(pki.clientPEM))
	writeFile(t, filepath.Join(tlsStore, "key.pem"), string(pki.clientKey))

	works := []struct {
		name       string
		opts       Options
		env        map[string]string
		wantSource string
	}{
		{"DOCKER_TLS_VERIFY and DOCKER_CERT_PATH", Options{},
			map[string]string{"DOCKER_HOST": "tcp://" + addr, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": pki.certDir(t, true)}, "DOCKER_HOST"},
		{"by the name in the certificate", Options{Host: "tcp://localhost:" + portOf(addr)},
			map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": pki.certDir(t, true)}, "--host flag"},
		{"a context's TLS material", Options{Context: "secure"},
			map[string]string{"DOCKER_CONFIG": config, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/nowhere"}, `context "secure" (--context flag)`},
		{"DOCKER_TLS: TLS without verifying the daemon", Options{Host: "tcp://" + addr},
			map[string]string{"DOCKER_TLS": "1", "DOCKER_CERT_PATH": withClientNoCA(t, pki)}, "--host flag"},
	}
	for _, tt := range works {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv = envOf(tt.env)
			d, err := Open(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if !d.Target().TLS {
				t.Errorf("Target.TLS = false")
			}
			ep, err := d.Endpoint(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ep.ServerVersion != serverVersion || ep.Source != tt.wantSource {
				t.Errorf("Endpoint = %+v, want server %s from %s", ep, serverVersion, tt.wantSource)
			}
			img, err := d.Image(context.Background(), ref)
			if err != nil || img.ID != id {
				t.Errorf("Image(%s) = %+v, %v; want %s", ref, img, err, id)
			}
		})
	}

	fails := []struct {
		name string
		host string
		env  map[string]string
		want []string
	}{
		{"no client certificate", "tcp://" + addr,
			map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": pki.certDir(t, false)},
			[]string{"refused the TLS connection", "cert.pem and key.pem"}},
		{"another CA", "tcp://" + addr,
			map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": newPKI(t).certDir(t, true)},
			[]string{"not signed by the CA given", "ca.pem"}},
		{"a certificate for another name", "tcp://" + elsewhere,
			map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": pki.certDir(t, true)},
			[]string{"not for this host"}},
		{"plain HTTP to a TLS daemon", "tcp://" + addr, map[string]string{},
			[]string{"the daemon speaks TLS here", "DOCKER_TLS_VERIFY=1"}},
		{"TLS to a plain daemon", "tcp://" + plain,
			map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": pki.certDir(t, true)},
			[]string{"does not speak TLS here"}},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(Options{Host: tt.host, Getenv: envOf(tt.env), Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			_, err = d.Endpoint(context.Background())
			t.Log(err)
			assertRequestError(t, err, tt.host, tt.want...)
		})
	}
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// withClientNoCA is a DOCKER_CERT_PATH whose ca.pem is not the daemon's
// CA: only DOCKER_TLS (no verification) gets through with it.
func withClientNoCA(t *testing.T, p *testPKI) string {
	dir := p.certDir(t, true)
	writeFile(t, filepath.Join(dir, "ca.pem"), string(newPKI(t).caPEM))
	return dir
}

// standInSSH puts an `ssh` on PATH that logs its pid and arguments, then
// runs the remote command here: `docker system dial-stdio` against the
// local daemon. body replaces that when not empty.
func standInSSH(t *testing.T, socket, body string) (logPath string) {
	t.Helper()
	dir := t.TempDir()
	logPath = filepath.Join(dir, "ssh.log")
	if body == "" {
		body = `while [ "$1" != "--" ]; do shift; done
shift 2
export DOCKER_HOST=unix://` + socket + `
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
exec "$@"`
	}
	script := "#!/bin/sh\necho \"$$ $*\" >>" + logPath + "\n" + body + "\n"
	writeFile(t, filepath.Join(dir, "ssh"), script)
	if err := os.Chmod(filepath.Join(dir, "ssh"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return logPath
}

// sshRuns reads the stand-in's log: the pid and arguments of each run.
func sshRuns(t *testing.T, logPath string) (pids []int, args []string) {
	t.Helper()
	data, err := os.ReadFile(logPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		pid, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(pid)
		if err != nil {
			t.Fatalf("ssh.log: %q", line)
		}
		pids, args = append(pids, n), append(args, rest)
	}
	return pids, args
}

// waitGone waits until no process has the pid: the stand-in was ended
// and reaped.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Errorf("process %d still runs 30s after its connection was closed", pid)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSSH reaches the real daemon through `ssh … docker system
// dial-stdio`, with a stand-in ssh that runs the remote command here: real
// bytes through a process's stdio, the process ended on close and when the
// caller gives up.
func TestSSH(t *testing.T) {
	socket := localSocket(t)
	ref := importImage(t, "ssh:v1")
	id := docker(t, "image", "inspect", "--format", "{{.Id}}", ref)
	serverVersion := docker(t, "version", "--format", "{{.Server.Version}}")

	t.Run("through dial-stdio, ended on Close", func(t *testing.T) {
		log := standInSSH(t, socket, "")
		d, err := Open(Options{Host: "ssh://learner@lab7:2222", Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := d.Endpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ep.ServerVersion != serverVersion || ep.Host != "ssh://learner@lab7:2222" {
			t.Errorf("Endpoint = %+v", ep)
		}
		img, err := d.Image(context.Background(), ref)
		if err != nil || img.ID != id {
			t.Errorf("Image = %+v, %v; want %s", img, err, id)
		}
		pids, args := sshRuns(t, log)
		if len(pids) != 1 {
			t.Fatalf("ssh ran %d times, want once for both requests: %q", len(pids), args)
		}
		if want := "-o ConnectTimeout=30 -T -l learner -p 2222 -- lab7 docker system dial-stdio"; args[0] != want {
			t.Errorf("ssh %s, want ssh %s", args[0], want)
		}
		if err := syscall.Kill(pids[0], 0); err != nil {
			t.Errorf("the connection's process is gone before Close: %v", err)
		}
		d.Close()
		waitGone(t, pids[0])
	})

	t.Run("a context with a socket path", func(t *testing.T) {
		log := standInSSH(t, socket, "")
		config := t.TempDir()
		writeFile(t, filepath.Join(contextDir(config, "meta", "lab"), "meta.json"),
			`{"Name":"lab","Endpoints":{"docker":{"Host":"ssh://lab7`+socket+`"}}}`)
		d, err := Open(Options{Getenv: envOf(map[string]string{"DOCKER_CONFIG": config, "DOCKER_CONTEXT": "lab"})})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ep, err := d.Endpoint(context.Background())
		if err != nil || ep.Source != `context "lab" (DOCKER_CONTEXT)` {
			t.Fatalf("Endpoint = %+v, %v", ep, err)
		}
		_, args := sshRuns(t, log)
		if want := "-o ConnectTimeout=30 -T -- lab7 docker --host=unix://" + socket + " system dial-stdio"; len(args) != 1 || args[0] != want {
			t.Errorf("ssh %q, want ssh %s", args, want)
		}
	})

	t.Run("ended when the caller gives up on a stream", func(t *testing.T) {
		log := standInSSH(t, socket, "")
		d, err := Open(Options{Host: "ssh://lab7", Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		ended := make(chan error, 1)
		go func() {
			var last error
			// Nothing happens to this image: the stream waits.
			for _, err := range d.Events(ctx, EventFilter{Images: []string{ref + "-quiet"}}) {
				last = err
			}
			ended <- last
		}()
		go func() {
			for {
				if pids, _ := sshRuns(t, log); len(pids) > 0 {
					close(started)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		<-started
		time.Sleep(100 * time.Millisecond) // the events request is out
		cancel()
		if err := <-ended; !errors.Is(err, context.Canceled) {
			t.Errorf("stream ended with %v, want context.Canceled", err)
		}
		pids, _ := sshRuns(t, log)
		for _, pid := range pids {
			waitGone(t, pid)
		}
	})

	t.Run("ssh fails: its words, and what to try", func(t *testing.T) {
		standInSSH(t, socket, `echo "ssh: Could not resolve hostname lab7: Name or service not known" >&2
exit 255`)
		d, err := Open(Options{Host: "ssh://learner@lab7:2222", Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_, err = d.Endpoint(context.Background())
		t.Log(err)
		assertRequestError(t, err, "ssh://learner@lab7:2222", "exit status 255", "Could not resolve hostname lab7", "ssh -p 2222 learner@lab7 docker version")
	})

	t.Run("ssh waits for ever: the timeout ends it and its process", func(t *testing.T) {
		log := standInSSH(t, socket, "exec sleep 600")
		d, err := Open(Options{Host: "ssh://lab7", Getenv: noEnv, Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_, err = d.Endpoint(context.Background())
		assertRequestError(t, err, "ssh://lab7", "no answer within 200ms", "password or a host key")
		pids, _ := sshRuns(t, log)
		for _, pid := range pids {
			waitGone(t, pid)
		}
	})

	t.Run("no ssh installed", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		d, err := Open(Options{Host: "ssh://lab7", Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		_, err = d.Endpoint(context.Background())
		assertRequestError(t, err, "ssh://lab7", "install an OpenSSH client")
	})
}
