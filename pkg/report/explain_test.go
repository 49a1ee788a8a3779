package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/check"
)

// --explain names the docker command under every check, passing or not;
// without it, passing objectives stay one line.
func TestTextExplain(t *testing.T) {
	r := &check.Result{MissionID: "zone7", Endpoint: socket, Objectives: []check.ObjectiveResult{
		{ID: "ok", Status: check.Pass, Checks: []check.Outcome{{Kind: "image", Status: check.Pass, Message: "fine",
			Command: "docker image inspect --format '{{.Id}}' app:v1"}}},
		{ID: "bad", Status: check.Fail, Checks: []check.Outcome{{Kind: "image", Status: check.Fail, Message: "app:v2 does not exist",
			Command: "docker image inspect --format '{{.Id}}' app:v2"}}},
	}}
	rend, _ := Lookup("text")
	var plain, explained bytes.Buffer
	if err := rend.Render(&plain, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := rend.Render(&explained, r, Options{Explain: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "$ docker") {
		t.Errorf("commands shown without --explain:\n%s", plain.String())
	}
	for _, want := range []string{"$ docker image inspect --format '{{.Id}}' app:v1", "$ docker image inspect --format '{{.Id}}' app:v2"} {
		if !strings.Contains(explained.String(), want) {
			t.Errorf("--explain output lacks %q:\n%s", want, explained.String())
		}
	}
}
