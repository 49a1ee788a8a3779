// Package testlab prepares lab states on a real engine for integration
// tests: images built from local FROM scratch contexts through the Engine
// API, containers created through testcontainers-go, tags, archives saved
// by the engine, and real RepoDigests from an in-process registry on
// 127.0.0.1. It works on every engine the tests run against (Docker with
// either image store, Podman's Docker-compatible service): the engine is
// the one DOCKER_HOST names. Every name it makes carries a random prefix
// and is removed when the test ends, so tests never touch the user's own
// images, and WatchReadOnly proves a run changed nothing of the lab's
// while other tests change the rest of the engine.
package testlab
