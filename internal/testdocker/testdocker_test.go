package testdocker

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test, noting a skip or a failure without
// stopping.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }

func TestRequire(t *testing.T) {
	down := errors.New("docker version: Cannot connect to the Docker daemon at unix:///var/run/docker.sock")
	tests := []struct {
		name        string
		reason      error
		env         string
		skip, fatal bool
	}{
		{name: "daemon answers", reason: nil, env: "1"},
		{name: "no daemon", reason: down, env: "", skip: true},
		{name: "no daemon, required", reason: down, env: "1", fatal: true},
		{name: "no daemon, explicitly not required", reason: down, env: "0", skip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			require(r, tt.reason, tt.env)
			if got := r.skipped != ""; got != tt.skip {
				t.Errorf("skipped = %v (%q), want %v", got, r.skipped, tt.skip)
			}
			if got := r.failed != ""; got != tt.fatal {
				t.Errorf("failed = %v (%q), want %v", got, r.failed, tt.fatal)
			}
			for _, msg := range []string{r.skipped, r.failed} {
				if msg != "" && (!strings.Contains(msg, "Cannot connect") || !strings.Contains(msg, EnvRequire)) {
					t.Errorf("message %q should give the reason and name %s", msg, EnvRequire)
				}
			}
		})
	}
}
