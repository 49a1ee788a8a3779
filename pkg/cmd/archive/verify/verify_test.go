package verify

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/golden"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/report"
)

// fixture returns the path of one of the real docker save archives of the
// repository (Docker 20.10's own output).
func fixture(t *testing.T, name string) string {
	t.Helper()
	// The shared archives live in testdata/archives; before that they were
	// pkg/archive's own.
	for _, dir := range []string{"../../../../testdata/archives", "../../../archive/testdata"} {
		if p, _ := filepath.Abs(filepath.Join(dir, name)); fileExists(p) {
			return p
		}
	}
	t.Fatalf("no fixture %s", name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

type streams struct {
	in          []byte
	tty         bool // stdout and stderr are terminals
	width       int
	out, errOut bytes.Buffer
}

func (s *streams) run(t *testing.T, args ...string) error {
	t.Helper()
	io := &cmdutil.IOStreams{In: bytes.NewReader(s.in), Out: &s.out, ErrOut: &s.errOut,
		OutTTY: s.tty, ErrTTY: s.tty, TerminalWidth: s.width}
	cmd := NewCmdVerify(io, nil)
	cmd.SetArgs(args)
	cmd.SetOut(&s.errOut)
	cmd.SetErr(&s.errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

// copyTo copies fixtures into dir under short names, so reports name them
// the same wherever the repository is.
func copyTo(t *testing.T, dir string, names map[string]string) {
	t.Helper()
	for to, from := range names {
		data, err := os.ReadFile(fixture(t, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var formats = []string{"text", "json", "junit", "tap", "github", "gradescope", "classroom"}

var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`checked in [0-9.]+[µnm]?s`), "checked in DURATION"},
	{regexp.MustCompile(`"durationMs":[0-9]+`), `"durationMs":0`},
	{regexp.MustCompile(`time="[0-9.]+"`), `time="0.000"`},
	{regexp.MustCompile(`"execution_time":[0-9]+`), `"execution_time":0`},
}

func normalize(b []byte) []byte {
	for _, v := range volatile {
		b = v.re.ReplaceAll(b, []byte(v.with))
	}
	return b
}

// testdata is absolute: tests change the working folder.
var (
	testdata, _   = filepath.Abs("testdata")
	schemaPath, _ = filepath.Abs("../../../../docs/schema/report.v1.json")
)

// Every format, from real runs of the command on real docker save
// archives: goldens named verify.STATE.exitCODE.FORMAT.
func TestVerifyGoldens(t *testing.T) {
	schema := reportSchema(t)
	for _, tt := range []struct {
		state string
		files []string
		code  int
	}{
		{"valid", []string{"app.tar.gz", "multi.tar.gz"}, 0},
		{"some-invalid", []string{"app.tar.gz", "bad.tar", "missing.tar", "dup.tar.gz"}, 1},
	} {
		t.Run(tt.state, func(t *testing.T) {
			dir := t.TempDir()
			copyTo(t, dir, map[string]string{"app.tar.gz": "docker20-app.tar.gz", "multi.tar.gz": "docker20-multi.tar.gz", "dup.tar.gz": "docker20-dup-symlink.tar.gz"})
			if err := os.WriteFile(filepath.Join(dir, "bad.tar"), []byte("not an archive at all"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			out := t.TempDir()
			args := append([]string{"-o", "text"}, tt.files...)
			for _, f := range formats {
				args = append(args, "-o", f+"="+filepath.Join(out, f))
			}
			s := &streams{tty: true, width: 72}
			err := s.run(t, args...)
			if code := cmdutil.ExitCode(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d; stderr %q", code, err, tt.code, s.errOut.String())
			}
			name := "verify." + tt.state + ".exit" + string(rune('0'+tt.code)) + "."
			golden.Check(t, name+"text-color-w72", filepath.Join(testdata, name+"text-color-w72.golden"), normalize(s.out.Bytes()))
			for _, f := range formats {
				data, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, name+f, filepath.Join(testdata, name+f+".golden"), normalize(data))
				if f == "json" {
					validate(t, schema, data)
				}
			}
		})
	}
}

// Scripts read tags, IDs and layers from -o json: the report of check,
// with "archives" added.
func TestVerifyStdinJSON(t *testing.T) {
	data, err := os.ReadFile(fixture(t, "docker20-dup-symlink.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	s := &streams{in: data}
	if err := s.run(t, "-o", "json", "-"); err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	validate(t, reportSchema(t), s.out.Bytes())
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Mission       struct{ ID string }
		Passed        bool
		Objectives    []struct{ ID, Status string }
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
	if doc.SchemaVersion != 1 || doc.Mission.ID != MissionID || !doc.Passed || len(doc.Objectives) != 1 ||
		doc.Objectives[0].ID != "standard input" || doc.Objectives[0].Status != "pass" {
		t.Errorf("report %+v", doc)
	}
	a := doc.Archives[0]
	if a.File != "-" || !a.Valid || a.Format != "docker" || a.Compression != "gzip" {
		t.Errorf("archive %+v", a)
	}
	img := a.Images[0]
	if img.ID != "sha256:8d42a2b2aa617e2181fc969fc227a6217fffbfa4cded6d61469bfff848178961" || len(img.Layers) != 3 || img.Names == nil || img.Platforms == nil {
		t.Errorf("image %+v", img)
	}
	for _, key := range []string{`"reason":""`, `"manifest":""`, `"names":[]`, `"mediaType":"application/vnd.docker.image.rootfs.diff.tar"`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	s = &streams{in: []byte("garbage")}
	err = s.run(t, "-o", "json", "-")
	if !errors.Is(err, cmdutil.ErrFailed) || !strings.Contains(s.out.String(), `"valid":false`) || !strings.Contains(s.out.String(), `"images":[]`) {
		t.Errorf("invalid stdin: %v\n%s", err, s.out.String())
	}
}

// What an archive says — tar entry names, tags, the config's platform —
// reaches no terminal and no report raw, in any format.
func TestVerifyHostileArchives(t *testing.T) {
	dir := t.TempDir()
	evil := "\x1b]0;owned\x07\x1b[2J\u202egpj.exe"
	// A valid archive whose config names a hostile platform.
	writeArchive(t, filepath.Join(dir, "platform.tar"), func(files map[string][]byte, m *manifestEntry) {
		cfg := map[string]any{}
		if err := json.Unmarshal(files[m.Config], &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["os"], cfg["architecture"] = "linux"+evil, "amd64"+evil
		data, _ := json.Marshal(cfg)
		delete(files, m.Config)
		sum := sha256.Sum256(data)
		m.Config = hex.EncodeToString(sum[:]) + ".json"
		files[m.Config] = data
	})
	// An invalid one whose manifest names a layer by a hostile path.
	writeArchive(t, filepath.Join(dir, "layer.tar"), func(files map[string][]byte, m *manifestEntry) {
		m.Layers[0] = "x" + evil + "/layer.tar"
	})
	hostileFile := filepath.Join(dir, "name"+evil+".tar")
	if err := os.WriteFile(hostileFile, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, format := range formats {
		for _, tty := range []bool{false, true} {
			s := &streams{tty: tty, width: 80}
			args := []string{filepath.Join(dir, "platform.tar"), filepath.Join(dir, "layer.tar"), hostileFile, "-o", format,
				"-o", "json=" + filepath.Join(out, "report.json")}
			if format == "json" {
				args = args[:5]
			}
			err := s.run(t, args...)
			if !errors.Is(err, cmdutil.ErrFailed) {
				t.Fatalf("%s: %v, want ErrFailed", format, err)
			}
			file, _ := os.ReadFile(filepath.Join(out, "report.json"))
			for what, got := range map[string]string{"stdout": s.out.String(), "stderr": s.errOut.String(), "json file": string(file)} {
				for _, bad := range []string{"\x07", "]0;owned", "\x1b[2J", "\u202e"} {
					if strings.Contains(got, bad) && !strings.Contains(got, "\ufffd]0;owned") {
						t.Errorf("%s (tty %v): %s holds %q:\n%q", format, tty, what, bad, got)
					}
				}
			}
			// The verifier refuses such a platform, and shows it escaped.
			if format == "text" && !tty && !strings.Contains(s.out.String(), `names the platform part "linux\x1b]0;owned`) {
				t.Errorf("the platform is not refused, escaped:\n%s", s.out.String())
			}
		}
	}
}

type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// writeArchive rewrites the real docker20-app archive through edit, as an
// uncompressed tar at path.
func writeArchive(t *testing.T, path string, edit func(files map[string][]byte, m *manifestEntry)) {
	t.Helper()
	f, err := os.Open(fixture(t, "docker20-app.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var order []string
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, _ := io.ReadAll(tr)
		files[h.Name] = data
		order = append(order, h.Name)
	}
	var ms []manifestEntry
	if err := json.Unmarshal(files["manifest.json"], &ms); err != nil {
		t.Fatal(err)
	}
	edit(files, &ms[0])
	files["manifest.json"], _ = json.Marshal(ms)
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	written := map[string]bool{}
	for _, name := range append(order, ms[0].Config) {
		data, ok := files[name]
		if !ok || written[name] {
			continue
		}
		written[name] = true
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "verify needs an archive"},
		{[]string{"-o", "xml", "a.tar"}, `unknown output format "xml"`},
		{[]string{"-o", "json", "-o", "tap", "a.tar"}, "at most one -o format can go to stdout"},
		{[]string{"-o", "json=r", "-o", "junit=./r", "a.tar"}, "already the file of another report"},
		{[]string{"-", "-"}, "only once"},
		{[]string{"--bogus", "a.tar"}, "unknown flag: --bogus"},
	} {
		var got *VerifyOptions
		cmd := NewCmdVerify(&cmdutil.IOStreams{}, func(o *VerifyOptions) error { got = o; return nil })
		cmd.SetArgs(append([]string{}, tc.args...)) // nil would be os.Args
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
	cmd.SetArgs([]string{"-o", "json", "-o", "junit=r.xml", "a.tar", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []report.Output{{Format: "json"}, {Format: "junit", File: "r.xml"}}
	if len(got.Outputs) != 2 || got.Outputs[0] != want[0] || got.Outputs[1] != want[1] || strings.Join(got.Files, ",") != "a.tar,-" {
		t.Errorf("options %+v", got)
	}
}

// A report file that cannot be written is an error, and the others are
// still written.
func TestVerifyReportFileErrors(t *testing.T) {
	dir := t.TempDir()
	s := &streams{}
	err := s.run(t, fixture(t, "docker20-app.tar.gz"), "-o", "junit="+dir, "-o", "json="+filepath.Join(dir, "r.json"))
	if err == nil || !strings.Contains(err.Error(), "writing the junit report to "+dir+": it is a folder") {
		t.Errorf("err = %v", err)
	}
	if !fileExists(filepath.Join(dir, "r.json")) {
		t.Error("the json report was not written")
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
	if got := barName(strings.Repeat("a/", 40) + "my-app.tar"); len([]rune(got)) != 40 || !strings.HasSuffix(got, "/my-app.tar") {
		t.Errorf("barName = %q", got)
	}
}

func reportSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := schemaPath
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

func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("the report does not match docs/schema/report.v1.json: %v\n%s", err, data)
	}
}

// A folder given for an archive is called a folder, as everywhere.
func TestVerifyFolder(t *testing.T) {
	s := &streams{}
	if err := s.run(t, t.TempDir()); !errors.Is(err, cmdutil.ErrFailed) {
		t.Fatalf("err = %v, want a failed verification", err)
	}
	if out := s.out.String(); !strings.Contains(out, "it is a folder, not a docker save archive") || strings.Contains(out, "directory") {
		t.Errorf("output:\n%s", out)
	}
}
