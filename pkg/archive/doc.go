// Package archive verifies `docker save` archives offline, in a single pass
// over the file: every blob is hashed as it streams and checked against its
// name, the manifests and the config's diff_ids. It knows every layout in the
// field (Docker ≤24, Docker 25+ OCI layout, the containerd image store,
// Podman's docker-archive, and bare OCI image layouts as podman, skopeo,
// buildah, crane and umoci write them), plain or compressed with gzip,
// bzip2, xz or zstd as docker load accepts them, and judges each as the
// real loaders do. It imports nothing of the Docker client.
//
// Reading is kept apart from validating: scan.go, hash.go and compress.go
// read the tar and its streams once; resolve.go cross-checks what was read,
// dockerjson.go for manifest.json and ocilayout.go for index.json and what
// it points at.
//
// An uncompressed, seekable file is read in two steps that together read it
// once: the tar headers first (skipping the contents), then the contents,
// hashed by one worker per core. Anything else is read as a stream, with the
// decompression (bzip2's blocks on every core) or the pipe on other cores
// than the hashing. Compressed layers are decompressed while they are
// hashed, to check their diff_ids.
//
// Whatever an archive holds, the work is bounded: all decompressed bytes
// together are at most 1 GiB plus DefaultMaxExpansion times the bytes read;
// JSON documents, descriptors, images, entries, names and links have caps;
// each document is decoded once and each descriptor walked once; memory
// stays under 256 MiB. Every wait (open of a FIFO, a read that blocks,
// resolving) yields to the context. Strings from the archive are validated
// or escaped before they reach a reason or a report.
package archive
