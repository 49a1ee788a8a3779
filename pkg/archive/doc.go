// Package archive verifies `docker save` archives offline, in a single pass
// over the file: every blob is hashed as it streams and checked against its
// name, the manifests and the config's diff_ids. It knows every layout in the
// field (Docker ≤24, Docker 25+ OCI layout, the containerd image store,
// Podman's docker-archive), plain or compressed. It imports nothing of the
// Docker client.
package archive
