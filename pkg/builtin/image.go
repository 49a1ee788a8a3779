package builtin

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Labels every builtin image carries, so anyone can tell academy's images
// from their own: `docker images --filter label=dev.academy.builtin`.
const (
	// LabelMission names the mission the image was made for.
	LabelMission = "dev.academy.mission"
	// LabelBuiltin holds the name the image was made under: an image
	// retagged afterwards still says what it was made as.
	LabelBuiltin = "dev.academy.builtin"
)

// MadeFor says whether an image with these labels and this many layers is
// one academy made for mission. An image built FROM academy's inherits its
// labels but adds layers (academy's have one): that one is someone's own.
func MadeFor(mission string, labels map[string]string, layers int) bool {
	return labels[LabelMission] == mission && layers <= 1
}

// MadeAs is the name academy made an image with these labels and layers
// under, whatever names it has now; "" when it is not academy's own.
func MadeAs(labels map[string]string, layers int) string {
	if layers > 1 {
		return ""
	}
	return labels[LabelBuiltin]
}

// builtinCreated is the creation time every builtin image states: a fixed
// one, so the same image is the same bytes (the same ID) whenever and
// wherever it is made.
var builtinCreated = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Image is an image academy makes offline: one layer holding the program
// /app (see Program) for the daemon's architecture, and a config that
// runs it and carries academy's labels.
type Image struct {
	// Ref is the name the image is made under: my-app:v1.
	Ref string
	// Mission is the id of the mission it is made for.
	Mission string
	// Arch is the daemon's architecture as images name it (amd64,
	// arm64). For another one the image holds no program: it can be
	// tagged, saved and loaded, but a container of it does not run.
	Arch string
	// Program is what /app does.
	Program Program
}

// Archive is a builtin image as a `docker save` archive, and the
// IDs the daemon will give it.
type Archive struct {
	// Data is the archive: the layout Docker 25+ writes (oci-layout,
	// index.json, manifest.json and blobs/sha256), which Docker 20.10
	// (through manifest.json), Docker 25+ on either image store and
	// Podman all load.
	Data []byte
	// Name is the reference the archive tags the image with, normalized
	// (my-app:v1; nginx is nginx:latest).
	Name string
	// Config is the config's digest: the image ID on Docker's classic
	// store and on Podman.
	Config digest.Digest
	// Manifest is the manifest's digest: the image ID on Docker's
	// containerd image store.
	Manifest digest.Digest
}

// Runnable says whether a builtin image for arch holds a program.
func Runnable(arch string) bool {
	for _, a := range programArchs {
		if a == arch {
			return true
		}
	}
	return false
}

// IDs are the image IDs a daemon may give the image, by image store.
func (a *Archive) IDs() []string {
	return []string{a.Config.String(), a.Manifest.String()}
}

// Has says whether id is one of the image's IDs.
func (a *Archive) Has(id string) bool {
	return id == a.Config.String() || id == a.Manifest.String()
}

// Archive writes the image as a docker save archive, in memory (a builtin
// image weighs a few kilobytes). The same Image gives the same bytes.
func (b Image) Archive() (*Archive, error) {
	named, err := reference.ParseNormalizedNamed(b.Ref)
	if err != nil {
		return nil, fmt.Errorf("builtin image %s: %w", b.Ref, err)
	}
	if _, ok := named.(reference.Digested); ok {
		return nil, fmt.Errorf("builtin image %s: a digest cannot be given to an image made here; name it NAME:TAG", b.Ref)
	}
	tagged, _ := reference.TagNameOnly(named).(reference.NamedTagged)
	name := reference.FamiliarString(tagged)

	layer, cfg, err := b.contents(name)
	if err != nil {
		return nil, err
	}
	layerDigest := digest.FromBytes(layer)
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{layerDigest}}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	manifest, err := json.Marshal(ocispec.Manifest{
		Versioned: specsVersion,
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))},
		Layers:    []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer, Digest: layerDigest, Size: int64(len(layer))}},
	})
	if err != nil {
		return nil, err
	}
	out := &Archive{Name: name, Config: digest.FromBytes(config), Manifest: digest.FromBytes(manifest)}
	index, err := json.Marshal(ocispec.Index{
		Versioned: specsVersion,
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{{
			MediaType: ocispec.MediaTypeImageManifest, Digest: out.Manifest, Size: int64(len(manifest)),
			Annotations: map[string]string{
				"io.containerd.image.name": tagged.String(),
				ocispec.AnnotationRefName:  tagged.Tag(),
			},
		}},
	})
	if err != nil {
		return nil, err
	}
	legacy, err := json.Marshal([]map[string]any{{
		"Config":   blobPath(out.Config),
		"RepoTags": []string{name},
		"Layers":   []string{blobPath(layerDigest)},
	}})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := newTarWriter(&buf)
	tw.dir("blobs/")
	tw.dir("blobs/sha256/")
	tw.file(blobPath(layerDigest), layer, 0o644)
	tw.file(blobPath(out.Config), config, 0o644)
	tw.file(blobPath(out.Manifest), manifest, 0o644)
	tw.file("index.json", index, 0o644)
	tw.file("manifest.json", legacy, 0o644)
	tw.file(ocispec.ImageLayoutFile, []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	if err := tw.close(); err != nil {
		return nil, err
	}
	out.Data = buf.Bytes()
	return out, nil
}

