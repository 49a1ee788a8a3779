package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/report"
)

// Version is the format of the files this build writes. A file of a newer
// format is read as a fresh start and never replaced.
const Version = 1

// Bounds on a state file: a mission has at most 100 objectives, whose
// state is a few dozen bytes each.
const (
	// MaxFileSize is the largest state file read.
	MaxFileSize = 64 << 10
	maxEntries  = 200
	maxHints    = 1000
)

// Store is the folder a learner's state is kept in.
type Store struct {
	dir string
}

// Open returns the store in dir; the folder is made on the first Save.
func Open(dir string) *Store { return &Store{dir: dir} }

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

// DefaultDir is $XDG_STATE_HOME/academy, or ~/.local/state/academy when
// XDG_STATE_HOME is unset or not an absolute path (as the XDG base
// directory specification says).
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "academy"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no folder to keep your progress in: %w; set XDG_STATE_HOME", err)
	}
	return filepath.Join(home, ".local", "state", "academy"), nil
}

// Default returns the store in DefaultDir.
func Default() (*Store, error) {
	dir, err := DefaultDir()
	if err != nil {
		return nil, err
	}
	return Open(dir), nil
}

// Mission is what is remembered of one mission.
type Mission struct {
	Version int `json:"version"`
	// Checked is when the mission was last checked; zero when never.
	Checked time.Time `json:"checked,omitzero"`
	// Objectives are by objective id.
	Objectives map[string]*Objective `json:"objectives,omitempty"`

	// frozen is set when the file on disk must not be replaced: it was
	// written by a newer academy.
	frozen bool
}

// Objective is what is remembered of one objective.
type Objective struct {
	// Status is what the last check that looked at the objective found:
	// pass or fail; empty when none did.
	Status check.Status `json:"status,omitempty"`
	// Checked is when that check ran.
	Checked time.Time `json:"checked,omitzero"`
	// Hints is how many hint steps have been given.
	Hints int `json:"hints,omitempty"`
}

// Objective returns the state of the objective id, made empty when there
// is none yet.
func (m *Mission) Objective(id string) *Objective {
	if m.Objectives == nil {
		m.Objectives = map[string]*Objective{}
	}
	o, ok := m.Objectives[id]
	if !ok {
		o = &Objective{}
		m.Objectives[id] = o
	}
	return o
}

// Status is the last status recorded for objective id: pass, fail, or ""
// when none was.
func (m *Mission) Status(id string) check.Status {
	if o, ok := m.Objectives[id]; ok {
		return o.Status
	}
	return ""
}

// Passed counts the objectives among ids whose last check passed.
func (m *Mission) Passed(ids []string) int {
	n := 0
	for _, id := range ids {
		if m.Status(id) == check.Pass {
			n++
		}
	}
	return n
}

// FileError says a state file could not be read or written. It is a
// warning: the caller says it on one line and goes on, with a fresh start
// when reading failed.
type FileError struct {
	Path string
	Op   string // "read" or "saved"
	Err  error
}

