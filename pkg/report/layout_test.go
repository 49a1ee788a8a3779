package report

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want []string
	}{
		{"short", 10, []string{"short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"a sha256:0123456789abcdef z", 10, []string{"a", "sha256:0123456789abcdef", "z"}}, // a digest is never cut: it overflows
		{"日本語 のテキスト", 6, []string{"日本語", "のテキスト"}},                                         // two columns each
		{"no limit at all", 0, []string{"no limit at all"}},
		{"🐳🐳 x", 1, []string{"🐳🐳", "x"}}, // wider than the line: overflows
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.w); !slices.Equal(got, tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
	if got := truncate("pc-with-a-long-name", 8); got != "pc-with…" || width(got) != 8 {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("日本語のテキスト", 7); got != "日本語…" {
		t.Errorf("truncate wide = %q", got)
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// On a terminal of any reasonable width, no line of text runs past it but
// one that holds a single unit too wide for any line (a command, a host
// name: never broken), and nothing is lost: every word of a message is
// still there.
func TestTextFitsTheTerminal(t *testing.T) {
	r, _ := Lookup("text")
	for _, w := range []int{40, 50, 60, 72, 80, 100, 120} {
		for _, color := range []bool{false, true} {
			render := map[string]func(*bytes.Buffer) error{}
			for name, res := range fixtures() {
				render[name] = func(b *bytes.Buffer) error { return r.Render(b, res, Options{Width: w, Color: color}) }
			}
			for name, rs := range classes() {
				render[name] = func(b *bytes.Buffer) error { return r.RenderMulti(b, rs, Options{Width: w, Color: color}) }
			}
			for name, do := range render {
				var b bytes.Buffer
				if err := do(&b); err != nil {
					t.Fatal(err)
				}
				for _, l := range strings.Split(b.String(), "\n") {
					plain := sgr.ReplaceAllString(l, "")
					if lw := width(plain); lw > w && !Unbreakable(plain) {
						t.Errorf("%s at %d columns (colour %v): a line of %d: %q", name, w, color, lw, l)
					}
				}
			}
		}
	}
	var b bytes.Buffer
	if err := r.Render(&b, fixtures()["mixed"], Options{Width: 40}); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(strings.Fields(b.String()), " ")
	for _, word := range strings.Fields("cloudcorp/my-app:latest points at 4f1c2d9e8a7b, not at my-app:v1 (9a2e6f7c1b3d) — retag it: docker tag my-app:v1 cloudcorp/my-app:latest") {
		if !strings.Contains(joined, word) {
			t.Errorf("wrapped at 40 columns, the message lost %q:\n%s", word, b.String())
		}
	}
}

// Without a width (a pipe, a file) lines are never wrapped: each objective
// and each message is one line a script can grep.
func TestTextUnwrappedWithoutWidth(t *testing.T) {
	r, _ := Lookup("text")
	var b bytes.Buffer
	if err := r.Render(&b, fixtures()["mixed"], Options{}); err != nil {
		t.Fatal(err)
	}
	want := "        cloudcorp/my-app:latest points at 4f1c2d9e8a7b, not at my-app:v1 (9a2e6f7c1b3d) — retag it: docker tag my-app:v1 cloudcorp/my-app:latest\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("want the message on one line:\n%s", b.String())
	}
}

// The class matrix gives way in order: host names first, then objective
// ids (numbered, with a legend), then columns split into blocks.
func TestClassMatrixGivesWay(t *testing.T) {
	rs := classes()["class"]
	r, _ := Lookup("text")
	render := func(w int) string {
		var b bytes.Buffer
		if err := r.RenderMulti(&b, rs, Options{Width: w}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		return out[:strings.Index(out, "\n\nERROR")] // the matrix, not the details
	}
	wide := render(0)
	if !strings.Contains(wide, "ssh://learner@pc-with-a-rather-long-hostname.workshop.example.org  ERR") ||
		!strings.Contains(wide, "multi-tag  digest  export  points") {
		t.Errorf("unlimited: want whole names and ids:\n%s", wide)
	}
	mid := render(60)
	// A name that does not fit loses its scheme (the same on every row),
	// then its end; one that fits stays whole.
	for _, want := range []string{"pc-with-a-rather-long-ho…  ERR", "/var/run/docker.sock  ", "tcp://pc7.lab:2376", "multi-tag"} {
		if !strings.Contains(mid, want) {
			t.Errorf("60 columns: lacks %q:\n%s", want, mid)
		}
	}
	narrow := render(40)
	if !strings.Contains(narrow, "1 multi-tag, 2 digest, 3 export") || strings.Count(narrow, "host ") != 1 {
		t.Errorf("40 columns: want numbered columns with a legend, one block:\n%s", narrow)
	}
	tiny := render(28)
	if strings.Count(tiny, "host ") < 2 || !strings.Contains(tiny, "passed") {
		t.Errorf("28 columns: want the columns split into blocks:\n%s", tiny)
	}
	// Totals: hosts that passed each objective, points per host and in all.
	for _, want := range []string{"tcp://pc7.lab:2376", "FAIL       PASS    ERR     2/4", "passed", "2/4        3/4     2/4     8/13"} {
		if !strings.Contains(wide, want) {
			t.Errorf("unlimited: lacks %q:\n%s", want, wide)
		}
	}
}

// Every cell of the matrix starts under its column's header, in colour
// (one-column symbols between escape codes) as without.
func TestClassMatrixAligned(t *testing.T) {
	r, _ := Lookup("text")
	for _, opts := range []Options{{}, {Color: true}, {Color: true, Width: 60}, {Width: 40}} {
		var b bytes.Buffer
		if err := r.RenderMulti(&b, classes()["class"], opts); err != nil {
			t.Fatal(err)
		}
		var starts []int // rune offsets of the header's columns
		for _, l := range strings.Split(sgr.ReplaceAllString(b.String(), ""), "\n") {
			runes := []rune(l)
			if strings.HasPrefix(l, "host ") {
				starts = nil
				for i := 1; i < len(runes); i++ {
					if runes[i] != ' ' && runes[i-1] == ' ' {
						starts = append(starts, i)
					}
				}
				continue
			}
			if starts == nil || l == "" {
				starts = nil
				continue
			}
			for _, s := range starts {
				if s >= len(runes) || runes[s] == ' ' || runes[s-1] != ' ' {
					t.Errorf("%+v: a cell not under its header at column %d: %q", opts, s, l)
				}
			}
		}
	}
}

// What a learner copies is kept whole: a command up to the end of its
// clause, a quoted span, a digest. The examples are lines a learner was
// given cut in two.
func TestUnbreakable(t *testing.T) {
	for line, want := range map[string]bool{
		"        docker tag PREFIX/my-app:v1 PREFIX/cloudcorp/my-app:1.0.0":                         true,
		"        expected: sha256:f795319adb271bd275d9150ce779bd6ba5befb9e217134f6977dfd27025e0648": true,
		"ERROR ssh://learner@pc-with-a-rather-long-hostname.workshop.example.org":                   true,
		"      cloudcorp/my-app:latest does not exist — create it":                                  false,
	} {
		if got := Unbreakable(line); got != want {
			t.Errorf("Unbreakable(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestWrapKeepsCommandsWhole(t *testing.T) {
	inspect := "docker inspect --format='{{index .RepoDigests 0}}' nginx"
	tests := []struct {
		name, in string
		w        int
		want     []string
	}{
		{"a command after a colon",
			"cloudcorp/my-app:latest does not exist — create it: docker tag my-app:v1 cloudcorp/my-app:latest", 60,
			[]string{"cloudcorp/my-app:latest does not exist — create it:", "docker tag my-app:v1 cloudcorp/my-app:latest"}},
		{"a command ends with its clause",
			"my-app.tar is not in the current folder — export it: docker save -o my-app.tar my-app:v1; if you saved it in another folder, point academy there: -C FOLDER", 60,
			[]string{"my-app.tar is not in the current folder — export it:", "docker save -o my-app.tar my-app:v1; if you saved it in", "another folder, point academy there: -C FOLDER"}},
		{"quotes and a command before prose goes on",
			"no answer given — once nginx is pulled (docker pull nginx), find its digest with " + inspect + " and pass it as --answer digest=VALUE", 50,
			[]string{"no answer given — once nginx is pulled", "(docker pull nginx), find its digest with", inspect, "and pass it as --answer digest=VALUE"}},
		{"a command too long for the line overflows", "run: " + inspect, 20, []string{"run:", inspect}},
		{"a quote in prose is kept whole", `--var image="my app" is not valid`, 12, []string{`--var image="my app"`, "is not valid"}},
		{"a flag and its value stay together", "then pass it as --answer digest=VALUE to academy", 24, []string{"then pass it as", "--answer digest=VALUE to", "academy"}},
		{"a short flag too", "point academy there: -C FOLDER", 24, []string{"point academy there:", "-C FOLDER"}},
		{"a dash alone is prose", "one - two - three", 7, []string{"one -", "two -", "three"}},
		{"an apostrophe opens no quote", "the image's name and the tag's name", 12, []string{"the image's", "name and the", "tag's name"}},
		{"a command may break after &&", "solution: docker tag a b && docker tag a c", 24, []string{"solution:", "docker tag a b &&", "docker tag a c"}},
		{"docker in prose is a word", "a docker save archive holds the image", 12, []string{"a docker", "save archive", "holds the", "image"}},
		{"academy in prose is a word", "point academy there with -C", 14, []string{"point academy", "there with -C"}},
		{"an academy command", "Ready: academy check zone7 --var image=shop:v2 says what is left", 30,
			[]string{"Ready:", "academy check zone7 --var image=shop:v2", "says what is left"}},
		{"two commands joined by ;", "$ tar -xOf my-app.tar manifest.json; docker image inspect --format '{{.Id}}' my-app:v1", 40,
			[]string{"$ tar -xOf my-app.tar manifest.json;", "docker image inspect --format '{{.Id}}' my-app:v1"}},
		{"after $", "$ docker image inspect --format '{{.Id}}' nginx", 20, []string{"$ docker image inspect --format '{{.Id}}' nginx"}},
		{"a 64-character ID stays on one line", "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b is valid", 40,
			[]string{"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b", "is valid"}},
	}
	for _, tt := range tests {
		if got := Wrap(tt.in, tt.w); !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, got, tt.want)
		}
	}
}

// The lines of what to do next close the text report; a watched screen
// says when it was checked.
func TestTextNextAndCheckedAt(t *testing.T) {
	r, _ := Lookup("text")
	var b bytes.Buffer
	at := time.Date(2025, 3, 1, 14, 3, 22, 0, time.Local)
	opts := Options{Width: 60, CheckedAt: at, Next: []string{"Mission complete. Next, Exporting & Importing Images: academy show zone7-airgap"}}
	if err := r.Render(&b, fixtures()["pass"], opts); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"checked at 14:03:22 in 9ms", "\n\nMission complete. Next, Exporting & Importing Images:\n  academy show zone7-airgap\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in\n%s", want, out)
		}
	}
	for _, format := range []string{"json", "junit", "tap"} {
		var b bytes.Buffer
		f, _ := Lookup(format)
		if err := f.Render(&b, fixtures()["pass"], opts); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Mission complete") {
			t.Errorf("%s carries the text's next step", format)
		}
	}
}

// Text from outside may hold any number of quotes never closed: wrapping it
// stays cheap, and no line is lost.
func TestWrapUnclosedQuotes(t *testing.T) {
	s := strings.Repeat("'a b ", 20000)
	lines := Wrap(s, 40)
	if got := strings.Join(lines, " "); got != strings.TrimSpace(s) {
		t.Errorf("words lost or changed: %d lines", len(lines))
	}
}
