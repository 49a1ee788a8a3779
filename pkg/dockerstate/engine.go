package dockerstate

import (
	"net/http"
	"strings"

	"github.com/moby/moby/client/pkg/versions"
)

// Engines, as reported in Endpoint.Engine.
const (
	EngineDocker = "docker"
	EnginePodman = "podman"
)

// Image stores, as reported in Endpoint.ImageStore.
const (
	StoreGraphdriver       = "graphdriver"        // Docker's classic store: the ID is the config digest
	StoreContainerd        = "containerd"         // Docker's containerd store: the ID is the index or manifest digest
	StoreContainersStorage = "containers-storage" // Podman's store (github.com/containers/storage)
)

// pingFacts is what the headers of a /_ping answer say of the engine
// behind it: Docker sends `Server: Docker/20.10.24 (linux)`, Podman
// `Server: Libpod/4.3.1 (linux)` and Libpod-Api-Version.
type pingFacts struct {
	engine, version string
	apiVersion      string // the newest the engine speaks (Api-Version)
	osType          string
	store           string // when the engine alone tells it
}

func readPing(h http.Header) pingFacts {
	f := pingFacts{apiVersion: safeToken(h.Get("Api-Version")), osType: safeToken(h.Get("Ostype"))}
	product, rest, _ := strings.Cut(h.Get("Server"), "/")
	version, _, _ := strings.Cut(rest, " ")
	switch strings.ToLower(strings.TrimSpace(product)) {
	case "docker":
		f.engine, f.version = EngineDocker, safeToken(version)
	case "libpod", "podman":
		f.engine, f.version = EnginePodman, safeToken(version)
	}
	if lp := h.Get("Libpod-Api-Version"); lp != "" {
		f.engine = EnginePodman
		if f.version == "" {
			f.version = safeToken(lp)
		}
	}
	switch {
	case f.engine == EnginePodman:
		f.store = StoreContainersStorage
	case f.engine == EngineDocker && f.apiVersion != "" && versions.LessThan(f.apiVersion, "1.42"):
		// The containerd store came with Docker 23 (API 1.42).
		f.store = StoreGraphdriver
	}
	return f
}

// safeToken keeps a header value that can be a version or a name, and
// drops anything else: it reaches reports and terminals.
func safeToken(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".+-_~", r)) {
			return ""
		}
	}
	return s
}

// storeFromDriverStatus reads the store from /info's DriverStatus: the
// containerd snapshotter announces itself as driver-type
// io.containerd.snapshotter.v1.
func storeFromDriverStatus(status [][2]string) string {
	for _, kv := range status {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			return StoreContainerd
		}
	}
	return StoreGraphdriver
}
