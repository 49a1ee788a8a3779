package testdocker

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What each engine answered here: Docker's /version and /info (the fields
// read), Podman's ping headers.
const (
	docker2010Version = `{"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"20.10.24+dfsg1"}],"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12"}`
	docker29Version   = `{"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"library-import"}],"Version":"library-import","ApiVersion":"1.56","MinAPIVersion":"1.40"}`
	overlayInfo       = `{"Driver":"fuse-overlayfs","DriverStatus":null}`
	vfsInfo           = `{"Driver":"vfs","DriverStatus":null}`
	containerdInfo    = `{"Driver":"native","DriverStatus":[["driver-type","io.containerd.snapshotter.v1"]]}`
)

func TestDescribeDocker(t *testing.T) {
	tests := []struct {
		name, version, info string
		want                Engine
	}{
		{"Docker 20.10, overlay", docker2010Version, overlayInfo, Engine{Docker, "20.10.24+dfsg1", "1.41", StoreGraphdriver}},
		{"Docker 29, vfs", docker29Version, vfsInfo, Engine{Docker, "library-import", "1.56", StoreGraphdriver}},
		{"Docker 29, containerd store", docker29Version, containerdInfo, Engine{Docker, "library-import", "1.56", StoreContainerd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v versionInfo
			var info infoInfo
			if err := json.Unmarshal([]byte(tt.version), &v); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.info), &info); err != nil {
				t.Fatal(err)
			}
			if got := docker(v, info); got != tt.want {
				t.Errorf("docker = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPodmanFromPing(t *testing.T) {
	podman := http.Header{
		"Api-Version":        {"1.41"},
		"Libpod-Api-Version": {"4.3.1"},
		"Server":             {"Libpod/4.3.1 (linux)"},
	}
	if got, ok := podmanFromPing(podman); !ok || got != (Engine{Podman, "4.3.1", "1.41", StoreContainersStorage}) {
		t.Errorf("Podman's ping: %+v, %v", got, ok)
	}
	serverOnly := http.Header{"Api-Version": {"1.41"}, "Server": {"Libpod/5.8.2 (linux)"}}
	if got, ok := podmanFromPing(serverOnly); !ok || got.Version != "5.8.2" {
		t.Errorf("Podman's ping without Libpod-Api-Version: %+v, %v", got, ok)
	}
	docker := http.Header{"Api-Version": {"1.41"}, "Server": {"Docker/20.10.24+dfsg1 (linux)"}, "Docker-Experimental": {"false"}}
	if got, ok := podmanFromPing(docker); ok {
		t.Errorf("Docker's ping taken for Podman: %+v", got)
	}
}

func TestAPIAtLeast(t *testing.T) {
	e := Engine{APIVersion: "1.41"}
	for v, want := range map[string]bool{"1.24": true, "1.41": true, "1.44": false, "1.9": true, "2.0": false} {
		if got := e.APIAtLeast(v); got != want {
			t.Errorf("API 1.41 at least %s = %v, want %v", v, got, want)
		}
	}
}

// TestDescribeRealEngine checks that the engine at DOCKER_HOST is told
// apart correctly. .ci/run names what it started in ACADEMY_TEST_ENGINE
// ("Docker/containerd", "Podman/containers-storage", …).
func TestDescribeRealEngine(t *testing.T) {
	want := os.Getenv(EnvEngine)
	e := Describe(t)
	t.Logf("engine: %s", e)
	if want == "" {
		t.Skipf("%s not set: nothing to compare %s with", EnvEngine, e)
	}
	if got := string(e.Product) + "/" + string(e.Store); got != want {
		t.Errorf("engine at DOCKER_HOST is %s (%s), want %s", got, e, want)
	}
}

func TestEndpointFromEnv(t *testing.T) {
	tests := []struct{ host, base, err string }{
		{"", "http://engine", ""},
		{"unix:///run/podman/podman.sock", "http://engine", ""},
		{"tcp://127.0.0.1:2375", "http://127.0.0.1:2375", ""},
		{"ssh://me@host", "", "unix:// or tcp://"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", tt.host)
			t.Setenv("DOCKER_CERT_PATH", "")
			t.Setenv("DOCKER_TLS_VERIFY", "")
			e, err := endpointFromEnv()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || e.base != tt.base {
				t.Errorf("endpoint %+v, %v; want base %s", e, err, tt.base)
			}
		})
	}
}

// TestProbeNoEngine pings a socket nobody listens on: the reason names it.
func TestProbeNoEngine(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	if err := probe(); err == nil || !strings.Contains(err.Error(), sock) {
		t.Errorf("probe = %v, want an error naming %s", err, sock)
	}
}
