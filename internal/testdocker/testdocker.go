package testdocker

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// EnvRequire names the variable that turns a missing daemon from a skip
// into a failure.
const EnvRequire = "ACADEMY_REQUIRE_DOCKER"

// Require skips t, or fails it when ACADEMY_REQUIRE_DOCKER is 1, unless a
// Docker daemon answers `docker version`. The daemon is asked once per test
// binary.
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

// probe asks the daemon the docker CLI would talk to, so DOCKER_HOST and
// contexts count as they do for a developer typing docker commands.
func probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := dockerCLI(ctx, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return fmt.Errorf("docker version: no server version")
	}
	return nil
}
