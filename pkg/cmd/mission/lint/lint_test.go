package lint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
)

// corpus holds a broken mission per rule, each named for its rule, and a
// few valid ones.
var corpus = filepath.Join("..", "..", "..", "..", "testdata", "missions")

// want is one expected problem: its place, "warning: " when it is one, and
// a part of its message.
type want struct {
	at, msg string
}

func w(at, msg string) want { return want{at, msg} }

// The broken corpus: every problem each file has, at its place. Lines
// count the schema comment on line 1.
var corpusTests = map[string][]want{
	// The YAML cannot be decoded: one problem, the first.
	"yaml-syntax":       {w("17:16", "could not find flow mapping end token '}'")},
	"unknown-field":     {w("11:5", `unknown field "pionts"`)},
	"duplicate-key":     {w("5:1", `mapping key "title" already defined at [4:1]`)},
	"wrong-type":        {w("11:13", `expected a whole number, not the text "one"`)},
	"unquoted-variable": {w("17:51", `quote values that use variables: "{{.image}}"`)},
	"anchor-alias":      {w("6:10", "anchors, aliases and merge keys (&, *, <<) are not allowed")},
	"yaml-tag":          {w("4:8", "YAML tags (!!str) are not allowed")},
	"two-documents":     {w("18:1", "a mission file holds one YAML document")},
	"check-two-kinds":   {w("17:14", "a check has exactly one kind")},
	"check-not-mapping": {w("17:16", "check are a mapping, e.g. image: {…}")},
	"empty-file":        {w("", "the file is empty; a mission starts with apiVersion: academy/v1")},
	"too-deep":          {w("18:31", "the document nests deeper than 24 levels")},
	"not-utf8":          {w("", "the file is not UTF-8 text")},

	// The mission's own rules.
	"api-version":              {w("2:13", `apiVersion must be "academy/v1", not "academy/v2"`)},
	"mission-id":               {w("3:5", `id "Mission_ID" must be lowercase letters, digits and dashes`)},
	"missing-title":            {w("1:1", "title is required")},
	"no-objectives":            {w("5:13", "a mission needs at least one objective")},
	"objective-id":             {w("9:9", `objective id "Multi Tag" must be lowercase letters, digits and dashes`)},
	"duplicate-objective-id":   {w("18:9", `objective id "multi-tag" is used twice`)},
	"objective-without-title":  {w("9:7", "objective multi-tag needs a title")},
	"points-out-of-range":      {w("11:13", "points must be between 0 and 1000")},
	"too-many-hints":           {w("12:7", "an objective has at most 20 hints")},
	"objective-without-checks": {w("16:13", "objective multi-tag needs at least one check")},
	"variable-name": {
		w("8:3", "warning: variable my-image is declared but never used"),
		w("8:13", `variable name "my-image" must be letters, digits and _, starting with a letter`),
	},
	"variable-too-long": {
		w("7:9", "variable repo is longer than 1024 bytes"),
		w("17:22", "is not a valid image reference: the name is too long"),
	},
	"unknown-variable":        {w("17:22", "unknown variable repository; declare it under vars")},
	"empty-once-expanded":     {w("17:50", `"{{.image}}" is empty once expanded (image = "")`)},
	"setup-image-from":        {w("10:33", `from must be builtin (an image academy makes offline), not "registry"`)},
	"setup-image-ref":         {w("10:13", `setup image: "My-App:v1" is not a valid image reference: names are lowercase`)},
	"setup-image-without-ref": {w("10:7", "a setup image needs ref")},

	// Check kinds.
	"unknown-kind":            {w("17:9", `unknown check kind "imag" (kinds: `)},
	"kind-missing-option":     {w("17:9", "check needs ref")},
	"kind-unknown-option":     {w("17:64", `unknown field "colour"`)},
	"kind-option-type":        {w("17:76", `expected true or false, not the text "yes"`)},
	"invalid-image-reference": {w("17:50", `sameAs: "My-App:v1" is not a valid image reference: names are lowercase`)},
	"invalid-image-reference-from-variable": {
		w("17:50", `sameAs: "My-App:v1" is not a valid image reference: names are lowercase ("{{.image}}" as written (image = "My-App:v1"))`),
	},
	"invalid-file-name":                       {w("14:25", `path: "../my-app.tar" must name a file inside the lab's folder`)},
	"image-absent-with-more":                  {w("17:50", "absent: an image that must not exist can have nothing else checked")},
	"image-platform":                          {w("17:52", `platform "amd64": expected os/arch or os/arch/variant`)},
	"archive-matches-daemon-without-contains": {w("14:52", "matchesDaemon needs contains")},

	// Warnings: academy runs these missions.
	"objective-without-hints":    {w("9:9", "warning: objective multi-tag has no hints")},
	"objective-without-solution": {w("9:9", "warning: objective multi-tag has no solution")},
	"unused-variable":            {w("8:3", "warning: variable archive is declared but never used")},
	"variable-uses-variable": {
		w("7:9", "warning: the value of repo uses {{.image}}, but variables are not expanded inside variables"),
		w("17:22", `ref: "cloudcorp/{{.image}}:latest" is not a valid image reference`),
	},
	"file-name-not-id": {w("3:5", `warning: the id is "file-name-is-not-the-id" but the file is named for "file-name-not-id"`)},

	// Every problem of a file that decodes, in the order of the file;
	// warnings among errors; nothing said twice.
	"many-problems": {
		w("8:3", "warning: variable spare is declared but never used"),
		w("10:9", "warning: objective multi-tag has no solution"),
		w("14:50", "unknown variable imgae"),
		w("15:49", `sameAs: "My-App:v1" is not a valid image reference`),
		w("16:9", `objective id "multi-tag" is used twice`),
		w("18:13", "points must be between 0 and 1000"),
		w("20:25", `path: "/tmp/my-app.tar" must name a file inside the lab's folder`),
		w("20:57", "matchesDaemon needs contains"),
		w("21:9", `unknown check kind "answr"`),
	},

	"valid-minimal":    nil,
	"valid-every-kind": nil,
}

