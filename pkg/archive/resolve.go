package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Resolving is the second step: what the first read (entries, digests,
// small JSON documents) is cross-checked and turned into a Report. This
// file holds what every layout shares; dockerjson.go reads manifest.json,
// ocilayout.go index.json and what it points at.

var (
	hexName      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-f0-9]{64}$`) })
	rootBlobName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-f0-9]{64})\.(json|tar)$`) })
)

// resolve cross-checks everything read: names, links, digests, manifests,
// configs and layers, and says what the archive holds.
func (v *verifier) resolve(ctx context.Context) (*Report, error) {
	for _, d := range v.dups {
		a, b := d[0], d[1]
		if a.typ != b.typ || a.target != b.target || a.blob.digest != b.blob.digest {
			return nil, invalidf("the archive holds %s twice, with different content", q(a.name))
		}
	}
	for i, e := range v.entries {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if e.typ == typeSymlink || e.typ == typeHardlink {
			if _, err := v.lookup(e.name); err != nil {
				return nil, err
			}
		}
		if e.typ == typeFile {
			if want, ok := addressedDigest(e.name); ok && want != e.blob.digest {
				return nil, invalidf("%s is corrupted: its content hashes to %s", q(e.name), e.blob.digest)
			}
		}
	}

	manifests, hasManifest, err := v.readManifestJSON()
	if err != nil {
		return nil, err
	}
	idx, hasIndex, err := v.readIndexJSON()
	if err != nil {
		return nil, err
	}
	if !hasManifest && !hasIndex {
		return nil, invalidf("not a docker save archive: it has neither manifest.json nor index.json")
	}
	if err := v.checkLayoutFile(hasManifest); err != nil {
		return nil, err
	}

	w := &walker{v: v, ctx: ctx, memo: make(map[digest.Digest][]imageRef)}
	var targets []*target
	if hasIndex {
		if targets, err = w.targets(idx); err != nil {
			return nil, err
		}
	}
	byConfig := indexTargets(targets)

	rep := &Report{}
	for i, m := range manifests {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		img, err := v.manifestImage(i, m)
		if err != nil {
			return nil, err
		}
		matchTargets(&img, byConfig)
		rep.Images = append(rep.Images, img)
	}
	if err := sameImageByName(rep.Images, targets); err != nil {
		return nil, err
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
	rep.Format = v.detectFormat(manifests, targets, hasManifest, hasIndex)
	return rep, nil
}

// checkLayoutFile checks oci-layout. Where there is no manifest.json, only
// the containerd image store can load the archive, and it reads index.json
// only when oci-layout says "imageLayoutVersion": "1.0.0" (else it reports
// an unrecognised image format).
func (v *verifier) checkLayoutFile(hasManifest bool) error {
	data, err := v.document("oci-layout")
	if err != nil {
		return err
	}
	if data == nil {
		if !hasManifest {
			return invalidf("the archive has index.json but no oci-layout file (nor manifest.json): docker load cannot read it as an OCI image layout")
		}
		return nil
	}
	var l ocispec.ImageLayout
	if err := json.Unmarshal(data, &l); err != nil {
		return invalidf("oci-layout is not valid: %s", jsonErr(err))
	}
	if l.Version != ocispec.ImageLayoutVersion {
		return invalidf("oci-layout declares the image layout version %s; docker load knows only %s", q(l.Version), ocispec.ImageLayoutVersion)
	}
	return nil
}

func (v *verifier) detectFormat(manifests []manifestEntry, targets []*target, hasManifest, hasIndex bool) Format {
	if !hasManifest {
		return FormatOCILayout
	}
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
			for _, r := range t.images {
				for _, l := range r.pi.layers {
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
			if rootBlobName().MatchString(l) {
				return FormatPodman
			}
		}
	}
	return FormatDocker
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
			return "", invalidf("layer %s is not %s-compressed, though its media type says so", q(name), want)
		}
		if e.blob.decompErr != nil {
			return "", streamReason(&streamError{kind: want, err: e.blob.decompErr}, "layer "+q(name))
		}
		return e.blob.diffID, nil
	}
	return "", invalidf("layer %s has media type %s, a compression docker cannot load", q(name), mediaType)
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

