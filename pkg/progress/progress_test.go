package progress

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/academy-dev/academy/pkg/check"
)

// stateHome points XDG_STATE_HOME at a new folder and returns the store
// academy then uses.
func stateHome(t *testing.T) *Store {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func result(statuses ...string) *check.Result {
	res := &check.Result{MissionID: "zone7"}
	ids := []string{"multi-tag", "digest", "export"}
	for i, st := range statuses {
		res.Objectives = append(res.Objectives, check.ObjectiveResult{ID: ids[i], Status: check.Status(st)})
	}
	return res
}

func TestDefaultDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	tests := []struct{ xdg, want string }{
		{"/var/state", "/var/state/academy"},
		{"", filepath.Join(home, ".local/state/academy")},
		{"relative/state", filepath.Join(home, ".local/state/academy")}, // the specification says to ignore it
	}
	for _, tt := range tests {
		t.Setenv("XDG_STATE_HOME", tt.xdg)
		if got, err := DefaultDir(); err != nil || got != tt.want {
			t.Errorf("XDG_STATE_HOME=%q: DefaultDir = %q, %v; want %q", tt.xdg, got, err, tt.want)
		}
	}
}

func TestRecordAndLoad(t *testing.T) {
	s := stateHome(t)
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := s.Record(result("fail", "fail", "pass"), t0); err != nil {
		t.Fatal(err)
	}
	m, err := s.Load("zone7")
	if err != nil {
		t.Fatal(err)
	}
	m.Objective("multi-tag").Hints = 2
	if err := s.Save("zone7", m); err != nil {
		t.Fatal(err)
	}
	// A later run of one objective, and one whose daemon broke mid-run:
	// the others keep what was known, hints are kept.
	t1 := t0.Add(time.Hour)
	partial := &check.Result{MissionID: "zone7", Objectives: []check.ObjectiveResult{
		{ID: "multi-tag", Status: check.Pass}, {ID: "export", Status: check.Error}}}
	if err := s.Record(partial, t1); err != nil {
		t.Fatal(err)
	}
	m, err = s.Load("zone7")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Objective{
		"multi-tag": {Status: check.Pass, Checked: t1, Hints: 2},
		"digest":    {Status: check.Fail, Checked: t0},
		"export":    {Status: check.Pass, Checked: t0},
	}
	for id, w := range want {
		if got := *m.Objective(id); got != w {
			t.Errorf("%s = %+v, want %+v", id, got, w)
		}
	}
	if !m.Checked.Equal(t1) {
		t.Errorf("checked = %v, want %v", m.Checked, t1)
	}
	if n := m.Passed([]string{"multi-tag", "digest", "export"}); n != 2 {
		t.Errorf("passed = %d, want 2", n)
	}
}

// The folder and the file are the learner's alone; no temporary file is
// left behind.
func TestSaveIsPrivateAndAtomic(t *testing.T) {
	s := stateHome(t)
	if err := s.Record(result("pass"), time.Now()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{s.Dir(): 0o700, filepath.Join(s.Dir(), "zone7.json"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", path, got, want)
		}
	}
	entries, _ := os.ReadDir(s.Dir())
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only zone7.json", len(entries))
	}
}

