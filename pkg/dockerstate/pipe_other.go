//go:build !windows

package dockerstate

import (
	"errors"
	"net/http"
)

// configurePipe is for Windows named pipes, which exist only there.
func configurePipe(*http.Transport, string) error {
	return errors.New("named pipes exist only on Windows")
}
