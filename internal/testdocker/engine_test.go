package testdocker

import (
	"encoding/json"
	"os"
	"testing"
)

// Server parts of `docker version --format '{{json .Server}}'` and
// DriverStatus of `docker info`, as each engine printed them here.
const (
	docker2010Version = `{"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"20.10.24+dfsg1","Details":{"ApiVersion":"1.41","MinAPIVersion":"1.12"}},{"Name":"containerd","Version":"1.6.20~ds1"},{"Name":"runc","Version":"1.1.5+ds1"}],"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12"}`
	docker29Version   = `{"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"library-import","Details":{"ApiVersion":"1.56","MinAPIVersion":"1.40"}}],"Version":"library-import","ApiVersion":"1.56","MinAPIVersion":"1.40"}`
	podmanVersion     = `{"Platform":{"Name":"linux/amd64/debian-12"},"Components":[{"Name":"Podman Engine","Version":"4.3.1","Details":{"APIVersion":"4.3.1","MinAPIVersion":"4.0.0"}},{"Name":"Conmon","Version":"conmon version 2.1.6, commit: unknown"}],"Version":"4.3.1","ApiVersion":"1.41","MinAPIVersion":"1.24"}`
	containerdStatus  = `[["driver-type","io.containerd.snapshotter.v1"]]`
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, version, driverStatus string
		want                        Engine
	}{
		{"Docker 20.10, overlay", docker2010Version, `null`, Engine{Docker, "20.10.24+dfsg1", "1.41", StoreGraphdriver}},
		{"Docker 29, vfs", docker29Version, `[]`, Engine{Docker, "library-import", "1.56", StoreGraphdriver}},
		{"Docker 29, containerd store", docker29Version, containerdStatus, Engine{Docker, "library-import", "1.56", StoreContainerd}},
		{"Podman", podmanVersion, `[]`, Engine{Podman, "4.3.1", "1.41", StoreContainersStorage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v versionInfo
			var status [][2]string
			if err := json.Unmarshal([]byte(tt.version), &v); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.driverStatus), &status); err != nil {
				t.Fatal(err)
			}
			if got := classify(v, status); got != tt.want {
				t.Errorf("classify = %+v, want %+v", got, tt.want)
			}
		})
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
