package mission

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Hostile files are refused before the YAML parser sees them, and cheaply:
// each case below costs gigabytes when parsed.
func TestParseRefusesHostileFiles(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"too big", valid + "# " + strings.Repeat("x", MaxFileSize) + "\n", "a mission file is at most 256 KiB"},
		{"flow nesting", "apiVersion: academy/v1\nvars: " + strings.Repeat("[", 32000), "nests deeper than"},
		{"compact sequences", "apiVersion: academy/v1\nvars:\n" + strings.Repeat("- ", 30000) + "x\n", "nests deeper than"},
		{"nested mappings", "apiVersion: academy/v1\nvars: " + strings.Repeat("{a: ", 16000), "nests deeper than"},
		{"alias bomb", "apiVersion: academy/v1\nvars: {a: &a [x, x], b: [*a, *a]}\n", "anchors, aliases"},
		{"merge key", "apiVersion: academy/v1\nid: x\n<<: {title: y}\n", "anchors, aliases"},
		{"tag", "apiVersion: !!str academy/v1\n", "YAML tags"},
		{"two documents", valid + "---\n" + valid, "one YAML document"},
		{"not UTF-8", "apiVersion: academy/v1\ntitle: \xff\xfe\n", "not UTF-8"},
		{"empty", "", "the file is empty"},
		{"too many checks", strings.Replace(valid, "    checks:\n", "    checks:\n"+strings.Repeat("      - image: {ref: x}\n", 501), 1), "at most 500 checks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse("bad.yaml", []byte(tt.yaml))
			runtime.ReadMemStats(&after)
			var se *SpecError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a SpecError saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err spans lines: %q", err)
			}
			// Lexing is linear; the parser's quadratic cost must never be
			// paid. 64 MiB is far above the lexer's few MiB.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("refusing it allocated %d MiB", alloc>>20)
			}
		})
	}
}

// A variable that is set but empty would silently weaken a check (an empty
// sameAs is no sameAs): it is an error at the string that became empty,
// naming the variable.
func TestExpandRefusesWhatBecomesEmpty(t *testing.T) {
	m, err := Parse("demo.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Expand(map[string]string{"image": "  "})
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SpecError", err)
	}
	for _, want := range []string{"demo.yaml:11:50:", `image = "  "`, "empty once expanded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to contain %q", err, want)
		}
	}
	var unknown *UnknownVarError
	if _, err := m.Expand(map[string]string{"imgae": "x"}); !errors.As(err, &unknown) {
		t.Errorf("err = %v, want an UnknownVarError", err)
	}
	if _, err := m.Expand(map[string]string{"image": strings.Repeat("a", MaxVarValue+1)}); err == nil {
		t.Error("an overlong value was accepted")
	}
}

// Errors at a check's field name the variables behind its value.
func TestCheckErrorfNamesVariables(t *testing.T) {
	m, err := Parse("demo.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	x, err := m.Expand(map[string]string{"image": "My-App:v1"})
	if err != nil {
		t.Fatal(err)
	}
	c := &x.Objectives[0].Checks[0]
	err = c.Errorf("sameAs", "sameAs is not a valid image reference")
	want := `demo.yaml:11:50: sameAs is not a valid image reference ("{{.image}}" as written (image = "My-App:v1"))`
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	if got := c.Errorf("nope", "x").Error(); !strings.HasPrefix(got, "demo.yaml:11:9: ") {
		t.Errorf("an unwritten field's error = %q, want it at the check", got)
	}
}

func TestValueTypes(t *testing.T) {
	tests := []struct {
		v    interface{ Validate() error }
		want string // "" for valid
	}{
		{ImageRef("my-app:v1"), ""},
		{ImageRef("localhost:5000/a/b@sha256:" + strings.Repeat("a", 64)), ""},
		{ImageRef("My-App:v1"), "names are lowercase"},
		{ImageRef(":latest"), "not a valid image reference"},
		{FileName("my-app.tar"), ""},
		{FileName("out/my-app.tar"), ""},
		{FileName("../etc/passwd"), "inside the lab's folder"},
		{FileName("/etc/passwd"), "inside the lab's folder"},
		{FileName("a\x00b"), "NUL"},
		{ContainerName("my-app"), ""},
		{ContainerName("-x"), "not a valid container name"},
	}
	for _, tt := range tests {
		err := tt.v.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v: %v", tt.v, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v: err = %v, want %q", tt.v, err, tt.want)
		}
	}
}

