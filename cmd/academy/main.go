// Command academy checks a Docker daemon against the expected state of a
// hands-on Docker lesson.
package main

import (
	"os"
	"runtime/debug"

	"github.com/academy-dev/academy/pkg/cli"
)

func main() {
	// A check lives for milliseconds with a few MiB of heap: collecting at
	// 4× the live heap rather than 2× saves about a tenth of its time. A
	// GOGC the user sets still wins.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	os.Exit(cli.Main())
}
