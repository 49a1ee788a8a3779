package dockerstate_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
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
		"github.com/spf13/cobra":      {"pkg/cmd/", "pkg/cli", "internal/testcmd"},
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

// TestCheckCannotWrite keeps `check` read-only by construction: the check
// package never names the write side of dockerstate, so it can reach only
// the Reader interfaces it is given.
func TestCheckCannotWrite(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.Dir}}`, "github.com/academy-dev/academy/pkg/check").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, use := range writerUses(t, strings.TrimSpace(string(out))) {
		t.Errorf("%s; a check only reads", use)
	}

	t.Run("the scan sees a use", func(t *testing.T) {
		dir := t.TempDir()
		src := "package check\n\nimport ds \"github.com/academy-dev/academy/pkg/dockerstate\"\n\nvar _ = ds.NewWriter\n"
		if err := os.WriteFile(filepath.Join(dir, "bad.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := writerUses(t, dir); len(got) != 1 || !strings.Contains(got[0], "bad.go:5") {
			t.Errorf("writerUses = %q, want the one in bad.go", got)
		}
	})
}

// writerUses lists where the non-test Go files of dir name
// dockerstate.Writer or dockerstate.NewWriter.
func writerUses(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var uses []string
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		local := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"github.com/academy-dev/academy/pkg/dockerstate"` {
				local = "dockerstate"
				if imp.Name != nil {
					local = imp.Name.Name
				}
			}
		}
		if local == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && (sel.Sel.Name == "Writer" || sel.Sel.Name == "NewWriter") {
				uses = append(uses, fmt.Sprintf("%s: dockerstate.%s", fset.Position(sel.Pos()), sel.Sel.Name))
			}
			return true
		})
	}
	return uses
}
