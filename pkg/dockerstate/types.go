package dockerstate

import "errors"

// Image stores, as reported in Endpoint.ImageStore.
const (
	StoreGraphdriver = "graphdriver"
	StoreContainerd  = "containerd"
)

// Endpoint describes the daemon that was checked.
type Endpoint struct {
	Host          string // e.g. unix:///var/run/docker.sock
	APIVersion    string // the negotiated API version
	ServerVersion string // the engine's version
	ImageStore    string // StoreGraphdriver or StoreContainerd
}

// Image is what the checks need to know of one image.
type Image struct {
	ID           string // sha256:… — config digest (graphdriver) or target digest (containerd)
	RepoTags     []string
	RepoDigests  []string
	Labels       map[string]string
	OS           string
	Architecture string
}

// ErrNotFound is returned (wrapped) when an image does not exist.
var ErrNotFound = errors.New("not found")
