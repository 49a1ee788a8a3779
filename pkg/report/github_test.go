package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/check"
)

// The step summary is appended, never replaces what other steps wrote, and
// no string from outside can add a row, a cell or markup to its table.
func TestStepSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	before := "## an earlier step\n\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	fx := fixtures()
	hostile := fx["escaping"]
	hostile.Objectives[0].Checks[0].Message = "a | b ` c <script>alert(1)</script> [x](javascript:y) **bold** \n| forged | row |"
	r, _ := Lookup("github")
	var out bytes.Buffer
	if err := r.Render(&out, hostile, Options{StepSummary: path}); err != nil {
		t.Fatal(err)
	}
	if err := r.RenderMulti(&out, []*check.Result{fx["pass"], fx["mixed"], hostile}, Options{StepSummary: path}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if !strings.HasPrefix(s, before) {
		t.Fatalf("the summary lost what was there:\n%s", s)
	}
	if strings.Contains(out.String(), "| objective |") {
		t.Errorf("the table went to the log, not the summary:\n%s", out.String())
	}
	rows, cells := 0, -1
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "|") {
			cells = -1 // a table ends
			continue
		}
		rows++
		// Cells end at a | that is not escaped; every row has as many as
		// its table's header.
		n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") - 1
		if cells < 0 {
			cells = n
		} else if n != cells {
			t.Errorf("a row of %d cells in a table of %d: %q", n, cells, l)
		}
		for _, bad := range []string{"<script>", "](javascript", "**bold**", "| forged |"} {
			if strings.Contains(l, bad) {
				t.Errorf("markup from outside in the summary: %q", l)
			}
		}
	}
	// One table: header, rule, 2 objectives, total; the class: header,
	// rule, 3 hosts.
	if want := 5 + 5; rows != want {
		t.Errorf("%d table rows, want %d:\n%s", rows, want, s)
	}
	if !strings.Contains(s, "2/3 hosts passed") && !strings.Contains(s, "1/3 hosts passed") {
		t.Errorf("the class summary lacks its total:\n%s", s)
	}
}

// Without StepSummary nothing is written anywhere but w.
func TestStepSummaryOff(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r, _ := Lookup("github")
	if err := r.Render(&bytes.Buffer{}, fixtures()["mixed"], Options{}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
}
