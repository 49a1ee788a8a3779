package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/cli"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

// Real reports — academy check zone7 -o json on the real daemon, passing
// and failing — are what docs/schema/report.v1.json says they are.
func TestRealReportsMatchTheSchema(t *testing.T) {
	schema := compileReportSchema(t)
	lab := testlab.New(t)
	dir := t.TempDir()
	image, repo := lab.Name("my-app:v1"), lab.Name("cloudcorp/my-app")
	lab.Build(image, "my-app v1 "+lab.Prefix)
	nginx, repoDigest := lab.Pulled("nginx", "nginx "+lab.Prefix)
	args := func(answer string) []string {
		return []string{"check", "zone7", "-o", "json", "-C", dir, "--var", "image=" + image, "--var", "repo=" + repo,
			"--var", "digestImage=" + nginx, "--answer", "digest=" + answer}
	}

	failing := schemaRun(t, 1, args("nginx@sha256:"+strings.Repeat("0", 64))...)
	lab.Tag(image, repo+":latest")
	lab.Tag(image, repo+":1.0.0")
	lab.Save(filepath.Join(dir, "my-app.tar"), image)
	passing := schemaRun(t, 0, args(repoDigest)...)
	unreachable := schemaRun(t, 3, "check", "zone7", "-H", "unix://"+filepath.Join(dir, "no.sock"), "-o", "text", "-o", "json="+filepath.Join(dir, "down.json"))
	if unreachable != nil {
		t.Errorf("the daemon could not be reached, yet stdout got %s", unreachable)
	}
	down, err := os.ReadFile(filepath.Join(dir, "down.json"))
	if err != nil {
		t.Fatal(err)
	}

	for name, data := range map[string][]byte{"failing": failing, "passing": passing, "unreachable": down} {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", name, err, data)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("%s report does not match docs/schema/report.v1.json: %v\n%s", name, err, data)
		}
		var rep struct {
			Passed bool
			Score  struct{ Earned, Possible int }
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatal(err)
		}
		want := map[string][3]int{"failing": {0, 0, 3}, "passing": {1, 3, 3}, "unreachable": {0, 0, 3}}[name]
		if passed := map[bool]int{true: 1}[rep.Passed]; passed != want[0] || rep.Score.Earned != want[1] || rep.Score.Possible != want[2] {
			t.Errorf("%s: passed %v, score %+v; want %v", name, rep.Passed, rep.Score, want)
		}
	}
}

// schemaRun runs academy in-process and returns its stdout, which must be
// empty or one line; the exit code must be code.
func schemaRun(t *testing.T, code int, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		IOStreams:  &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		OpenDaemon: dockerstate.Open,
	}
	if got := cli.Run(context.Background(), f, args); got != code {
		t.Fatalf("academy %s: exit %d, want %d; stderr %q", strings.Join(args, " "), got, code, errOut.String())
	}
	if out.Len() == 0 {
		return nil
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("want one report on one line, got %q", out.String())
	}
	return out.Bytes()
}

func compileReportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	const path = "../../docs/schema/report.v1.json"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