// lintFile runs the command on files and returns what it printed and the
// exit code academy would give.
func lintFile(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	f, out, errOut := factory(stdin, nil)
	err := execute(f, args...)
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func factory(stdin io.Reader, dirs []string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	return &cmdutil.Factory{
		IOStreams:   &cmdutil.IOStreams{In: stdin, Out: &out, ErrOut: &errOut},
		MissionDirs: dirs,
	}, &out, &errOut
}

func execute(f *cmdutil.Factory, args ...string) error {
	cmd := NewCmdLint(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(f.IOStreams.ErrOut)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpus, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", corpus, err)
	}
	for _, f := range files {
		if _, ok := corpusTests[strings.TrimSuffix(filepath.Base(f), ".yaml")]; !ok {
			t.Errorf("%s has no case in this test", f)
		}
	}
	for name, wants := range corpusTests {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(corpus, name+".yaml")
			out, _, code := lintFile(t, nil, file)
			got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if out == "" {
				got = nil
			}
			if len(got) != len(wants) {
				t.Fatalf("%d problems, want %d:\n%s", len(got), len(wants), out)
			}
			errs := 0
			for i, w := range wants {
				prefix := file + ":" + w.at + ": "
				if w.at == "" {
					prefix = file + ": "
				}
				if !strings.HasPrefix(got[i], prefix) || !strings.Contains(got[i], w.msg) {
					t.Errorf("problem %d:\n got %s\nwant %s…%s…", i+1, got[i], prefix, w.msg)
				}
				if !strings.HasPrefix(w.msg, "warning: ") {
					errs++
				}
			}
			if want := map[bool]int{true: 2, false: 0}[errs > 0]; code != want {
				t.Errorf("exit code %d, want %d", code, want)
			}
		})
	}
}

// What no file can hold without being huge, made here.
func TestLimits(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join(corpus, "valid-minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objective := "  - {id: o%d, title: O, hints: [h], solution: s, checks: [%s]}\n"
	many := func(n, checks int) string {
		var b strings.Builder
		b.Write(valid)
		c := strings.TrimSuffix(strings.Repeat("{image: {ref: x}}, ", checks), ", ")
		for i := range n {
			fmt.Fprintf(&b, objective, i, c)
		}
		return b.String()
	}
	tests := []struct {
		name, doc, want string
	}{
		{"too big", string(valid) + "# " + strings.Repeat("x", mission.MaxFileSize) + "\n", ": cannot read it: larger than 256 KiB"},
		{"too many objectives", many(100, 1), ":6:3: a mission has at most 100 objectives"},
		{"too many checks", many(90, 6), ":6:3: a mission has at most 500 checks in all, not 541"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "valid-minimal.yaml")
			if err := os.WriteFile(name, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _, code := lintFile(t, nil, name)
			if code != 2 || !strings.Contains(out, tt.want) || strings.Count(out, "\n") != 1 {
				t.Errorf("exit %d, output\n%s\nwant one line saying %q", code, out, tt.want)
			}
		})
	}
}

