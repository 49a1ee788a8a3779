package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/academy-dev/academy/pkg/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// academy: the real binary's main, run in-process by the scripts.
		"academy": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: the command
// line as a user types it, with exit codes and output asserted.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// No script may reach the developer's own daemon by accident.
			env.Setenv("DOCKER_HOST", "unix://"+env.WorkDir+"/no-daemon.sock")
			return nil
		},
	})
}
