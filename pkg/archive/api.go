package archive

import (
	"fmt"

	"github.com/opencontainers/go-digest"
)

// Format names the layout of an archive.
type Format string

// The layouts docker save and its cousins write. The values are stable:
// scripts read them from `archive verify -o json`.
const (
	FormatDocker Format = "docker" // Docker ≤24: <v1id>/layer.tar folders, manifest.json
	// FormatOCI is Docker 25+ on the graphdriver store: an OCI image layout
	// plus manifest.json whose LayerSources list every layer.
	FormatOCI Format = "oci"
	// FormatContainerd is the containerd image store (Docker 29's default,
	// ctr export): an OCI image layout plus manifest.json, layers kept
	// compressed, multi-platform indexes.
	FormatContainerd Format = "containerd"
	// FormatOCILayout is a bare OCI image layout, without manifest.json:
	// podman save --format oci-archive, skopeo, buildah, crane, umoci. Only
	// the containerd image store loads it.
	FormatOCILayout Format = "oci-layout"
	FormatPodman    Format = "podman" // Podman docker-archive: <digest>.tar layers, qualified RepoTags
)

// Report is what a valid archive holds.
type Report struct {
	Format      Format
	Compression string // "", "gzip", "bzip2", "xz" or "zstd"
	Images      []Image
	Size        int64 // bytes of the (possibly compressed) file read
	// Warnings are what the archive holds that academy ignored, one line
	// each, already safe to print: an index.json name that is not a valid
	// image reference, for instance.
	Warnings []string
}

// Image is one image of an archive: one manifest.json entry, or one
// index.json entry where manifest.json does not name it.
//
// Every string in an Image is validated (references, digests, platforms,
// media types) and so safe to print.
type Image struct {
	// RepoTags as written in manifest.json ("my-app:v1"; Podman writes
	// "docker.io/library/my-app:v1").
	RepoTags []string
	// Names from index.json annotations, normalised full references such
	// as "docker.io/library/my-app:v1": io.containerd.image.name, else
	// org.opencontainers.image.ref.name, read as the containerd image store
	// reads them on docker load.
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
// archive. Reason is one line a learner can act on; whatever it quotes from
// the archive (names, tags) is escaped, so it is safe to print.
type InvalidError struct {
	Reason string
}

func (e *InvalidError) Error() string { return e.Reason }

// invalidf formats a reason. Strings from the archive must go through q (or
// be validated) before they reach it.
func invalidf(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}
