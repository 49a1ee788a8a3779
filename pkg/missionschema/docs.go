package missionschema

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// kindHeading is the heading of a check kind's section: ### `image`.
var kindHeading = regexp.MustCompile("^#{2,4} `([a-z0-9-]+)`\\s*$")

// ParseDocs reads the field tables of docs/missions.md. A table whose first
// column is headed "field" lists the mission's fields by path; one headed
// "option" lists the options of the check kind named by the heading above
// it (### `image`). Columns: name, type, required (yes or no), meaning.
func ParseDocs(markdown []byte) (Docs, error) {
	docs := Docs{Fields: map[string]Field{}, Kinds: map[string]map[string]Field{}}
	var (
		kind  string // the kind whose section this is, or ""
		table string // "field", "option", or "" outside a known table
	)
	sc := bufio.NewScanner(bytes.NewReader(markdown))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			kind, table = "", ""
			if m := kindHeading.FindStringSubmatch(line); m != nil {
				kind = m[1]
			}
			continue
		}
		if !strings.HasPrefix(line, "|") {
			table = ""
			continue
		}
		cells := splitRow(line)
		switch {
		case table == "" && len(cells) > 0 && (cells[0] == "field" || cells[0] == "option"):
			table = cells[0]
			if table == "option" && kind == "" {
				return docs, fmt.Errorf("line %d: a table of options must follow a kind's heading (### `image`)", n)
			}
			continue
		case table == "" || strings.Trim(cells[0], "-: ") == "":
			continue // another table, or the header's rule
		}
		if len(cells) != 4 {
			return docs, fmt.Errorf("line %d: a %s row has 4 columns: name, type, required, meaning", n, table)
		}
		name := strings.Trim(cells[0], "`")
		var req bool
		switch cells[2] {
		case "yes":
			req = true
		case "no":
		default:
			return docs, fmt.Errorf("line %d: required is yes or no, not %q", n, cells[2])
		}
		f := Field{Description: plain(cells[3]), Required: req}
		if table == "field" {
			if _, dup := docs.Fields[name]; dup {
				return docs, fmt.Errorf("line %d: the field %s is described twice", n, name)
			}
			docs.Fields[name] = f
			continue
		}
		if docs.Kinds[kind] == nil {
			docs.Kinds[kind] = map[string]Field{}
		}
		if _, dup := docs.Kinds[kind][name]; dup {
			return docs, fmt.Errorf("line %d: the option %s of %s is described twice", n, name, kind)
		}
		docs.Kinds[kind][name] = f
	}
	return docs, sc.Err()
}

// splitRow splits a table row into its trimmed cells; \| is a | inside one.
func splitRow(line string) []string {
	line = strings.ReplaceAll(line, `\|`, "\x00")
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|")
	}
	return cells
}

// plain turns a cell's Markdown into the plain text of a description.
func plain(s string) string {
	return strings.NewReplacer("`", "", "**", "", "<br>", " ").Replace(s)
}
