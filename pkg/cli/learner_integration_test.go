package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/testcmd"
)

// TestMain keeps this package's check runs out of the developer's own
// progress: every check records its result.
func TestMain(m *testing.M) { os.Exit(testcmd.Main(m)) }

// The learner's loop on the real daemon: check, see the progress, ask for a
// hint — for the first objective not passing — fix it, check again, and
// the next hint moves on. Only check reads the daemon; it records what it
// found for the others.
func TestLearnerLoop(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	z := newZone7(t)
	z.lab.Save(filepath.Join(z.dir, z.archive), z.image)
	vars := []string{"--var", "image=" + z.image, "--var", "repo=" + z.repo}

	// export passes, multi-tag fails on a near miss, digest fails.
	z.lab.Tag(z.image, z.repo+":1.0")
	code, rep, _ := z.check(t)
	if code != 1 {
		t.Fatalf("check: exit %d, want 1", code)
	}
	_, msgs := objective(t, rep, "multi-tag")
	if !strings.Contains(msgs, "did you mean "+z.repo+":1.0?") {
		t.Errorf("multi-tag does not name the near miss: %q", msgs)
	}

	code, out, errOut := run(t, "missions")
	if code != 0 || !strings.Contains(out, "zone7\tZone 7: Global Distribution — The Release Manager\t1\t3\t") {
		t.Errorf("missions: exit %d, stderr %q, stdout %q; want zone7 at 1 of 3", code, errOut, out)
	}

	code, out, _ = run(t, append([]string{"hint", "zone7"}, vars...)...)
	if code != 0 || !strings.HasPrefix(out, "multi-tag — ") || !strings.Contains(out, "Hint 1 of 3") {
		t.Errorf("hint: exit %d, stdout\n%s\nwant the first hint of multi-tag", code, out)
	}

	z.lab.Tag(z.image, z.repo+":latest")
	z.lab.Tag(z.image, z.repo+":1.0.0")
	if code, _, _ := z.check(t, "multi-tag"); code != 0 {
		t.Fatalf("check multi-tag: exit %d, want 0", code)
	}
	code, out, _ = run(t, append([]string{"hint", "zone7"}, vars...)...)
	if code != 0 || !strings.HasPrefix(out, "digest — ") || !strings.Contains(out, "Hint 1 of 3") {
		t.Errorf("hint after multi-tag passed: exit %d, stdout\n%s\nwant the first hint of digest", code, out)
	}
	_, out, _ = run(t, "missions")
	if !strings.Contains(out, "\t2\t3\t") {
		t.Errorf("missions after multi-tag passed: %q, want 2 of 3", out)
	}
}