func (e *FileError) Error() string {
	if e.Op == "read" {
		return fmt.Sprintf("your progress in %s could not be read (%v); starting afresh", e.Path, e.Err)
	}
	return fmt.Sprintf("your progress could not be saved to %s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// idPattern is what a mission or objective id may be, as the mission loader
// checks them: safe as a file name.
var idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`) })

func (s *Store) path(id string) (string, error) {
	if !idPattern().MatchString(id) {
		return "", fmt.Errorf("%q is not a mission id", id)
	}
	return filepath.Join(s.dir, id+".json"), nil
}

// Load reads what is remembered of mission id. It always returns a
// Mission: an empty one when nothing is remembered, or when the file
// cannot be read or makes no sense — then with a *FileError to show as a
// warning.
func (s *Store) Load(id string) (*Mission, error) {
	fresh := &Mission{Version: Version}
	path, err := s.path(id)
	if err != nil {
		return fresh, &FileError{Path: s.dir, Op: "read", Err: err}
	}
	data, err := readLimited(path)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		// Nothing remembered; if the folder cannot be made, Save says so.
		return fresh, nil
	case errors.Is(err, errNotRegular):
		fresh.frozen = true
		return fresh, &FileError{Path: path, Op: "read", Err: errors.New("it is not a regular file, and is left alone: remove it to keep your progress")}
	case err != nil:
		return fresh, &FileError{Path: path, Op: "read", Err: err}
	}
	var m Mission
	if err := json.Unmarshal(data, &m); err != nil {
		return fresh, &FileError{Path: path, Op: "read", Err: errors.New("it is not valid JSON")}
	}
	switch {
	case m.Version > Version:
		fresh.frozen = true
		return fresh, &FileError{Path: path, Op: "read", Err: fmt.Errorf("it was written by a newer academy (format %d) and is left alone", m.Version)}
	case m.Version < 1:
		return fresh, &FileError{Path: path, Op: "read", Err: errors.New("it has no format version")}
	case len(m.Objectives) > maxEntries:
		return fresh, &FileError{Path: path, Op: "read", Err: fmt.Errorf("it holds %d objectives, more than any mission has", len(m.Objectives))}
	}
	// Keep only what makes sense; a hand-edited file may hold anything.
	for k, o := range m.Objectives {
		if o == nil || !idPattern().MatchString(k) {
			delete(m.Objectives, k)
			continue
		}
		if o.Status != check.Pass && o.Status != check.Fail {
			o.Status, o.Checked = "", time.Time{}
		}
		o.Hints = max(0, min(o.Hints, maxHints))
	}
	return &m, nil
}

var errNotRegular = errors.New("not a regular file")

// readLimited reads a regular file of at most MaxFileSize bytes. The file is
// opened without blocking, so a FIFO put in its place cannot stall academy.
func readLimited(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("it is larger than %d KiB, far more than any progress", MaxFileSize>>10)
	}
	return data, nil
}

// Save writes what is remembered of mission id, whole or not at all: to a
// temporary file, readable by the learner only, renamed into place. The
// folder is made, for the learner only, when missing. A mission whose file
// Load refused to use (written by a newer academy, not a regular file) is
// not saved: Load said why.
func (s *Store) Save(id string, m *Mission) error {
	path, err := s.path(id)
	if err != nil {
		return &FileError{Path: s.dir, Op: "saved", Err: err}
	}
	if m.frozen {
		return nil // Load said why the file is left alone
	}
	m.Version = Version
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return &FileError{Path: path, Op: "saved", Err: err}
	}
	if err := writeAtomic(s.dir, path, append(data, '\n')); err != nil {
		return &FileError{Path: path, Op: "saved", Err: err}
	}
	return nil
}

// writeAtomic replaces path with data through a rename, so a reader sees
// the old file or the new one, never half of one. There is no fsync: it
// would make every check wait for the disk, and what a crash of the
// machine could leave (an empty or an old file) is read as a fresh start
// or as the last state before, which is all progress is.
func writeAtomic(dir, path string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// CreateTemp makes the file readable and writable by its owner only.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Record remembers a check's result: each objective it checked gets the
// status found and the time. An objective that could not be evaluated
// (status error: the daemon broke) keeps what was known of it. Hint steps
// are kept. The error, a *FileError, is a warning.
func (s *Store) Record(res *check.Result, now time.Time) error {
	m, loadErr := s.Load(res.MissionID)
	m.Checked = now.UTC()
	for _, o := range res.Objectives {
		if o.Status != check.Pass && o.Status != check.Fail {
			continue
		}
		st := m.Objective(o.ID)
		st.Status, st.Checked = o.Status, now.UTC()
	}
	if err := s.Save(res.MissionID, m); err != nil {
		// One cause (a folder the learner cannot write) makes both fail:
		// say it once.
		return err
	}
	return loadErr
}

// RecordCheck remembers a check's result in the learner's store, for
// `academy missions` and `academy hint`. It never fails: a problem is one
// warning line on w, and the check's outcome is unchanged.
func RecordCheck(w io.Writer, res *check.Result) {
	if res == nil {
		return
	}
	s, err := Default()
	if err == nil {
		err = s.Record(res, time.Now())
	}
	Warn(w, err)
}

// Warn writes each of err's problems as one line on w: "academy: warning:
// …". Nothing when err is nil.
func Warn(w io.Writer, err error) {
	if err == nil {
		return
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		fmt.Fprintf(w, "academy: warning: %s\n", report.CleanLine(e.Error()))
	}
}
