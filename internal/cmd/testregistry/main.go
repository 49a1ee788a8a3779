// Command testregistry serves an in-memory container registry on
// 127.0.0.1 for scripts that need real RepoDigests (the daemon pushes to and
// pulls from loopback registries without configuration). It prints the
// address it listens on, then serves until killed.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testregistry:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "testregistry:", err)
		os.Exit(1)
	}
}
