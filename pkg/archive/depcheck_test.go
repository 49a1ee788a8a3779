package archive

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDepcheck keeps pkg/archive free of Docker's client and engine code:
// it verifies archives offline, so it must build without them.
func TestDepcheck(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/moby/", "github.com/docker/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("pkg/archive depends on %s", dep)
			}
		}
	}
}
