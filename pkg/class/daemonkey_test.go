package class

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two spellings of one daemon are one host: refused in a hosts file and
// among -H, with both spellings named, so one learner's daemon is never
// graded as two rows. Different daemons stay apart.
func TestSameDaemonSpelledTwice(t *testing.T) {
	dir := t.TempDir()
	// dir/run/docker.sock, and dir/var/run a link to dir/run, as /var/run
	// is to /run on most Linux systems.
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run", "docker.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "var"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../run", filepath.Join(dir, "var", "run")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	// A hard link to the socket file is the same socket.
	if err := os.Link(filepath.Join(dir, "run", "docker.sock"), filepath.Join(dir, "hl.sock")); err != nil {
		t.Skipf("hard link: %v", err)
	}
	sock := "unix://" + dir + "/var/run/docker.sock"
	same := []struct{ name, a, b string }{
		{"a link in the path", sock, "unix://" + dir + "/run/docker.sock"},
		{"a double slash", sock, "unix://" + dir + "/var/run//docker.sock"},
		{"a dot", sock, "unix://" + dir + "/var/run/./docker.sock"},
		{"a dot-dot", sock, "unix://" + dir + "/var/run/../run/docker.sock"},
		{"a socket not there yet", "unix://" + dir + "/none/docker.sock", "unix://" + dir + "/none//x/../docker.sock"},
		{"tcp host case", "tcp://PC7:2376", "tcp://pc7:2376"},
		{"tcp default port", "tcp://pc7", "tcp://pc7:2375"},
		{"tcp IPv6", "tcp://[::1]:2375", "tcp://[::1]"},
		{"a hard link to the socket", sock, "unix://" + dir + "/hl.sock"},
		{"tcp IPv6 spelt two ways", "tcp://[::1]:2375", "tcp://[0:0::1]"},
		{"tcp IPv6 in capitals", "tcp://[FE80::1%25eth0]:2376", "tcp://[fe80:0::1%25eth0]:2376"},
		{"tcp IPv4 as IPv6", "tcp://[::ffff:127.0.0.1]", "tcp://127.0.0.1"},
		{"ssh IPv6 spelt two ways", "ssh://ada@[::1]", "ssh://ada@[0::1]:22"},
		{"ssh host case and default port", "ssh://ada@PC7", "ssh://ada@pc7:22"},
		{"ssh socket path", "ssh://ada@pc7/run/docker.sock", "ssh://ada@pc7//run/./docker.sock"},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			if DaemonKey(tt.a) != DaemonKey(tt.b) {
				t.Fatalf("DaemonKey(%s) = %s, DaemonKey(%s) = %s: one daemon, two keys", tt.a, DaemonKey(tt.a), tt.b, DaemonKey(tt.b))
			}
			_, err := FromEndpoints([]string{tt.a, tt.b})
			if err == nil || !strings.Contains(err.Error(), tt.a) || !strings.Contains(err.Error(), tt.b) || strings.Contains(err.Error(), "\n") {
				t.Errorf("-H %s -H %s: err = %v, want one line naming both", tt.a, tt.b, err)
			}
			_, err = ParseHosts("class.txt", strings.NewReader("pc1 "+tt.a+"\npc2 "+tt.b+"\n"))
			if err == nil || !strings.Contains(err.Error(), "class.txt:2:") || !strings.Contains(err.Error(), tt.a) || !strings.Contains(err.Error(), tt.b) {
				t.Errorf("hosts file: err = %v, want line 2 naming both spellings", err)
			}
		})
	}

	apart := [][2]string{
		{"tcp://pc7:2375", "tcp://pc7:2376"},
		{"tcp://pc7:2376", "tcp://pc8:2376"},
		{"ssh://ada@pc7", "ssh://bob@pc7"},
		{"ssh://ada@pc7", "ssh://ada@pc7:2222"},
		{"ssh://ada@pc7/run/a.sock", "ssh://ada@pc7/run/b.sock"},
		{"unix://" + dir + "/run/docker.sock", "unix://" + dir + "/run/other.sock"},
		{"tcp://pc7:2375", "ssh://pc7:2375"},
		// Names are not looked up: one machine by two names is two keys.
		{"tcp://localhost:2375", "tcp://127.0.0.1:2375"},
		{"tcp://[::1]", "tcp://127.0.0.1"},
		{"tcp://[fe80::1%25eth0]", "tcp://[fe80::1%25eth1]"},
	}
	for _, p := range apart {
		if _, err := FromEndpoints(p[:]); err != nil {
			t.Errorf("-H %s -H %s: %v, but they are two daemons", p[0], p[1], err)
		}
	}
}