// Two academy processes recording at once never leave a broken file.
func TestConcurrentRecordsLeaveAValidFile(t *testing.T) {
	s := stateHome(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := "pass"
			if i%2 == 0 {
				st = "fail"
			}
			if err := s.Record(result(st, st, st), time.Now()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := s.Load("zone7"); err != nil {
		t.Errorf("after concurrent records: %v", err)
	}
}

// A state file that cannot be used is a warning and a fresh start, never a
// failure; the next record replaces it (unless a newer academy wrote it).
func TestUnusableFiles(t *testing.T) {
	tests := []struct {
		name     string
		make     func(t *testing.T, path string)
		warning  string
		replaced bool
	}{
		{"not JSON", writeFile("{\"version\": 1, \"objec"), "is not valid JSON", true},
		{"empty", writeFile(""), "is not valid JSON", true},
		{"no version", writeFile(`{"objectives": {}}`), "has no format version", true},
		{"too big", writeFile(`{"version": 1, "pad": "` + strings.Repeat("x", MaxFileSize) + `"}`), "larger than 64 KiB", true},
		{"too many objectives", writeFile(manyObjectives(maxEntries + 1)), "more than any mission has", true},
		{"a newer format", writeFile(`{"version": 2, "objectives": {"multi-tag": {"status": "pass"}}}`), "written by a newer academy", false},
		{"a folder", func(t *testing.T, path string) { must(t, os.Mkdir(path, 0o700)) }, "not a regular file", false},
		{"a FIFO", func(t *testing.T, path string) { must(t, syscall.Mkfifo(path, 0o600)) }, "not a regular file, and is left alone", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stateHome(t)
			must(t, os.MkdirAll(s.Dir(), 0o700))
			path := filepath.Join(s.Dir(), "zone7.json")
			tt.make(t, path)
			before := readRegular(t, path)

			m, err := s.Load("zone7")
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.warning) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load: err = %v, want a FileError naming %s and saying %q", err, path, tt.warning)
			}
			if m == nil || len(m.Objectives) != 0 {
				t.Fatalf("Load gave %+v, want a fresh start", m)
			}

			var warnings bytes.Buffer
			RecordCheck(&warnings, result("pass"))
			lines := strings.Split(strings.TrimSpace(warnings.String()), "\n")
			if !strings.HasPrefix(lines[0], "academy: warning: your progress in "+path+" could not be read") {
				t.Errorf("warnings = %q", warnings.String())
			}
			after := readRegular(t, path)
			if replaced := !bytes.Equal(before, after); replaced != tt.replaced {
				t.Errorf("replaced = %v, want %v", replaced, tt.replaced)
			}
			if tt.replaced {
				if m, err := s.Load("zone7"); err != nil || m.Status("multi-tag") != check.Pass {
					t.Errorf("after the record: %+v, %v", m, err)
				}
				if len(lines) != 1 {
					t.Errorf("warnings = %q, want one line", warnings.String())
				}
			}
		})
	}
}

// What a hand-edited file may hold that makes no sense is dropped, not
// believed.
func TestLoadKeepsOnlyWhatMakesSense(t *testing.T) {
	s := stateHome(t)
	must(t, os.MkdirAll(s.Dir(), 0o700))
	writeFile(`{"version": 1, "objectives": {
		"multi-tag": {"status": "pass", "hints": 99999},
		"digest": {"status": "\u001b[2Jowned", "hints": -3},
		"../escape": {"status": "pass"},
		"export": null}}`)(t, filepath.Join(s.Dir(), "zone7.json"))
	m, err := s.Load("zone7")
	if err != nil {
		t.Fatal(err)
	}
	if o := m.Objective("multi-tag"); o.Status != check.Pass || o.Hints != maxHints {
		t.Errorf("multi-tag = %+v", o)
	}
	if o := m.Objective("digest"); o.Status != "" || o.Hints != 0 {
		t.Errorf("digest = %+v", o)
	}
	if _, ok := m.Objectives["../escape"]; ok {
		t.Error("an objective id that is no id was kept")
	}
}

// When the state cannot be written, the check goes on: one warning line.
func TestRecordCheckWarnsWhenTheFolderCannotBeMade(t *testing.T) {
	s := stateHome(t)
	must(t, os.WriteFile(s.Dir(), []byte("a file where the folder goes"), 0o600))
	var warnings bytes.Buffer
	RecordCheck(&warnings, result("pass"))
	got := warnings.String()
	if !strings.HasPrefix(got, "academy: warning: your progress could not be saved to "+filepath.Join(s.Dir(), "zone7.json")) ||
		strings.Count(got, "\n") != 1 {
		t.Errorf("warnings = %q, want one line saying the progress could not be saved", got)
	}
}

func TestNoHomeIsAWarning(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "")
	var warnings bytes.Buffer
	RecordCheck(&warnings, result("pass"))
	if !strings.Contains(warnings.String(), "set XDG_STATE_HOME") {
		t.Errorf("warnings = %q", warnings.String())
	}
}

func TestMissionIDsAreFileNamesOnly(t *testing.T) {
	s := stateHome(t)
	if err := s.Save("../../etc/passwd", &Mission{}); err == nil {
		t.Error("a path was accepted as a mission id")
	}
	if _, err := s.Load("../x"); err == nil {
		t.Error("a path was accepted as a mission id")
	}
}

// readRegular reads path when it is a regular file: the test itself must
// not wait on a FIFO.
func readRegular(t *testing.T, path string) []byte {
	t.Helper()
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, err := os.ReadFile(path)
	must(t, err)
	return data
}

func writeFile(content string) func(*testing.T, string) {
	return func(t *testing.T, path string) { must(t, os.WriteFile(path, []byte(content), 0o600)) }
}

func manyObjectives(n int) string {
	objs := map[string]Objective{}
	for i := range n {
		objs["o"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+string(rune('a'+i/26%26))] = Objective{Status: check.Pass}
	}
	data, _ := json.Marshal(map[string]any{"version": 1, "objectives": objs})
	return string(data)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
