// Package testlab prepares lab states on the real Docker daemon for
// integration tests: images built from local FROM scratch contexts (through
// testcontainers-go, which owns their lifecycle), tags, archives saved by the
// daemon, and real RepoDigests from an in-process registry on 127.0.0.1.
// Every name it makes carries a random prefix and is removed when the test
// ends, so tests never touch the user's own images.
package testlab
