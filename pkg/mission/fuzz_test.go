package mission

import (
	"errors"
	"strings"
	"testing"

	"github.com/academy-dev/academy/missions"
)

// FuzzParse: whatever the bytes, Parse returns a mission or one *SpecError
// on one line — never a panic.
func FuzzParse(f *testing.F) {
	zone7, err := missions.FS.ReadFile("zone7.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zone7)
	f.Add([]byte(valid))
	f.Add([]byte("apiVersion: academy/v1\nid: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("f.yaml", data)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("err %T %v, want *SpecError", err, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		// A variable may be declared without a value, for --var to give:
		// then Expand refuses what uses it, with one line at its place.
		if _, err := m.Expand(nil); err != nil {
			var se *SpecError
			if !errors.As(err, &se) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("a valid mission does not expand, and says so badly: %T %q", err, err)
			}
		}
	})
}
