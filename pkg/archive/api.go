package archive

import (
	"fmt"

	"github.com/opencontainers/go-digest"
)

// Format names the layout of an archive.
type Format string

// The layouts docker save and its cousins write.
const (
	FormatDocker     Format = "docker"     // Docker ≤24: <v1id>/layer.tar folders, manifest.json
	FormatOCI        Format = "oci"        // Docker 25+ graphdriver: OCI layout plus manifest.json
	FormatContainerd Format = "containerd" // containerd image store: OCI layout, compressed layers, indexes
	FormatPodman     Format = "podman"     // Podman docker-archive: <digest>.tar layers, qualified RepoTags
)

// Report is what a valid archive holds.
type Report struct {
	Format      Format
	Compression string // "", "gzip", "bzip2", "xz" or "zstd"
	Images      []Image
	Size        int64 // bytes of the (possibly compressed) file read
}

// Image is one image of an archive: one manifest.json entry, or one
// index.json entry where manifest.json does not name it.
type Image struct {
	// RepoTags as written in manifest.json ("my-app:v1"; Podman writes
	// "docker.io/library/my-app:v1").
	RepoTags []string
	// Names from index.json annotations (io.containerd.image.name), full
	// references such as "docker.io/library/my-app:v1".
	Names []string
	// Config is the digest of the image config: the image ID on the
	// graphdriver store.
	Config digest.Digest
	// Manifest is the digest of the platform manifest, when the archive
	// holds one (OCI layouts); empty for Docker ≤24 and Podman archives.
	Manifest digest.Digest
	// Target is the digest of the index.json entry (a manifest, or an
	// index for multi-platform images): the image ID on the containerd
	// store. Empty where the archive has no index.json.
	Target digest.Digest
	// Platform such as "linux/amd64", from the config.
	Platform string
	// Platforms lists every platform of Target that the archive holds, in
	// index order, when Target is a multi-platform index (containerd
	// store); Platform, Manifest, Config and Layers describe one of them.
	Platforms []string
	Layers    []Layer
}

// Layer is one layer of an image, in order.
type Layer struct {
	Digest    digest.Digest // digest of the blob as stored (compressed or not)
	DiffID    digest.Digest // digest of the uncompressed tar, as in rootfs.diff_ids
	Size      int64         // size of the blob as stored
	MediaType string
}

// InvalidError says the archive is not a complete, uncorrupted docker save
// archive. Reason is one line a learner can act on.
type InvalidError struct {
	Reason string
}

func (e *InvalidError) Error() string { return e.Reason }

func invalidf(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}
