package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/cmdutil"
)

// The real Docker 20.10 fixtures of pkg/archive.
var fixtures = filepath.Join("..", "..", "..", "archive", "testdata")

func run(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := &cmdutil.IOStreams{In: bytes.NewReader(stdin), Out: &out, ErrOut: &errOut}
	cmd := NewCmdVerify(streams, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestVerifyText(t *testing.T) {
	out, _, err := run(t, nil, filepath.Join(fixtures, "docker20-app.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	want := `testdata/docker20-app.tar.gz: valid docker save archive (Docker ≤24 layout, gzip-compressed, 887 B)
  academy-fixture/app:v1
    image ID  sha256:461ecf8779064e9327bdbe8e11f7ec02760349cab223dc0048835fc8662a1ee9
    platform  linux/amd64
    layers    1, 10.0 KiB
      sha256:d0d0a959f4893a2e9ceb8c723f4fb0bf5aa4e6d314306f5e520387a495eab6dc  10.0 KiB
`
	if got := out[strings.Index(out, "testdata/"):]; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestVerifyInvalidAndMissing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tar")
	os.WriteFile(bad, []byte("not an archive at all"), 0o644)
	good := filepath.Join(fixtures, "docker20-multi.tar.gz")
	out, _, err := run(t, nil, good, bad, filepath.Join(dir, "my-app.tar"))
	if !errors.Is(err, cmdutil.ErrFailed) {
		t.Fatalf("err %v, want ErrFailed", err)
	}
	for _, want := range []string{
		"docker20-multi.tar.gz: valid docker save archive",
		"bad.tar: invalid: not a docker save archive: not a tar file",
		"my-app.tar: invalid: no such file\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerifyStdinJSON(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "docker20-dup-symlink.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, data, "-o", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Archives      []struct {
			File, Reason, Format, Compression string
			Valid                             bool
			Images                            []struct {
				RepoTags, Names, Platforms []string
				ID, Config, Manifest       string
				Layers                     []struct {
					Digest, DiffID, MediaType string
					Size                      int64
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	a := doc.Archives[0]
	if doc.SchemaVersion != 1 || a.File != "-" || !a.Valid || a.Format != "docker" || a.Compression != "gzip" {
		t.Errorf("got %+v", doc)
	}
	img := a.Images[0]
	if img.ID != "sha256:8d42a2b2aa617e2181fc969fc227a6217fffbfa4cded6d61469bfff848178961" || len(img.Layers) != 3 || img.Names == nil || img.Platforms == nil {
		t.Errorf("image %+v", img)
	}
	for _, key := range []string{`"reason": ""`, `"manifest": ""`, `"names": []`, `"mediaType": "application/vnd.docker.image.rootfs.diff.tar"`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	out, _, err = run(t, []byte("garbage"), "-o", "json", "-")
	if !errors.Is(err, cmdutil.ErrFailed) || !strings.Contains(out, `"valid": false`) || !strings.Contains(out, `"images": []`) {
		t.Errorf("invalid stdin: %v\n%s", err, out)
	}
}

func TestVerifyFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "verify needs an archive"},
		{[]string{"-o", "xml", "a.tar"}, `unknown output format "xml"`},
		{[]string{"-", "-"}, "only once"},
		{[]string{"--bogus", "a.tar"}, "unknown flag: --bogus"},
	} {
		var got *VerifyOptions
		cmd := NewCmdVerify(&cmdutil.IOStreams{}, func(o *VerifyOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		var usage *cmdutil.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want a usage error saying %q", tc.args, err, tc.want)
		}
		if got != nil {
			t.Errorf("%v: run was called", tc.args)
		}
	}
	cmd := NewCmdVerify(&cmdutil.IOStreams{InTTY: true}, func(o *VerifyOptions) error { return nil })
	cmd.SetArgs([]string{"-"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	var usage *cmdutil.UsageError
	if err := cmd.Execute(); !errors.As(err, &usage) || !strings.Contains(err.Error(), "is a terminal") {
		t.Errorf("stdin on a terminal: %v", err)
	}

	var got *VerifyOptions
	cmd = NewCmdVerify(&cmdutil.IOStreams{}, func(o *VerifyOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-o", "json", "a.tar", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.JSON || strings.Join(got.Files, ",") != "a.tar,-" {
		t.Errorf("options %+v", got)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &progressBar{w: &buf, name: "my-app.tar", over: 100}
	p.update(10, 50) // under the threshold: nothing
	if buf.Len() != 0 {
		t.Fatalf("drew %q for a small archive", buf.String())
	}
	p.update(100, 200)
	p.clear()
	if got := buf.String(); !strings.Contains(got, "[===============               ]  50%") || !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("got %q", got)
	}
}
