package verify

import (
	"fmt"
	"io"
	"strings"

	"github.com/academy-dev/academy/pkg/archive"
)

// progressBar draws one line on a terminal's standard error while a large
// archive is read. name must already be safe to show.
type progressBar struct {
	w     io.Writer
	name  string
	over  int64
	shown bool
}

func (p *progressBar) update(read, total int64) {
	if (total >= 0 && total < p.over) || (total < 0 && read < p.over) {
		return
	}
	p.shown = true
	if total <= 0 {
		fmt.Fprintf(p.w, "\r\033[Kverifying %s  %s", p.name, archive.HumanSize(read))
		return
	}
	const width = 30
	done := int(min(read, total) * width / total)
	fmt.Fprintf(p.w, "\r\033[Kverifying %s  [%s%s] %3d%%  %s / %s", p.name,
		strings.Repeat("=", done), strings.Repeat(" ", width-done),
		min(read, total)*100/total, archive.HumanSize(read), archive.HumanSize(total))
}

func (p *progressBar) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
