package testlab

import (
	"fmt"
	"strings"
	"testing"
)

// recorder notes the errors a proof reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}

// TestReadOnlyProof runs the proof over changes a run could make, and over
// changes another test makes meanwhile, on the real daemon: the first are
// reported, the second are not.
func TestReadOnlyProof(t *testing.T) {
	tests := []struct {
		name string
		do   func(lab, other *Lab, app string)
		says string // "" when the proof must hold
	}{
		{"nothing happens", func(lab, other *Lab, app string) {}, ""},
		{"another test builds, tags and removes its own images", func(lab, other *Lab, app string) {
			id := other.Build(other.Name("x:v1"), "another test")
			other.Tag(id, other.Name("x:v2"))
			other.Untag(other.Name("x:v2"))
		}, ""},
		{"a watched name is moved to another image", func(lab, other *Lab, app string) {
			lab.Build(lab.Name("impostor:v1"), "impostor")
			lab.Tag(lab.Name("impostor:v1"), app)
		}, "changed the daemon"},
		{"a tag of the lab comes and goes", func(lab, other *Lab, app string) {
			lab.Tag(app, lab.Name("fleeting:v1"))
			lab.Untag(lab.Name("fleeting:v1"))
		}, "image tag"},
		{"a container of the lab's image is created", func(lab, other *Lab, app string) {
			lab.Container(app)
		}, "container"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			lab := New(rec)
			other := New(t)
			app := lab.Name("app:v1")
			lab.Build(app, "app "+lab.Prefix)

			proof := lab.WatchReadOnly(app)
			tt.do(lab, other, app)
			proof.Check()

			got := strings.Join(rec.errors, "\n")
			switch {
			case tt.says == "" && got != "":
				t.Errorf("the proof failed, but nothing of the lab changed:\n%s", got)
			case tt.says != "" && !strings.Contains(got, tt.says):
				t.Errorf("the proof said %q, want it to report the change (%q)", got, tt.says)
			}
		})
	}
}
