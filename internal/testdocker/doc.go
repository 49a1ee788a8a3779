// Package testdocker decides whether an integration test can use the real
// Docker daemon. Call Require first in such a test:
//
//	func TestSomethingReal(t *testing.T) {
//		testdocker.Require(t)
//		…
//	}
//
// Require skips the test, with one line saying why, when `docker version`
// does not reach a daemon; with ACADEMY_REQUIRE_DOCKER=1 (as in CI) it fails
// the test instead, so a broken daemon cannot pass for a green run.
package testdocker
