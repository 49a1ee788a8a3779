package testdocker

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Product is who makes the engine that answers.
type Product string

// The products the integration tests run against.
const (
	Docker Product = "Docker"
	Podman Product = "Podman"
)

// Store is where the engine keeps images, which decides image IDs, digests
// and what `docker save` writes.
type Store string

// The image stores, as the engine reports them.
const (
	// StoreGraphdriver: Docker's classic store. The image ID is the config
	// digest; RepoDigests come only from a pull or a push.
	StoreGraphdriver Store = "graphdriver"
	// StoreContainerd: Docker's containerd image store. The image ID is the
	// manifest (or index) digest; RepoDigests are synthesized for every
	// name, so a built or tagged image has them too.
	StoreContainerd Store = "containerd"
	// StoreContainersStorage: Podman's containers/storage. The image ID is
	// the config digest; names are fully qualified (docker.io/…,
	// localhost/…); RepoDigests list every name with every manifest digest
	// it knows, built images included; `docker save` writes a
	// docker-archive with fully qualified RepoTags.
	StoreContainersStorage Store = "containers-storage"
)

// Engine describes the engine the tests talk to, as it describes itself.
type Engine struct {
	Product    Product
	Version    string // as /version says: "20.10.24+dfsg1", "4.3.1", "library-import" for a source build
	APIVersion string // the highest Engine API version it speaks, "1.41"
	Store      Store
}

// Podman reports whether the engine is Podman's Docker-compatible service.
func (e Engine) Podman() bool { return e.Product == Podman }

// ContainerdStore reports whether the engine keeps images in Docker's
// containerd image store.
func (e Engine) ContainerdStore() bool { return e.Store == StoreContainerd }

// APIAtLeast reports whether the engine speaks Engine API version v
// ("1.44") or later.
func (e Engine) APIAtLeast(v string) bool { return compareAPI(e.APIVersion, v) >= 0 }

// String names the engine for test messages: "Docker 20.10.24 (API 1.41,
// graphdriver store)".
func (e Engine) String() string {
	return fmt.Sprintf("%s %s (API %s, %s store)", e.Product, e.Version, e.APIVersion, e.Store)
}

// Describe returns the engine at DOCKER_HOST (or the default socket); it
// skips or fails t as Require does when none answers. The engine is asked
// once per test binary.
func Describe(t testing.TB) Engine {
	t.Helper()
	Require(t)
	e, err := describeOnce()
	if err != nil {
		t.Fatalf("describing the engine: %v", err)
	}
	return e
}

var describeOnce = sync.OnceValues(describe)

// versionInfo holds the fields of Docker's /version that name it.
type versionInfo struct {
	Version    string
	APIVersion string `json:"ApiVersion"`
}

// infoInfo holds the field of /info that names Docker's image store.
type infoInfo struct {
	DriverStatus [][2]string
}

func describe() (Engine, error) {
	e, err := endpointFromEnv()
	if err != nil {
		return Engine{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ping, err := e.get(ctx, "/_ping", nil)
	if err != nil {
		return Engine{}, err
	}
	if eng, ok := podmanFromPing(ping); ok {
		return eng, nil
	}
	var v versionInfo
	if _, err := e.get(ctx, "/version", &v); err != nil {
		return Engine{}, err
	}
	var info infoInfo
	if _, err := e.get(ctx, "/info", &info); err != nil {
		return Engine{}, err
	}
	return docker(v, info), nil
}

// podmanFromPing tells Podman by the headers of its ping: "Server:
// Libpod/4.3.1 (linux)" and "Libpod-Api-Version: 4.3.1".
func podmanFromPing(h http.Header) (Engine, bool) {
	version := h.Get("Libpod-Api-Version")
	if version == "" && !strings.HasPrefix(h.Get("Server"), "Libpod/") {
		return Engine{}, false
	}
	if version == "" {
		version, _, _ = strings.Cut(strings.TrimPrefix(h.Get("Server"), "Libpod/"), " ")
	}
	return Engine{Product: Podman, Version: version, APIVersion: h.Get("Api-Version"), Store: StoreContainersStorage}, true
}

// docker describes a Docker engine: its containerd image store reports
// driver-type io.containerd.snapshotter.v1 in /info's DriverStatus.
func docker(v versionInfo, info infoInfo) Engine {
	e := Engine{Product: Docker, Version: v.Version, APIVersion: v.APIVersion, Store: StoreGraphdriver}
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			e.Store = StoreContainerd
		}
	}
	return e
}

// compareAPI compares two "MAJOR.MINOR" API versions.
func compareAPI(a, b string) int {
	pa, pb := strings.SplitN(a, ".", 2), strings.SplitN(b, ".", 2)
	for i := range 2 {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// EnvEngine names the variable in which a runner that started an engine
// says what it is ("PRODUCT/STORE", e.g. "Docker/containerd"), so a test
// can prove the engine is told apart correctly.
const EnvEngine = "ACADEMY_TEST_ENGINE"
