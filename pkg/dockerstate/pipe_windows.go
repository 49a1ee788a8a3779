package dockerstate

import (
	"net/http"

	"github.com/docker/go-connections/sockets"
)

// configurePipe dials a Windows named pipe, as the Engine API client does.
func configurePipe(tr *http.Transport, addr string) error {
	return sockets.ConfigureTransport(tr, "npipe", addr)
}
