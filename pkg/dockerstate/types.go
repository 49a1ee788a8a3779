package dockerstate

import (
	"context"
	"errors"
	"iter"
	"time"
)

// Endpoint describes the daemon that was checked.
type Endpoint struct {
	Host          string // e.g. unix:///var/run/docker.sock
	Source        string // why this host: "--host flag", "DOCKER_HOST", `context "lab" (DOCKER_CONTEXT)`, "default"
	Engine        string // EngineDocker or EnginePodman; empty when the daemon did not say
	APIVersion    string // the negotiated API version
	ServerVersion string // the engine's version (Podman's for Podman)
	ImageStore    string // StoreGraphdriver, StoreContainerd, StoreContainersStorage; empty while unknown
}

// Info is the full picture of a daemon, from /info: what `academy doctor`
// shows.
type Info struct {
	Endpoint        Endpoint // with ServerVersion and ImageStore filled
	StorageDriver   string   // overlay2, vfs, overlayfs (a containerd snapshotter)…
	OperatingSystem string
	OSType          string
	Architecture    string
	KernelVersion   string
	Name            string // the daemon host's name
	RootDir         string // where the daemon keeps its data
	Images          int
	Containers      int
	Warnings        []string
}

// Image is what the checks need to know of one image.
type Image struct {
	ID           string // sha256:… — config digest (graphdriver) or target digest (containerd)
	RepoTags     []string
	RepoDigests  []string
	Labels       map[string]string
	OS           string
	Architecture string
	// Comment is what the image's creator wrote of it: docker import
	// writes "Imported from …".
	Comment string
	// LastTagTime is when a name was last given to the image (a tag, a
	// load, a pull); zero when the daemon does not say.
	LastTagTime time.Time
	// Layers is how many layers the image's file system has.
	Layers int
}

// Container is what the checks need to know of one container.
type Container struct {
	ID           string
	Name         string // without the leading slash the API gives
	ImageID      string // sha256:… — the image it runs, whatever names it has now
	Image        string // the image as named when the container was created (Config.Image)
	Running      bool
	Status       string // created, running, paused, restarting, removing, exited, dead
	Error        string // why the daemon could not start it, when it could not
	RestartCount int
	Labels       map[string]string
}

// Event is one image or container event.
type Event struct {
	Type    string // "image", "container"
	Action  string // tag, untag, delete, load, pull, create, start, die… (Podman: loadfromarchive)
	ActorID string // the image or container ID (for pull and push, the reference)
	Name    string // the actor's "name" attribute: the tag, the container name…
	Time    time.Time
}

// EventFilter selects events; empty fields select everything.
type EventFilter struct {
	Types      []string  // "image", "container"
	Actions    []string  // OR'd
	Images     []string  // an image name or ID
	Containers []string  // a container name or ID
	Since      time.Time // zero: only events from now on
	Until      time.Time // with Since, PastEvents: the end of the span asked for
}

// ErrNotFound is returned (wrapped) when an image or container does not exist.
var ErrNotFound = errors.New("not found")

// The read side, split so each caller asks only for what it uses. A check
// gets these and nothing else; what changes the daemon is Writer's.
type (
	// EndpointReader describes the daemon.
	EndpointReader interface {
		Endpoint(ctx context.Context) (Endpoint, error)
	}
	// ImageReader inspects images.
	ImageReader interface {
		Image(ctx context.Context, ref string) (Image, error)
	}
	// ContainerReader inspects containers.
	ContainerReader interface {
		Container(ctx context.Context, nameOrID string) (Container, error)
	}
	// EventReader streams events.
	EventReader interface {
		Events(ctx context.Context, filter EventFilter) iter.Seq2[Event, error]
	}
	// HistoryReader reads the events the daemon remembers (Docker keeps
	// its last 256, in memory; Podman its event log).
	HistoryReader interface {
		PastEvents(ctx context.Context, filter EventFilter) ([]Event, error)
	}
	// Reader is every read a check may make.
	Reader interface {
		EndpointReader
		ImageReader
		ContainerReader
		EventReader
	}
)

var _ Reader = (*Daemon)(nil)
