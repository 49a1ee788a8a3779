package check

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/testcmd"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
	"github.com/academy-dev/academy/pkg/progress"
)

// TestMain keeps every check run of this package's tests out of the
// developer's own progress: each records its result.
func TestMain(m *testing.M) { os.Exit(testcmd.Main(m)) }

// A check records what it found, objective by objective, for missions and
// hint; a state that cannot be written is one warning and changes nothing
// of the run's outcome.
func TestCheckRecordsProgress(t *testing.T) {
	tests := []struct {
		name    string
		broken  bool // the state folder cannot be made
		warning string
	}{
		{"recorded", false, ""},
		{"state folder cannot be made", true, "academy: warning: your progress could not be saved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("XDG_STATE_HOME", home)
			if tt.broken {
				if err := os.WriteFile(filepath.Join(home, "academy"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			e := fakeengine.Start(t, fakeengine.Docker2010)
			e.Register("GET", "/images/nginx/json", fakeengine.Error(http.StatusNotFound, "No such image: nginx:latest"))
			e.Register("GET", "/images/json", fakeengine.JSON([]byte("[]")))
			f, _, errOut := newFactory(e, "", false)

			err := runCheck(t, f, "zone7", "digest", "-o", "json")
			if !errors.Is(err, cmdutil.ErrFailed) {
				t.Fatalf("err = %v, want ErrFailed whatever happens to the state", err)
			}
			if got := strings.TrimSpace(errOut.String()); tt.warning == "" && got != "" || !strings.HasPrefix(got, tt.warning) || strings.Count(got, "\n") > 0 {
				t.Errorf("stderr = %q, want %q on one line", got, tt.warning)
			}
			if tt.broken {
				return
			}
			st, err := progress.Open(filepath.Join(home, "academy")).Load("zone7")
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Status("digest"); got != "fail" || st.Checked.IsZero() {
				t.Errorf("recorded digest = %q at %v, want fail and a time", got, st.Checked)
			}
			if got := st.Status("multi-tag"); got != "" {
				t.Errorf("multi-tag was not checked, but %q was recorded", got)
			}
		})
	}
}
