package mission

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// Catalog finds missions by id: in the folders it was given first, then in
// the embedded ones.
type Catalog struct {
	sources []fs.FS
	names   []string // a label per source, for messages
}

// NewCatalog returns a catalog over the embedded missions and the folders
// dirs (later folders are searched first, so a user's copy wins).
func NewCatalog(embedded fs.FS, dirs ...string) *Catalog {
	c := &Catalog{}
	for i := len(dirs) - 1; i >= 0; i-- {
		if dirs[i] == "" {
			continue
		}
		c.sources = append(c.sources, os.DirFS(dirs[i]))
		c.names = append(c.names, dirs[i])
	}
	c.sources = append(c.sources, embedded)
	c.names = append(c.names, "")
	return c
}

// NotFoundError says no mission has the id.
type NotFoundError struct {
	ID    string
	Known []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("unknown mission %q (known: %s)", e.ID, strings.Join(e.Known, ", "))
}

// Find loads the mission with the given id.
func (c *Catalog) Find(id string) (*Mission, error) {
	for i, src := range c.sources {
		for _, ext := range []string{".yaml", ".yml"} {
			data, err := fs.ReadFile(src, id+ext)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			name := path.Join(c.names[i], id+ext)
			if c.names[i] == "" {
				name = "missions/" + id + ext + " (embedded)"
			}
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", name, err)
			}
			m, err := Parse(name, data)
			if err != nil {
				return nil, err
			}
			if m.ID != id {
				return nil, &SpecError{File: name, Msg: fmt.Sprintf("file is named %s but its id is %q", id, m.ID)}
			}
			return m, nil
		}
	}
	return nil, &NotFoundError{ID: id, Known: c.IDs()}
}

// IDs lists the ids of every mission the catalog can find, sorted.
func (c *Catalog) IDs() []string {
	seen := map[string]bool{}
	for _, src := range c.sources {
		entries, _ := fs.ReadDir(src, ".")
		for _, e := range entries {
			name := e.Name()
			if ext := path.Ext(name); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				seen[strings.TrimSuffix(name, ext)] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
