package dockerstate_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyDockerstateTalksToTheDaemon keeps the layering of DESIGN.md: the
// Docker client is imported by pkg/dockerstate alone (and by test helpers),
// and only pkg/cmd and pkg/cli know about flags.
func TestOnlyDockerstateTalksToTheDaemon(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/academy-dev/academy/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const module = "github.com/academy-dev/academy/"
	allowed := map[string][]string{
		"github.com/moby/moby/client": {"pkg/dockerstate", "internal/testlab"},
		"github.com/spf13/cobra":      {"pkg/cmd/", "pkg/cli"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			owners, restricted := allowed[imp]
			if !restricted {
				continue
			}
			ok := false
			for _, o := range owners {
				ok = ok || strings.HasPrefix(pkg, o)
			}
			if !ok {
				t.Errorf("%s imports %s; only %v may", pkg, imp, owners)
			}
		}
	}
}