// Keys and scalars are checked against the types, in the file's order: the
// same unknown key is named every time, with the field it was likely meant
// to be, and a number where text is wanted is an error, not a conversion.
func TestStrictKeysAndTypes(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{"    points: 2", "    pionts: 2\n    foo: 1", `demo.yaml:8:5: unknown field "pionts" (did you mean points?)`},
		{"    points: 2", `    points: "2"`, `demo.yaml:8:13: expected a whole number, not the text "2"`},
		{"title: Demo", "title: 5", `demo.yaml:3:8: expected text, not the number 5 — quote it: "5"`},
		{`sameAs: "{{.image}}"`, `sameAs: {{.image}}`, `quote values that use variables`},
	}
	for _, tt := range tests {
		for range 5 { // the decoder's map order must not show
			_, err := Parse("demo.yaml", []byte(strings.Replace(valid, tt.from, tt.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%s → %s: err = %v, want %q", tt.from, tt.to, err, tt.want)
			}
		}
	}
	if got := Distance("pionts", "points"); got != 1 {
		t.Errorf("Distance(pionts, points) = %d, want 1", got)
	}
}

func TestFileNameInFollowsNoLink(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	if _, err := FileName("sub/x.tar").In(dir); err == nil || !strings.Contains(err.Error(), "is a link") {
		t.Errorf("through a linked folder: err = %v", err)
	}
	if p, err := FileName("new/x.tar").In(dir); err != nil || p != filepath.Join(dir, "new/x.tar") {
		t.Errorf("a missing file: %q, %v", p, err)
	}
}

// Titles, hints and solutions are one line each: a line break in one would
// show as a line of academy's own (a forged "Check your work:" line).
func TestOneLineStrings(t *testing.T) {
	for _, tt := range []struct{ from, to string }{
		{"title: Demo", "title: \"Demo\\nacademy: FORGED\""},
		{"    title: Tag {{.image}}", "    title: \"Tag\\nCheck your work: rm -rf ~\""},
		{"    solution: docker tag", "    hints: [\"one\\ntwo\"]\n    solution: docker tag"},
	} {
		_, err := Parse("demo.yaml", []byte(strings.Replace(valid, tt.from, tt.to, 1)))
		if err == nil || !strings.Contains(err.Error(), "is one line") {
			t.Errorf("%s: err = %v, want one line asked for", tt.to, err)
		}
	}
}

// A setup image's log line is printed raw by docker logs: one line of
// printable text, bounded, or the mission is refused at its position.
func TestSetupLogIsOnePrintableLine(t *testing.T) {
	withLog := func(log string) string {
		return strings.Replace(valid, "objectives:", "setup:\n  images: [{ref: \"{{.image}}\", from: builtin, log: "+log+"}]\nobjectives:", 1)
	}
	if _, err := Parse("demo.yaml", []byte(withLog(`"my-app: running — ERROR 500 on /checkout"`))); err != nil {
		t.Fatalf("a plain log line: %v", err)
	}
	for _, bad := range []string{`"ok\nFORGED"`, `"\e]0;title\a"`, `"\u202eevil"`, `"` + strings.Repeat("x", MaxLog+1) + `"`} {
		_, err := Parse("demo.yaml", []byte(withLog(bad)))
		if err == nil || !strings.Contains(err.Error(), "log:") || !strings.Contains(err.Error(), "demo.yaml:") {
			t.Errorf("log %.20s: err = %v, want a refusal at its position", bad, err)
		}
	}
}
