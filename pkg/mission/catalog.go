package mission

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/token"
)

// Catalog finds missions by id, in the embedded missions and in the folders
// it was given. An id is found in one place only: two files of the same id
// are an error naming both, never a silent choice.
type Catalog struct {
	sources []source
}

type source struct {
	fsys  fs.FS
	label string // a folder, or "" for the embedded missions
}

// NewCatalog returns a catalog over the embedded missions and the folders
// dirs; empty entries are skipped.
func NewCatalog(embedded fs.FS, dirs ...string) *Catalog {
	c := &Catalog{sources: []source{{fsys: embedded}}}
	for _, d := range dirs {
		if d != "" {
			c.sources = append(c.sources, source{fsys: os.DirFS(d), label: d})
		}
	}
	return c
}

// CheckDirs says which of the catalog's folders cannot be read: a missing
// folder behind --missions is a usage error, not an empty list.
func (c *Catalog) CheckDirs() error {
	for _, s := range c.sources {
		if s.label == "" {
			continue
		}
		fi, err := os.Stat(s.label)
		switch {
		case err != nil:
			return fmt.Errorf("mission folder %s: %w", s.label, err)
		case !fi.IsDir():
			return fmt.Errorf("mission folder %s is not a folder", s.label)
		}
	}
	return nil
}

// NotFoundError says no mission has the id.
type NotFoundError struct {
	ID    string
	Known []string
}

func (e *NotFoundError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("unknown mission %q (no missions found)", e.ID)
	}
	return fmt.Sprintf("unknown mission %q (known: %s)", e.ID, strings.Join(e.Known, ", "))
}

// ClashError says two mission files have the same id.
type ClashError struct {
	ID           string
	First, Other string
}

func (e *ClashError) Error() string {
	return fmt.Sprintf("mission %s is defined twice: %s and %s; rename one (its file and its id)", e.ID, e.First, e.Other)
}

// File is one mission file the catalog can see.
type File struct {
	ID   string // from the file's name
	Name string // for messages: a path, or "missions/ID.yaml (embedded)"
	src  source
	base string
}

// Files lists every mission file, sorted by id; two files of one id give a
// *ClashError.
func (c *Catalog) Files() ([]File, error) {
	byID := map[string]File{}
	for _, s := range c.sources {
		entries, err := fs.ReadDir(s.fsys, ".")
		if err != nil && s.label != "" {
			return nil, fmt.Errorf("mission folder %s: %w", s.label, err)
		}
		for _, e := range entries {
			base := e.Name()
			ext := path.Ext(base)
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			// Only files named as a mission id can be found by their id;
			// any other name (with escapes, say) is never listed.
			if !idPattern().MatchString(strings.TrimSuffix(base, ext)) {
				continue
			}
			f := File{ID: strings.TrimSuffix(base, ext), src: s, base: base}
			f.Name = filepath.Join(s.label, base)
			if s.label == "" {
				f.Name = "missions/" + base + " (embedded)"
			}
			if prev, dup := byID[f.ID]; dup {
				return nil, &ClashError{ID: f.ID, First: prev.Name, Other: f.Name}
			}
			byID[f.ID] = f
		}
	}
	files := make([]File, 0, len(byID))
	for _, f := range byID {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].ID < files[j].ID })
	return files, nil
}

// Find loads the mission with the given id.
func (c *Catalog) Find(id string) (*Mission, error) {
	f, err := c.File(id)
	if err != nil {
		return nil, err
	}
	return f.Load()
}

// File is the file of the mission with the given id, not yet read; a
// *NotFoundError lists the ids there are.
func (c *Catalog) File(id string) (File, error) {
	files, err := c.Files()
	if err != nil {
		return File{}, err
	}
	known := make([]string, len(files))
	for i, f := range files {
		if f.ID == id {
			return f, nil
		}
		known[i] = f.ID
	}
	return File{}, &NotFoundError{ID: id, Known: known}
}

// IDs lists the ids of every mission the catalog can find, sorted; nil when
// the missions cannot be listed.
func (c *Catalog) IDs() []string {
	files, err := c.Files()
	if err != nil {
		return nil
	}
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	return ids
}

// Load reads and parses the file; its id must match its name.
func (f File) Load() (*Mission, error) {
	data, err := readLimited(f.src.fsys, f.base)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Name, err)
	}
	m, err := Parse(f.Name, data)
	if err != nil {
		return nil, err
	}
	if m.ID != f.ID {
		return nil, &SpecError{File: f.Name, Msg: fmt.Sprintf("the file is named %s but its id is %q; they must agree", f.base, m.ID)}
	}
	return m, nil
}

// ReadFile reads a mission file from disk, at most MaxFileSize bytes.
func ReadFile(name string) ([]byte, error) {
	return readLimited(os.DirFS(filepath.Dir(name)), filepath.Base(name))
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	// Stat before opening: opening a FIFO would wait for a writer.
	if fi, err := fs.Stat(fsys, name); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d KiB: a mission file is a few kilobytes", MaxFileSize>>10)
	}
	return data, nil
}

// Title reads the mission's title alone, for a line that names another
// mission: the file is screened and tokenized, not parsed nor validated,
// so a broken file can still give its title. A title that is not a
// one-line scalar of the top-level mapping gives an empty string.
func (f File) Title() string {
	data, err := readLimited(f.src.fsys, f.base)
	if err != nil {
		return ""
	}
	tokens, err := screen(f.Name, data)
	if err != nil {
		return ""
	}
	for i, tk := range tokens {
		if tk.Position == nil || tk.Position.Column != 1 || tk.Type != token.StringType || tk.Value != "title" ||
			i+2 >= len(tokens) || tokens[i+1].Type != token.MappingValueType {
			continue
		}
		switch v := tokens[i+2]; v.Type {
		case token.StringType, token.DoubleQuoteType, token.SingleQuoteType:
			if v.Position != nil && v.Position.Line == tk.Position.Line {
				return v.Value
			}
		}
		return ""
	}
	return ""
}

// Title finds the title of the mission with the given id, as File.Title.
func (c *Catalog) Title(id string) string {
	f, err := c.File(id)
	if err != nil {
		return ""
	}
	return f.Title()
}