// Arguments become options; what cannot be done is refused before any
// file is read.
func TestFlags(t *testing.T) {
	tests := []struct {
		args    []string
		tty     bool
		files   []string
		strict  bool
		wantErr string
	}{
		{args: nil, files: nil},
		{args: []string{"a.yaml", "b.yml"}, files: []string{"a.yaml", "b.yml"}},
		{args: []string{"--strict", "-"}, files: []string{"-"}, strict: true},
		{args: []string{"-", "a.yaml", "-"}, wantErr: "standard input (-) can be linted only once"},
		{args: []string{"-"}, tty: true, wantErr: "standard input is a terminal"},
		{args: []string{"--stirct"}, wantErr: "unknown flag: --stirct"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _, _ := factory(nil, nil)
			f.IOStreams.InTTY = tt.tty
			var got *Options
			cmd := NewCmdLint(f, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != 2 {
					t.Fatalf("err = %v, want a usage error saying %q", err, tt.wantErr)
				}
				if got != nil {
					t.Error("the run function was called")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Files, ",") != strings.Join(tt.files, ",") || got.Strict != tt.strict {
				t.Errorf("options %+v, want files %v strict %v", got, tt.files, tt.strict)
			}
		})
	}
}

func TestSeveralFilesAndTheSummary(t *testing.T) {
	good := filepath.Join(corpus, "valid-minimal.yaml")
	warned := filepath.Join(corpus, "unused-variable.yaml")
	broken := filepath.Join(corpus, "many-problems.yaml")
	missing := filepath.Join(t.TempDir(), "nope.yaml")

	out, errOut, code := lintFile(t, nil, good, warned)
	if code != 0 || strings.Count(out, "\n") != 1 || errOut != "" {
		t.Errorf("a warning alone: exit %d, stdout %q, stderr %q; want exit 0 and the warning", code, out, errOut)
	}
	_, _, code = lintFile(t, nil, "--strict", good, warned)
	if code != 2 {
		t.Errorf("a warning with --strict: exit %d, want 2", code)
	}

	f, out2, _ := factory(nil, nil)
	err := execute(f, good, broken, missing, warned)
	if got, want := err.Error(), "8 errors and 3 warnings in 3 of 4 files"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	lines := strings.Split(strings.TrimSpace(out2.String()), "\n")
	if len(lines) != 11 || !strings.HasPrefix(lines[0], broken+":") || lines[9] != missing+": no such file" || !strings.HasPrefix(lines[10], warned+":") {
		t.Errorf("output, want the files' problems in the order given:\n%s", out2)
	}
	if cmdutil.ExitCode(err) != 2 {
		t.Errorf("exit %d, want 2", cmdutil.ExitCode(err))
	}
}

// A mission file is hostile input: nothing in it, or in its name, can
// drive the terminal or forge a line.
func TestOutputIsSanitised(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "evil\x1b[2J\u202e.yaml")
	doc := "apiVersion: academy/v1\nid: evil\ntitle: x\nobjectives:\n  - id: o\n    title: o\n    hints: [h]\n    solution: s\n    checks:\n      - \"im\x1b]0;owned\x07age\\n\": {ref: x}\n"
	if err := os.WriteFile(name, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := lintFile(t, nil, name)
	if code != 2 || out == "" {
		t.Fatalf("exit %d, output %q; want the unknown kind", code, out)
	}
	// The id's warning, and the unknown kind.
	if strings.ContainsAny(out, "\x1b\x07\u202e") || strings.Count(out, "\n") != 2 {
		t.Errorf("output carries control or format characters, or several lines: %q", out)
	}
}