var specsVersion = specs.Versioned{SchemaVersion: 2}

// contents is the image's one layer and its config (without the rootfs).
func (b Image) contents(name string) ([]byte, ocispec.Image, error) {
	cfg := ocispec.Image{
		Created:  &builtinCreated,
		Platform: ocispec.Platform{OS: "linux", Architecture: b.Arch},
		Config: ocispec.ImageConfig{
			Labels: map[string]string{LabelMission: b.Mission, LabelBuiltin: name},
		},
		History: []ocispec.History{{Created: &builtinCreated, CreatedBy: "academy setup " + b.Mission + " (builtin image " + name + ")"}},
	}
	if b.Arch == "arm64" {
		cfg.Platform.Variant = "v8"
	}
	var layer bytes.Buffer
	tw := newTarWriter(&layer)
	if Runnable(b.Arch) {
		exe, err := b.Program.Executable(b.Arch)
		if err != nil {
			return nil, cfg, fmt.Errorf("builtin image %s: %w", name, err)
		}
		tw.file("app", exe, 0o755)
		cfg.Config.Entrypoint = []string{"/app"}
	} else {
		// No program for this architecture: the image is still an image.
		tw.file("README", []byte("academy's builtin image "+name+" (no program for "+b.Arch+")\n"), 0o644)
	}
	if err := tw.close(); err != nil {
		return nil, cfg, err
	}
	return layer.Bytes(), cfg, nil
}

// DefaultMessage is what a builtin image's program says when it starts.
func DefaultMessage(name string) string {
	return name + ": running (academy's builtin image; stop it with docker stop)\n"
}

// Message is what the program of the image made as name says: log, the
// mission's line for it, or DefaultMessage.
func Message(name, log string) string {
	if log == "" {
		return DefaultMessage(name)
	}
	return log + "\n"
}

func blobPath(d digest.Digest) string { return "blobs/sha256/" + d.Encoded() }

// tarWriter writes tar entries whose headers depend on nothing but their
// name, mode and content: no time, no owner.
type tarWriter struct {
	tw  *tar.Writer
	err error
}

func newTarWriter(buf *bytes.Buffer) *tarWriter { return &tarWriter{tw: tar.NewWriter(buf)} }

func (w *tarWriter) header(h *tar.Header) {
	h.ModTime, h.Format, h.Uname, h.Gname = builtinCreated, tar.FormatUSTAR, "", ""
	if w.err == nil {
		w.err = w.tw.WriteHeader(h)
	}
}

func (w *tarWriter) dir(name string) {
	w.header(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755})
}

func (w *tarWriter) file(name string, data []byte, mode int64) {
	w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))})
	if w.err == nil {
		_, w.err = w.tw.Write(data)
	}
}

func (w *tarWriter) close() error {
	if w.err != nil {
		return w.err
	}
	return w.tw.Close()
}

// ArchOf turns what a daemon's /info says of its machine (x86_64,
// aarch64; Podman says amd64, arm64) into the name images use.
func ArchOf(machine string) string {
	switch m := strings.ToLower(strings.TrimSpace(machine)); m {
	case "x86_64", "x86-64", "amd64":
		return "amd64"
	case "aarch64", "arm64", "armv8", "armv8l":
		return "arm64"
	default:
		return m
	}
}
