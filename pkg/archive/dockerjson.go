package archive

import (
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// manifest.json: the image list Docker (every version), Podman's
// docker-archive and the containerd store write, which the graphdriver
// store loads from.

// Media types met in docker save archives.
const (
	mediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerConfig       = "application/vnd.docker.container.image.v1+json"
	mediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar"
	mediaTypeDockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// manifestEntry is one image of manifest.json, as docker save writes it.
type manifestEntry struct {
	Config       string
	RepoTags     []string
	Layers       []string
	Parent       string                               `json:",omitempty"`
	LayerSources map[digest.Digest]ocispec.Descriptor `json:",omitempty"`
}

// imageConfig is the part of an image config that verification reads.
type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant"`
	RootFS       struct {
		Type    string          `json:"type"`
		DiffIDs []digest.Digest `json:"diff_ids"`
	} `json:"rootfs"`
}

func (c *imageConfig) platform() string {
	p := c.OS + "/" + c.Architecture
	if c.Variant != "" {
		p += "/" + c.Variant
	}
	if p == "/" {
		return ""
	}
	return p
}

// readManifestJSON decodes manifest.json, if the archive has one.
func (v *verifier) readManifestJSON() ([]manifestEntry, bool, error) {
	e, err := v.lookup("manifest.json")
	if err != nil || e == nil {
		return nil, false, err
	}
	var manifests []manifestEntry
	if err := v.decode(e, "manifest.json", &manifests, true); err != nil {
		return nil, true, invalidf("manifest.json is not a valid docker save manifest: %s", errText(err))
	}
	if len(manifests) > MaxImages {
		return nil, true, invalidf("manifest.json lists %d images, more than the %d academy reads", len(manifests), MaxImages)
	}
	return manifests, true, nil
}

// manifestImage checks one manifest.json entry: its config, and each layer
// against the config's diff_ids.
func (v *verifier) manifestImage(i int, m manifestEntry) (Image, error) {
	for _, tag := range m.RepoTags {
		if err := checkRepoTag(tag); err != nil {
			return Image{}, err
		}
	}
	what := fmt.Sprintf("manifest.json entry %d", i+1)
	if len(m.RepoTags) > 0 {
		what = fmt.Sprintf("the image %s", m.RepoTags[0])
	}
	if m.Config == "" {
		return Image{}, invalidf("manifest.json gives no config for %s", what)
	}
	ce, err := v.lookupPath(m.Config)
	if err != nil {
		return Image{}, err
	}
	if ce == nil {
		return Image{}, invalidf("the archive lacks %s, the config of %s", q(m.Config), what)
	}
	cfg, err := v.config(ce, q(m.Config))
	if err != nil {
		return Image{}, err
	}
	img := Image{
		RepoTags: m.RepoTags,
		Config:   ce.blob.digest,
		Platform: cfg.platform(),
	}
	if len(m.Layers) != len(cfg.RootFS.DiffIDs) {
		return Image{}, invalidf("manifest.json lists %d layers for %s, but its config has %d", len(m.Layers), what, len(cfg.RootFS.DiffIDs))
	}
	for j, p := range m.Layers {
		want := cfg.RootFS.DiffIDs[j]
		src, hasSrc := m.LayerSources[want]
		if hasSrc {
			if err := checkMediaType(fmt.Sprintf("LayerSources of %s", what), src.MediaType); err != nil {
				return Image{}, err
			}
		}
		le, err := v.lookupPath(p)
		if err != nil {
			return Image{}, err
		}
		if le == nil {
			if hasSrc && isForeign(src.MediaType) {
				// Docker ≤24 would fetch it from src.URLs; nothing can be
				// fetched offline, and a fresh daemon's load fails on it.
				return Image{}, invalidf("the archive lacks %s, layer %d of %s: manifest.json declares it foreign (%s), but docker load needs its bytes in the archive",
					q(p), j+1, what, q(src.MediaType))
			}
			return Image{}, invalidf("the archive lacks %s, layer %d of %s", q(p), j+1, what)
		}
		if le.typ != typeFile {
			return Image{}, invalidf("%s, layer %d of %s, is not a file", q(p), j+1, what)
		}
		mt := ""
		if hasSrc {
			mt = src.MediaType
		}
		diffID, err := layerDiffID(le, p, mt)
		if err != nil {
			return Image{}, err
		}
		if diffID != want {
			return Image{}, invalidf("layer %d of %s (%s) is not the image's: its content hashes to %s, the image config expects %s",
				j+1, what, q(p), short(diffID), short(want))
		}
		if mt == "" {
			mt = mediaTypeDockerLayer
			switch le.blob.compression {
			case "gzip":
				mt = mediaTypeDockerLayerGzip
			case "zstd":
				mt = ocispec.MediaTypeImageLayerZstd
			}
		}
		img.Layers = append(img.Layers, Layer{Digest: le.blob.digest, DiffID: diffID, Size: le.size, MediaType: mt})
	}
	return img, nil
}
