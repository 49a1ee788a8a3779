package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"runtime"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types met in docker save archives.
const (
	mediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerConfig       = "application/vnd.docker.container.image.v1+json"
	mediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar"
	mediaTypeDockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"

	annotationImageName = "io.containerd.image.name"
	annotationRefType   = "vnd.docker.reference.type"
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

// platformImage is one image manifest found under index.json.
type platformImage struct {
	manifest    digest.Digest
	config      digest.Digest
	platform    string
	layers      []Layer
	attestation bool
}

// target is one entry of index.json and the images under it.
type target struct {
	desc    ocispec.Descriptor
	names   []string
	images  []platformImage
	matched bool
}

// errMissing says a blob a descriptor names is not in the archive, which is
// allowed for the platforms of an index.
var errMissing = errors.New("missing blob")

var (
	hexName      = regexp.MustCompile(`^[a-f0-9]{64}$`)
	rootBlobName = regexp.MustCompile(`^([a-f0-9]{64})\.(json|tar)$`)
)

// resolve cross-checks everything read: names, links, digests, manifests,
// configs and layers, and says what the archive holds.
func (v *verifier) resolve() (*Report, error) {
	for _, d := range v.dups {
		a, b := d[0], d[1]
		if a.typ != b.typ || a.target != b.target || a.blob.digest != b.blob.digest {
			return nil, invalidf("the archive holds %s twice, with different content", a.name)
		}
	}
	for _, e := range v.entries {
		if e.typ == typeSymlink || e.typ == typeHardlink {
			if _, err := v.lookup(e.name); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range v.entries {
		if e.typ != typeFile {
			continue
		}
		if want, ok := addressedDigest(e.name); ok && want != e.blob.digest {
			return nil, invalidf("%s is corrupted: its content hashes to %s", e.name, e.blob.digest)
		}
	}

	manifestData, err := v.document("manifest.json")
	if err != nil {
		return nil, err
	}
	indexData, err := v.document("index.json")
	if err != nil {
		return nil, err
	}
	if manifestData == nil && indexData == nil {
		return nil, invalidf("not a docker save archive: it has neither manifest.json nor index.json")
	}
	if layout, err := v.document("oci-layout"); err != nil {
		return nil, err
	} else if layout != nil {
		var l ocispec.ImageLayout
		if err := json.Unmarshal(layout, &l); err != nil {
			return nil, invalidf("oci-layout is not valid: %v", jsonErr(err))
		}
	}

	w := &walker{v: v, memo: make(map[digest.Digest][]platformImage)}
	var targets []*target
	if indexData != nil {
		var idx ocispec.Index
		if err := json.Unmarshal(indexData, &idx); err != nil {
			return nil, invalidf("index.json is not a valid OCI index: %v", jsonErr(err))
		}
		for i, d := range idx.Manifests {
			imgs, err := w.walk(d, fmt.Sprintf("index.json entry %d", i+1), true)
			if err != nil {
				return nil, err
			}
			t := &target{desc: d, images: imgs}
			if n := d.Annotations[annotationImageName]; n != "" {
				t.names = []string{n}
			}
			targets = append(targets, t)
		}
	}

	rep := &Report{}
	var manifests []manifestEntry
	if manifestData != nil {
		if err := json.Unmarshal(manifestData, &manifests); err != nil {
			return nil, invalidf("manifest.json is not a valid docker save manifest: %v", jsonErr(err))
		}
	}
	for i, m := range manifests {
		img, err := v.manifestImage(i, m)
		if err != nil {
			return nil, err
		}
		matchTargets(&img, targets)
		rep.Images = append(rep.Images, img)
	}
	for _, t := range targets {
		if t.matched || len(t.images) == 0 {
			continue
		}
		img := Image{Names: t.names, Target: t.desc.Digest}
		fillPlatform(&img, t.images, choosePlatform(t.images))
		rep.Images = append(rep.Images, img)
	}
	if len(rep.Images) == 0 {
		return nil, invalidf("the archive holds no image")
	}
	rep.Format = v.detectFormat(manifests, targets, indexData != nil)
	return rep, nil
}

// manifestImage checks one manifest.json entry: its config, and each layer
// against the config's diff_ids.
func (v *verifier) manifestImage(i int, m manifestEntry) (Image, error) {
	what := fmt.Sprintf("manifest.json entry %d", i+1)
	if len(m.RepoTags) > 0 {
		what = fmt.Sprintf("the image %s", m.RepoTags[0])
	}
	for _, tag := range m.RepoTags {
		ref, err := reference.ParseNormalizedNamed(tag)
		if err != nil {
			return Image{}, invalidf("manifest.json names the image %q, which is not a valid name: %v", tag, err)
		}
		if _, ok := ref.(reference.NamedTagged); !ok {
			return Image{}, invalidf("manifest.json names the image %q without a tag", tag)
		}
	}
	if m.Config == "" {
		return Image{}, invalidf("manifest.json gives no config for %s", what)
	}
	ce, err := v.lookupPath(m.Config)
	if err != nil {
		return Image{}, err
	}
	if ce == nil {
		return Image{}, invalidf("the archive lacks %s, the config of %s", m.Config, what)
	}
	cfg, err := v.config(ce, m.Config)
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
		le, err := v.lookupPath(p)
		if err != nil {
			return Image{}, err
		}
		if le == nil {
			if hasSrc && isForeign(src.MediaType) {
				img.Layers = append(img.Layers, Layer{Digest: src.Digest, DiffID: want, Size: src.Size, MediaType: src.MediaType})
				continue
			}
			return Image{}, invalidf("the archive lacks %s, layer %d of %s", p, j+1, what)
		}
		if le.typ != typeFile {
			return Image{}, invalidf("%s, layer %d of %s, is not a file", p, j+1, what)
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
				j+1, what, p, short(diffID), short(want))
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

// matchTargets finds the index.json entries whose manifests describe img,
// and fills its Manifest, Target and Names from them.
func matchTargets(img *Image, targets []*target) {
	for _, t := range targets {
		for _, pi := range t.images {
			if pi.config != img.Config || !sameLayers(pi.layers, img.Layers) {
				continue
			}
			t.matched = true
			if img.Target == "" {
				img.Target = t.desc.Digest
				img.Manifest = pi.manifest
				if len(t.images) > 1 {
					img.Platforms = platforms(t.images)
				}
			}
			for _, n := range t.names {
				if !contains(img.Names, n) {
					img.Names = append(img.Names, n)
				}
			}
			break
		}
	}
	// Several targets may hold the same manifest (an image and an index
	// over it): prefer the one named like the image's tags.
	for _, t := range targets {
		if t.desc.Digest == img.Target || !t.matched {
			continue
		}
		for _, n := range t.names {
			if namesTag(n, img.RepoTags) {
				for _, pi := range t.images {
					if pi.config == img.Config && sameLayers(pi.layers, img.Layers) {
						img.Target, img.Manifest = t.desc.Digest, pi.manifest
						img.Platforms = nil
						if len(t.images) > 1 {
							img.Platforms = platforms(t.images)
						}
					}
				}
			}
		}
	}
}

func namesTag(name string, tags []string) bool {
	for _, tag := range tags {
		if ref, err := reference.ParseNormalizedNamed(tag); err == nil && ref.String() == name {
			return true
		}
	}
	return false
}

func sameLayers(a, b []Layer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Digest != b[i].Digest {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// choosePlatform picks the image an index.json entry stands for when
// manifest.json does not say: the host's platform if present, else the
// first that is not an attestation.
func choosePlatform(imgs []platformImage) int {
	host := runtime.GOOS + "/" + runtime.GOARCH
	first := -1
	for i, pi := range imgs {
		if pi.attestation {
			continue
		}
		if pi.platform == host || strings.HasPrefix(pi.platform, host+"/") {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	if first < 0 {
		return 0
	}
	return first
}

func fillPlatform(img *Image, imgs []platformImage, i int) {
	pi := imgs[i]
	img.Manifest, img.Config, img.Platform, img.Layers = pi.manifest, pi.config, pi.platform, pi.layers
	if len(imgs) > 1 {
		img.Platforms = platforms(imgs)
	}
}

func platforms(imgs []platformImage) []string {
	var ps []string
	for _, pi := range imgs {
		if !pi.attestation && pi.platform != "" && !contains(ps, pi.platform) {
			ps = append(ps, pi.platform)
		}
	}
	return ps
}

func (v *verifier) detectFormat(manifests []manifestEntry, targets []*target, hasIndex bool) Format {
	if hasIndex {
		graphdriver := v.byName["repositories"] != nil
		for _, m := range manifests {
			if len(m.LayerSources) > 0 {
				graphdriver = true
			}
		}
		for _, t := range targets {
			if isIndex(t.desc.MediaType) {
				graphdriver = false
			}
			for _, pi := range t.images {
				for _, l := range pi.layers {
					if layerCompression(l.MediaType) != "" {
						graphdriver = false
					}
				}
			}
		}
		if graphdriver {
			return FormatOCI
		}
		return FormatContainerd
	}
	for _, m := range manifests {
		for _, l := range m.Layers {
			if rootBlobName.MatchString(l) {
				return FormatPodman
			}
		}
	}
	return FormatDocker
}

// walker follows the descriptors of index.json down to layers.
type walker struct {
	v    *verifier
	memo map[digest.Digest][]platformImage
}

// walk checks the blob d names and everything under it. A blob missing
// from the archive is an error at the top (root), errMissing below it.
func (w *walker) walk(d ocispec.Descriptor, from string, root bool) ([]platformImage, error) {
	e, err := w.v.descriptorBlob(d, from)
	if err != nil {
		return nil, err
	}
	if e == nil {
		if root {
			return nil, invalidf("%s names %s, but the archive lacks %s", from, short(d.Digest), blobPath(d.Digest))
		}
		return nil, errMissing
	}
	if imgs, ok := w.memo[d.Digest]; ok {
		return imgs, nil
	}
	var imgs []platformImage
	mt := d.MediaType
	if mt == "" {
		mt = sniffMediaType(e.blob.json)
	}
	switch {
	case isIndex(mt):
		data, err := w.v.jsonBlob(e, "index "+short(d.Digest))
		if err != nil {
			return nil, err
		}
		var idx ocispec.Index
		if err := json.Unmarshal(data, &idx); err != nil {
			return nil, invalidf("index %s is not valid: %v", short(d.Digest), jsonErr(err))
		}
		present := 0
		for _, c := range idx.Manifests {
			sub, err := w.walk(c, "index "+short(d.Digest), false)
			if errors.Is(err, errMissing) {
				continue // a platform not saved, as containerd allows
			}
			if err != nil {
				return nil, err
			}
			present++
			if c.Annotations[annotationRefType] == "attestation-manifest" {
				for i := range sub {
					sub[i].attestation = true
				}
			}
			imgs = append(imgs, sub...)
		}
		if present == 0 && len(idx.Manifests) > 0 {
			return nil, invalidf("index %s (%s) holds none of its %d manifests", short(d.Digest), from, len(idx.Manifests))
		}
	case isManifest(mt):
		pi, ok, err := w.manifest(e, d)
		if err != nil {
			return nil, err
		}
		if ok {
			imgs = append(imgs, pi)
		}
	}
	// Other blobs (artifacts, referrers) only need to be present and whole.
	w.memo[d.Digest] = imgs
	return imgs, nil
}

// manifest checks an image manifest: its config, and each layer against the
// config's diff_ids. ok is false for manifests of artifacts that are not
// images.
func (w *walker) manifest(e *entry, d ocispec.Descriptor) (platformImage, bool, error) {
	what := "manifest " + short(d.Digest)
	data, err := w.v.jsonBlob(e, what)
	if err != nil {
		return platformImage{}, false, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return platformImage{}, false, invalidf("%s is not valid: %v", what, jsonErr(err))
	}
	ce, err := w.v.descriptorBlob(m.Config, what)
	if err != nil {
		return platformImage{}, false, err
	}
	if ce == nil {
		return platformImage{}, false, invalidf("the archive lacks %s, the config of %s", blobPath(m.Config.Digest), what)
	}
	var layerBlobs []*entry
	for i, l := range m.Layers {
		le, err := w.v.descriptorBlob(l, what)
		if err != nil {
			return platformImage{}, false, err
		}
		if le == nil && !isForeign(l.MediaType) {
			return platformImage{}, false, invalidf("the archive lacks %s, layer %d of %s", blobPath(l.Digest), i+1, what)
		}
		layerBlobs = append(layerBlobs, le)
	}
	switch m.Config.MediaType {
	case ocispec.MediaTypeImageConfig, mediaTypeDockerConfig:
	default:
		return platformImage{}, false, nil // an artifact, not an image
	}
	cfg, err := w.v.config(ce, "the config of "+what)
	if err != nil {
		return platformImage{}, false, err
	}
	if len(m.Layers) != len(cfg.RootFS.DiffIDs) {
		return platformImage{}, false, invalidf("%s lists %d layers, but its config has %d", what, len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	pi := platformImage{manifest: d.Digest, config: m.Config.Digest, platform: cfg.platform()}
	for i, l := range m.Layers {
		want := cfg.RootFS.DiffIDs[i]
		le := layerBlobs[i]
		if le == nil { // a foreign layer, not distributed with the image
			pi.layers = append(pi.layers, Layer{Digest: l.Digest, DiffID: want, Size: l.Size, MediaType: l.MediaType})
			continue
		}
		diffID, err := layerDiffID(le, blobPath(l.Digest), l.MediaType)
		if err != nil {
			return platformImage{}, false, err
		}
		if diffID != want {
			return platformImage{}, false, invalidf("layer %d of %s (%s) is not the image's: its content hashes to %s, the image config expects %s",
				i+1, what, short(l.Digest), short(diffID), short(want))
		}
		pi.layers = append(pi.layers, Layer{Digest: l.Digest, DiffID: diffID, Size: l.Size, MediaType: l.MediaType})
	}
	return pi, true, nil
}

// layerDiffID is the digest of a layer's uncompressed tar. mediaType says
// whether it is compressed; when empty (manifest.json layers), the content
// says.
func layerDiffID(e *entry, name, mediaType string) (digest.Digest, error) {
	want := layerCompression(mediaType)
	if mediaType == "" {
		want = e.blob.compression
	}
	switch want {
	case "":
		return e.blob.digest, nil
	case "gzip", "zstd":
		if e.blob.compression != want {
			return "", invalidf("layer %s is not %s-compressed, though its media type says so", name, want)
		}
		if e.blob.decompErr != "" {
			return "", invalidf("layer %s is corrupted: %s", name, e.blob.decompErr)
		}
		return e.blob.diffID, nil
	}
	return "", invalidf("layer %s has media type %s, a compression docker cannot load", name, mediaType)
}

func layerCompression(mediaType string) string {
	switch {
	case strings.HasSuffix(mediaType, "+gzip"), strings.HasSuffix(mediaType, ".gzip"):
		return "gzip"
	case strings.HasSuffix(mediaType, "+zstd"), strings.HasSuffix(mediaType, ".zstd"):
		return "zstd"
	case strings.HasSuffix(mediaType, "+bzip2"), strings.HasSuffix(mediaType, "+xz"), strings.HasSuffix(mediaType, "+lz4"):
		return "unsupported"
	}
	return ""
}

func isForeign(mediaType string) bool {
	return strings.Contains(mediaType, "nondistributable") || strings.Contains(mediaType, "foreign")
}

func isIndex(mt string) bool {
	return mt == ocispec.MediaTypeImageIndex || mt == mediaTypeDockerManifestList
}

func isManifest(mt string) bool {
	return mt == ocispec.MediaTypeImageManifest || mt == mediaTypeDockerManifest
}

// sniffMediaType reads the mediaType a JSON blob states itself, for
// descriptors that do not say.
func sniffMediaType(data []byte) string {
	var probe struct {
		MediaType string          `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
		Config    json.RawMessage `json:"config"`
	}
	if data == nil || json.Unmarshal(data, &probe) != nil {
		return ""
	}
	switch {
	case probe.MediaType != "":
		return probe.MediaType
	case probe.Manifests != nil:
		return ocispec.MediaTypeImageIndex
	case probe.Config != nil:
		return ocispec.MediaTypeImageManifest
	}
	return ""
}

// descriptorBlob checks descriptor d and returns the blob it names, nil if
// the archive lacks it.
func (v *verifier) descriptorBlob(d ocispec.Descriptor, from string) (*entry, error) {
	if err := d.Digest.Validate(); err != nil {
		return nil, invalidf("%s has an invalid digest %q", from, string(d.Digest))
	}
	if d.Digest.Algorithm() != digest.SHA256 {
		return nil, invalidf("%s uses a %s digest, which docker save never writes", from, d.Digest.Algorithm())
	}
	e, err := v.lookup(blobPath(d.Digest))
	if err != nil || e == nil {
		return nil, err
	}
	if e.typ != typeFile {
		return nil, invalidf("%s is not a file", blobPath(d.Digest))
	}
	if e.size != d.Size {
		return nil, invalidf("%s is %d bytes, but %s says %d", blobPath(d.Digest), e.size, from, d.Size)
	}
	if e.blob.digest != d.Digest {
		return nil, invalidf("%s is corrupted: its content hashes to %s", blobPath(d.Digest), e.blob.digest)
	}
	return e, nil
}

func blobPath(d digest.Digest) string {
	return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded()
}

// addressedDigest is the digest a file's name promises: blobs/sha256/<hex>,
// and <hex>.json configs and <hex>.tar layers at the root.
func addressedDigest(name string) (digest.Digest, bool) {
	if hex, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && hexName.MatchString(hex) {
		return digest.NewDigestFromEncoded(digest.SHA256, hex), true
	}
	if m := rootBlobName.FindStringSubmatch(name); m != nil {
		return digest.NewDigestFromEncoded(digest.SHA256, m[1]), true
	}
	return "", false
}

// config reads and checks the image config in e.
func (v *verifier) config(e *entry, what string) (*imageConfig, error) {
	data, err := v.jsonBlob(e, what)
	if err != nil {
		return nil, err
	}
	var cfg imageConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, invalidf("%s is not a valid image config: %v", what, jsonErr(err))
	}
	for _, d := range cfg.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return nil, invalidf("%s lists an invalid diff_id %q", what, string(d))
		}
	}
	return &cfg, nil
}

// document returns the content of a metadata file at the root, nil if
// the archive lacks it.
func (v *verifier) document(name string) ([]byte, error) {
	e, err := v.lookup(name)
	if err != nil || e == nil {
		return nil, err
	}
	return v.jsonBlob(e, name)
}

// jsonBlob returns the content of e, which must be a JSON document.
func (v *verifier) jsonBlob(e *entry, what string) ([]byte, error) {
	switch {
	case e.typ != typeFile:
		return nil, invalidf("%s (%s) is not a file", what, e.name)
	case e.blob.json != nil:
		return e.blob.json, nil
	case e.blob.jsonTooBig || e.size > MaxJSONSize:
		return nil, invalidf("%s (%s) is %s, more than the %s it can be", what, e.name, HumanSize(e.size), HumanSize(MaxJSONSize))
	}
	return nil, invalidf("%s (%s) is not JSON", what, e.name)
}

// lookupPath finds the entry a manifest.json path names.
func (v *verifier) lookupPath(p string) (*entry, error) {
	if err := checkName(p); err != nil {
		return nil, invalidf("manifest.json names %q, a path outside the archive", p)
	}
	return v.lookup(path.Clean(p))
}

// lookup finds the entry called name, following symlinks and hard links
// (also in the folders of its path), as docker load would find it once
// extracted. It returns nil when there is none.
func (v *verifier) lookup(name string) (*entry, error) {
	first := ""
	for hops := 0; ; hops++ {
		if hops > maxLinkHops {
			return nil, invalidf("%s is a link in a loop", first)
		}
		v.lookups++
		if v.lookups > maxLookups {
			return nil, invalidf("the archive's links are too many and too tangled to follow, not a docker save archive")
		}
		if e, ok := v.byName[name]; ok {
			if e.typ != typeSymlink && e.typ != typeHardlink {
				return e, nil
			}
			if first == "" {
				first = e.name
			}
			name = e.target
			continue
		}
		// Not there as such: maybe a folder on its path is a link.
		linked := false
		for i := 0; i < len(name) && !linked; i++ {
			if name[i] != '/' {
				continue
			}
			v.lookups++
			if e, ok := v.byName[name[:i]]; ok && (e.typ == typeSymlink || e.typ == typeHardlink) {
				if first == "" {
					first = e.name
				}
				name = path.Join(e.target, name[i+1:])
				linked = true
			}
		}
		if !linked || name == "." {
			return nil, nil
		}
	}
}

func short(d digest.Digest) string {
	_, enc, _ := strings.Cut(string(d), ":")
	if len(enc) > 12 {
		enc = enc[:12]
	}
	return enc
}

// jsonErr shortens a JSON error to its first line.
func jsonErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
