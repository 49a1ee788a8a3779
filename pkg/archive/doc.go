// Package archive verifies `docker save` archives offline, in a single pass
// over the file: every blob is hashed as it streams and checked against its
// name, the manifests and the config's diff_ids. It knows every layout in the
// field (Docker ≤24, Docker 25+ OCI layout, the containerd image store,
// Podman's docker-archive), plain or compressed with gzip, bzip2, xz or zstd
// as docker load accepts them. It imports nothing of the Docker client.
//
// An uncompressed, seekable file is read in two steps that together read it
// once: the tar headers first (skipping the contents), then the contents,
// hashed by one worker per core. Anything else is read as a stream, with the
// decompression (or the pipe) on another core than the hashing. Compressed
// layers (containerd store) are decompressed while they are hashed, to
// check their diff_ids. Nothing is extracted, and only JSON documents of at
// most MaxJSONSize are kept in memory; limits on entries, names, links and
// decompression ratios keep a hostile archive from costing more than a real
// one.
package archive
