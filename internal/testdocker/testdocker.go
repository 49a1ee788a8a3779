package testdocker

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// EnvRequire names the variable that turns a missing daemon from a skip
// into a failure.
const EnvRequire = "ACADEMY_REQUIRE_DOCKER"

// Require skips t, or fails it when ACADEMY_REQUIRE_DOCKER is 1, unless an
// engine answers a ping at DOCKER_HOST (else the default socket). The engine
// is asked once per test binary.
func Require(t testing.TB) {
	t.Helper()
	require(t, probeOnce(), os.Getenv(EnvRequire))
}

func require(t testing.TB, reason error, env string) {
	t.Helper()
	if reason == nil {
		return
	}
	if must, _ := strconv.ParseBool(env); must {
		t.Fatalf("%s=%s, but no Docker daemon: %v", EnvRequire, env, reason)
		return
	}
	t.Skipf("no Docker daemon (%v); skipping — set %s=1 to make this a failure", reason, EnvRequire)
}

var probeOnce = sync.OnceValue(probe)

// probe pings the engine academy and testlab would talk to (DOCKER_HOST,
// else the default socket). A ping is cheap on every engine; Podman's
// /version and /info run package-manager queries and can take seconds.
func probe() error {
	e, err := endpointFromEnv()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = e.get(ctx, "/_ping", nil)
	return err
}
