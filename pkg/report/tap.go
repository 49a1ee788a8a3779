package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/academy-dev/academy/pkg/check"
)

func init() { register("tap", tapRenderer{}) }

// tapRenderer writes TAP version 13: one test point per objective, and under
// each that did not pass a YAML block with its checks.
type tapRenderer struct{}

func (tapRenderer) Render(w io.Writer, r *check.Result, opts Options) error {
	return writeTAP(w, []*check.Result{r}, false, opts.noun())
}

// RenderMulti writes one stream numbering every endpoint's objectives in
// turn, each endpoint introduced by a comment and named in its descriptions.
func (tapRenderer) RenderMulti(w io.Writer, rs []*check.Result, opts Options) error {
	return writeTAP(w, rs, true, opts.noun())
}

func writeTAP(w io.Writer, rs []*check.Result, multi bool, noun string) error {
	var b bytes.Buffer
	total := 0
	for _, r := range rs {
		total += len(r.Objectives)
	}
	fmt.Fprintf(&b, "TAP version 13\n1..%d\n", total)
	n := 0
	for _, r := range rs {
		r = cleaned(r)
		host := hostName(r)
		if multi {
			fmt.Fprintf(&b, "# %s\n", host)
		}
		_, possible := r.Score()
		for _, o := range r.Objectives {
			n++
			var notes []string
			if possible > 0 {
				notes = append(notes, points(o.Earned, o.Points, true))
			}
			if multi {
				notes = append(notes, host)
			}
			desc := o.ID + ": " + titleOr(o.Title, o.ID)
			if len(notes) > 0 {
				desc += " (" + strings.Join(notes, ", ") + ")"
			}
			st := statusOf(o.Status)
			if st == check.Pass {
				fmt.Fprintf(&b, "ok %d - %s\n", n, tapDescription(desc))
				continue
			}
			fmt.Fprintf(&b, "not ok %d - %s\n", n, tapDescription(desc))
			b.WriteString("  ---\n")
			if first, ok := firstProblem(o); ok {
				fmt.Fprintf(&b, "  message: %s\n", yamlString(first.Message))
			}
			fmt.Fprintf(&b, "  severity: %s\n", st)
			fmt.Fprintf(&b, "  points: %d\n  earned: %d\n", o.Points, o.Earned)
			if len(o.Checks) > 0 {
				b.WriteString("  checks:\n")
			}
			for _, c := range o.Checks {
				fmt.Fprintf(&b, "    - kind: %s\n", yamlString(c.Kind))
				for _, kv := range [][2]string{
					{"subject", c.Subject}, {"status", string(statusOf(c.Status))}, {"message", c.Message},
					{"expected", c.Expected}, {"actual", c.Actual},
				} {
					fmt.Fprintf(&b, "      %s: %s\n", kv[0], yamlString(kv[1]))
				}
			}
			b.WriteString("  ...\n")
		}
		earned, _ := r.Score()
		t := countObjectives(r.Objectives)
		fmt.Fprintf(&b, "# %d/%d %s passed%s\n", t.passed, t.total, noun, ofPoints(earned, possible))
	}
	return write(w, b.Bytes())
}

// tapDescription keeps a description on its line and out of directives: a
// '#' would start one.
func tapDescription(s string) string {
	s = strings.ReplaceAll(oneLine(s), `\`, `\\`)
	return strings.ReplaceAll(s, "#", `\#`)
}

// yamlString quotes s for the YAML block: a JSON string is a valid YAML
// double-quoted scalar, whatever it holds.
func yamlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