// Lint reads no FIFO, no folder, no device: a mission file is a regular
// file.
func TestOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "m.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	out, _, code := lintFile(t, nil, fifo, dir, "/dev/zero")
	for _, want := range []string{
		fifo + ": cannot read it: not a regular file",
		dir + ": is a folder: lint its files (" + dir + "/*.yaml), or lint it as academy does: academy mission lint --missions " + dir,
		"/dev/zero: cannot read it: not a regular file",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}

func TestStandardInput(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(corpus, "unknown-kind.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := lintFile(t, bytes.NewReader(doc), "-")
	if code != 2 || !strings.HasPrefix(out, "<stdin>:17:9: unknown check kind") {
		t.Errorf("exit %d, output %q", code, out)
	}
	// No id comes from standard input's name: the id is not checked.
	doc, _ = os.ReadFile(filepath.Join(corpus, "valid-minimal.yaml"))
	if out, _, code := lintFile(t, bytes.NewReader(doc), "--strict", "-"); code != 0 || out != "" {
		t.Errorf("a valid mission on stdin: exit %d, output %q", code, out)
	}
	huge := io.MultiReader(bytes.NewReader(doc), strings.NewReader(strings.Repeat("#", 10*mission.MaxFileSize)))
	out, _, code = lintFile(t, huge, "-")
	if code != 2 || out != "<stdin>: larger than 256 KiB: a mission file is a few kilobytes\n" {
		t.Errorf("a huge stdin: exit %d, output %q", code, out)
	}
}

// blockingReader blocks until closed, as a pipe nobody writes to; it says
// when the first read started.
type blockingReader struct {
	reading chan struct{}
	closed  chan struct{}
}

func (r *blockingReader) Read([]byte) (int, error) {
	close(r.reading)
	<-r.closed
	return 0, io.EOF
}

// Waiting on standard input yields to Ctrl-C.
func TestInterruptWhileReadingStdin(t *testing.T) {
	r := &blockingReader{reading: make(chan struct{}), closed: make(chan struct{})}
	defer close(r.closed)
	f, _, _ := factory(r, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, &Options{IO: f.IOStreams, Catalog: f.Catalog, Files: []string{"-"}}) }()
	<-r.reading
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || cmdutil.ExitCode(err) != 130 {
		t.Errorf("err = %v, want the interruption (exit 130)", err)
	}
}

// With no FILE, lint lints the catalog: the shipped missions, clean even
// of warnings, and those of --missions, where a file not named for its id
// is an error, as the catalog refuses it.
func TestCatalog(t *testing.T) {
	f, out, _ := factory(nil, nil)
	if err := execute(f, "--strict"); err != nil {
		t.Fatalf("the shipped missions: %v\n%s", err, out)
	}
	if ids := mission.NewCatalog(missions.FS).IDs(); len(ids) == 0 {
		t.Fatal("no shipped mission")
	}

	dir := t.TempDir()
	copyFile(t, filepath.Join(corpus, "file-name-not-id.yaml"), filepath.Join(dir, "file-name-not-id.yaml"))
	copyFile(t, filepath.Join(corpus, "unknown-kind.yaml"), filepath.Join(dir, "unknown-kind.yaml"))
	f, out, _ = factory(nil, []string{dir})
	err := execute(f)
	for _, want := range []string{
		filepath.Join(dir, "file-name-not-id.yaml") + `:3:5: the id is "file-name-is-not-the-id"`,
		filepath.Join(dir, "unknown-kind.yaml") + `:17:9: unknown check kind "imag"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The two files here, and every shipped mission.
	want := fmt.Sprintf("2 errors in 2 of %d files", len(mission.NewCatalog(missions.FS).IDs())+2)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}

	copyFile(t, filepath.Join("..", "..", "..", "..", "missions", "zone7.yaml"), filepath.Join(dir, "zone7.yaml"))
	f, _, _ = factory(nil, []string{dir})
	var clash *mission.ClashError
	if err := execute(f); !errors.As(err, &clash) || cmdutil.ExitCode(err) != 2 {
		t.Errorf("a second zone7: err = %v, want the clash naming both files", err)
	}
	f, _, _ = factory(nil, []string{filepath.Join(dir, "nope")})
	if err := execute(f); err == nil || cmdutil.ExitCode(err) != 2 {
		t.Errorf("a missing --missions folder: err = %v, want a usage error", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
