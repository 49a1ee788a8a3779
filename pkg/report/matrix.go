package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/academy-dev/academy/pkg/check"
)

// The class matrix: one row per host, one column per objective, a cell per
// objective's status, a total per host (its points) and per objective (the
// hosts that passed it). On a terminal it fits the width: host names are
// cut first, then objective ids give way to numbers with a legend, then
// the columns are split into blocks one under the other.

// scheme is the start of an endpoint's address: tcp://, ssh://user@.
var scheme = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]+://([^@/]*@)?`) })

// minHostWidth is as narrow as the host column gets before the objective
// columns give way.
const minHostWidth = 12

type matrixColumn struct {
	head  string
	cells []string // one per host, as the terminal shows it, without colour; "" when the host lacks it
	marks []string // the same, as shown (coloured on a terminal)
	total string
	w     int
}

func (c *matrixColumn) measure() {
	c.w = max(width(c.head), width(c.total))
	for _, s := range c.cells {
		c.w = max(c.w, width(s))
	}
}

func (t *textWriter) matrix(rs []*check.Result) {
	if len(rs) == 0 {
		t.b.WriteString("no hosts were checked\n")
		return
	}
	// Objectives in the order they first appear: every host of a class
	// normally has the same ones.
	var ids []string
	seen := map[string]bool{}
	for _, r := range rs {
		for _, o := range r.Objectives {
			if !seen[o.ID] {
				seen[o.ID] = true
				ids = append(ids, o.ID)
			}
		}
	}
	cols := make([]*matrixColumn, 0, len(ids)+1)
	for _, id := range ids {
		c := &matrixColumn{head: id}
		passed, of := 0, 0
		for _, r := range rs {
			cell, mark := "", ""
			for _, o := range r.Objectives {
				if o.ID == id {
					cell, mark = t.p.cellText(o.Status), t.p.cell(o.Status)
					of++
					if statusOf(o.Status) == check.Pass {
						passed++
					}
					break
				}
			}
			c.cells, c.marks = append(c.cells, cell), append(c.marks, mark)
		}
		c.total = fmt.Sprintf("%d/%d", passed, of)
		cols = append(cols, c)
	}
	pts := &matrixColumn{head: "points"}
	sumE, sumP := 0, 0
	for _, r := range rs {
		e, p := r.Score()
		sumE, sumP = sumE+e, sumP+p
		s := fmt.Sprintf("%d/%d", e, p)
		pts.cells, pts.marks = append(pts.cells, s), append(pts.marks, s)
	}
	pts.total = fmt.Sprintf("%d/%d", sumE, sumP)
	cols = append(cols, pts)
	for _, c := range cols {
		c.measure()
	}

	names := make([]string, len(rs))
	hostW := max(width("host"), width("passed"))
	for i, r := range rs {
		names[i] = hostName(r)
		hostW = max(hostW, width(names[i]))
	}
	span := func() int {
		n := 0
		for _, c := range cols {
			n += 2 + c.w
		}
		return n
	}
	numbered := false
	if fullW := hostW; t.width > 0 && hostW+span() > t.width {
		hostW = max(min(hostW, minHostWidth), t.width-span())
		if hostW+span() > t.width {
			numbered = true
			for i, c := range cols[:len(ids)] {
				c.head = strconv.Itoa(i + 1)
				c.measure()
			}
			// Numbered columns may leave the names room again.
			hostW = max(hostW, min(fullW, t.width-span()))
		}
		for i, n := range names {
			if width(n) > hostW {
				// The scheme is the same on every row; the host name
				// after it is what tells hosts apart.
				names[i] = truncate(scheme().ReplaceAllString(n, ""), hostW)
			}
		}
	}
	// Blocks of columns that fit the width, each with the host column.
	var blocks [][]*matrixColumn
	var block []*matrixColumn
	used := hostW
	for _, c := range cols {
		if t.width > 0 && len(block) > 0 && used+2+c.w > t.width {
			blocks, block, used = append(blocks, block), nil, hostW
		}
		block = append(block, c)
		used += 2 + c.w
	}
	blocks = append(blocks, block)

	for bi, block := range blocks {
		if bi > 0 {
			t.b.WriteByte('\n')
		}
		row := func(label string, cell func(c *matrixColumn) (shown string, w int), colour func(string) string) {
			var b strings.Builder
			b.WriteString(colour(pad(label, hostW)))
			for _, c := range block {
				shown, w := cell(c)
				b.WriteString("  " + shown + strings.Repeat(" ", max(c.w-w, 0)))
			}
			t.b.WriteString(strings.TrimRight(b.String(), " ") + "\n")
		}
		row("host", func(c *matrixColumn) (string, int) { return t.p.bold(c.head), width(c.head) }, t.p.bold)
		for i := range rs {
			row(names[i], func(c *matrixColumn) (string, int) { return c.marks[i], width(c.cells[i]) }, plain)
		}
		row("passed", func(c *matrixColumn) (string, int) { return t.p.dim(c.total), width(c.total) }, t.p.dim)
	}
	if numbered {
		legend := make([]string, len(ids))
		for i, id := range ids {
			legend[i] = strconv.Itoa(i+1) + " " + id
		}
		t.b.WriteByte('\n')
		t.lines(hanging(strings.Join(legend, ", "), t.width, "", "  "), t.p.dim)
	}
}
