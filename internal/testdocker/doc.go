// Package testdocker decides whether an integration test can use a real
// engine, and tells which one it is. Call Require first in such a test:
//
//	func TestSomethingReal(t *testing.T) {
//		testdocker.Require(t)
//		…
//	}
//
// Require skips the test, with one line saying why, when `docker version`
// does not reach a daemon; with ACADEMY_REQUIRE_DOCKER=1 (as in CI) it fails
// the test instead, so a broken daemon cannot pass for a green run.
//
// Describe returns the engine at DOCKER_HOST (Docker or Podman, and its
// image store) as the engine describes itself, for the few assertions where
// engines really differ.
package testdocker