func blobPath(d digest.Digest) string {
	return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded()
}

// addressedDigest is the digest a file's name promises: blobs/sha256/<hex>,
// and <hex>.json configs and <hex>.tar layers at the root.
func addressedDigest(name string) (digest.Digest, bool) {
	if hex, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && hexName().MatchString(hex) {
		return digest.NewDigestFromEncoded(digest.SHA256, hex), true
	}
	if m := rootBlobName().FindStringSubmatch(name); m != nil {
		return digest.NewDigestFromEncoded(digest.SHA256, m[1]), true
	}
	return "", false
}

// config reads and checks the image config in e, once per entry however
// many images share it.
func (v *verifier) config(e *entry, what string) (*imageConfig, error) {
	if cfg, ok := v.configs[e]; ok {
		return cfg, nil
	}
	var cfg imageConfig
	if err := v.decode(e, what, &cfg, false); err != nil {
		return nil, invalidf("%s is not a valid image config: %s", what, errText(err))
	}
	for _, d := range cfg.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return nil, invalidf("%s lists an invalid diff_id %s", what, q(string(d)))
		}
	}
	if err := checkPlatform(what, cfg.OS, cfg.Architecture, cfg.Variant); err != nil {
		return nil, err
	}
	v.configs[e] = &cfg
	return &cfg, nil
}

// decode unmarshals the JSON document in e into into. Documents that
// become many Go values (indexes, manifests: descriptors) count their
// objects first against maxJSONObjects, so that a few megabytes of {}
// cannot cost gigabytes.
func (v *verifier) decode(e *entry, what string, into any, countObjects bool) error {
	data, err := v.jsonBlob(e, what)
	if err != nil {
		return err
	}
	if countObjects {
		v.jsonObjects += jsonObjects(data)
		if v.jsonObjects > maxJSONObjects {
			return invalidf("the archive's manifests and indexes hold more than %d JSON objects, not a docker save archive", maxJSONObjects)
		}
	}
	v.parsed[e.name]++
	if err := json.Unmarshal(data, into); err != nil {
		return &jsonError{err}
	}
	return nil
}

// jsonError is a document that does not decode; errText shortens it.
type jsonError struct{ err error }

func (e *jsonError) Error() string { return jsonErr(e.err) }

// errText is what a reason says of a decode failure: an InvalidError's
// reason, or the JSON error's first line.
func errText(err error) string {
	if inv, ok := err.(*InvalidError); ok {
		return inv.Reason
	}
	return safeText(err.Error())
}

// jsonObjects counts the objects and arrays of a JSON document, outside
// strings, in one pass.
func jsonObjects(data []byte) int {
	n := 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			n++
		}
	}
	return n
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
		return nil, invalidf("%s (%s) is not a file", what, q(e.name))
	case e.blob.json != nil:
		return e.blob.json, nil
	case e.blob.jsonTooBig || e.size > MaxJSONSize:
		return nil, invalidf("%s (%s) is %s, more than the %s it can be", what, q(e.name), HumanSize(e.size), HumanSize(MaxJSONSize))
	}
	return nil, invalidf("%s (%s) is not JSON", what, q(e.name))
}

// lookupPath finds the entry a manifest.json path names.
func (v *verifier) lookupPath(p string) (*entry, error) {
	if err := checkName(p); err != nil {
		return nil, invalidf("manifest.json names %s, a path outside the archive", q(p))
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
			return nil, invalidf("%s is a link in a loop", q(first))
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

// jsonErr shortens a JSON error to its first line, made safe to print.
func jsonErr(err error) string {
	return safeText(firstLine(err.Error()))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func warnf(v *verifier, format string, args ...any) {
	if len(v.warnings) < 20 {
		v.warnings = append(v.warnings, fmt.Sprintf(format, args...))
	}
}
