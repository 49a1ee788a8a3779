// Command academy checks a Docker daemon against the expected state of a
// hands-on Docker lesson.
package main

import (
	"os"

	"github.com/academy-dev/academy/pkg/cli"
)

func main() {
	os.Exit(cli.Main())
}
