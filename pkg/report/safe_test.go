package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/check"
)

// A string from outside — an answer, a daemon's digest, a mission's title —
// can neither forge a line of a report nor drive the terminal: in every
// format, it stays on its line, without escapes or bidirectional overrides.
func TestStringsFromOutsideCannotForgeLines(t *testing.T) {
	forged := "nope\n  PASS  multi-tag  Tag your image  1/1 pt\r\x1b]0;owned\x07\u202egnp.exe\u2028x"
	r := &check.Result{
		MissionID: "zone7", MissionTitle: "Zone 7" + forged, Endpoint: socket,
		Objectives: []check.ObjectiveResult{{
			ID: "multi-tag", Title: "Tag your image", Status: check.Fail, Points: 1,
			Checks: []check.Outcome{{Kind: "answer", Subject: "digest" + forged, Status: check.Fail,
				Message: "wrong answer " + forged, Expected: "a RepoDigest", Actual: forged}},
		}},
	}
	for _, name := range Names() {
		for _, color := range []bool{false, true} {
			var b bytes.Buffer
			rend, _ := Lookup(name)
			if err := rend.Render(&b, r, Options{Color: color}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out := b.String()
			for _, bad := range []string{"\r", "\x07", "]0;owned", "\u202e", "\u2028"} {
				if strings.Contains(out, bad) && !(bad == "]0;owned" && strings.Contains(out, "\ufffd]0;owned")) {
					t.Errorf("%s (color %v): output holds %q:\n%s", name, color, bad, out)
				}
			}
			if strings.Contains(strings.ReplaceAll(out, "\x1b[", ""), "\x1b") {
				t.Errorf("%s (color %v): output holds an escape that is not the report's own colour:\n%q", name, color, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "PASS  multi-tag") {
					t.Errorf("%s: a forged line reads as a pass: %q", name, line)
				}
			}
		}
	}
}
