// Package missions is `academy missions`: every mission academy can find,
// with the learner's progress.
package missions

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/progress"
)

// Options are what `academy missions` needs.
type Options struct {
	IO      *cmdutil.IOStreams
	Catalog func() *mission.Catalog
	// Now is the time progress is told against ("2 hours ago").
	Now func() time.Time
	// Flags are the learner's, repeated in every command printed.
	Flags lesson.Flags
}

// NewCmdMissions returns the missions command. runF replaces the run
// function in tests of argument parsing.
func NewCmdMissions(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, Now: time.Now}
	return &cobra.Command{
		Use:   "missions",
		Short: "List the missions, with your progress",
		Long: `Missions lists every mission academy can find — those built in and those in
the --missions folder (or ACADEMY_MISSIONS) — with your progress at your last
check: objectives passed of all, ✓ when complete.

A mission file that cannot be read is listed with what is wrong with it.`,
		Example: `  academy missions
  academy missions --missions ./my-missions`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.Usagef("missions takes no arguments; to read one mission: academy show %s", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Flags = lesson.FlagsOf(cmd, "")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// row is one mission of the list, as shown.
type row struct {
	id, title string
	broken    bool      // the file could not be loaded; title holds why
	passed    int       // objectives passed at the last check
	total     int       // objectives of the mission
	checked   string    // when the last check ran, "" when never
	checkedAt time.Time // the same, as a time
}

// Run lists the missions.
func Run(_ context.Context, opts *Options) error {
	catalog := opts.Catalog()
	if err := catalog.CheckDirs(); err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	files, err := catalog.Files()
	if err != nil {
		return err
	}
	store, stateErr := progress.Default()
	progress.Warn(opts.IO.ErrOut, stateErr)
	rows := make([]row, 0, len(files))
	for _, f := range files {
		r := row{id: lesson.Line(f.ID)}
		m, err := f.Load()
		if err != nil {
			// The file's folder is the --missions folder: its name is
			// enough, and leaves room for what is wrong.
			msg := err.Error()
			if rest, ok := strings.CutPrefix(msg, f.Name); ok {
				msg = filepath.Base(f.Name) + rest
			}
			r.broken, r.title = true, lesson.Line(msg)
			rows = append(rows, r)
			continue
		}
		r.title, r.total = lesson.Line(m.Title), len(m.Objectives)
		if store != nil {
			st, err := store.Load(m.ID)
			progress.Warn(opts.IO.ErrOut, err)
			r.passed = st.Passed(m.ObjectiveIDs())
			if !st.Checked.IsZero() {
				r.checked, r.checkedAt = lesson.Ago(opts.Now().Sub(st.Checked)), st.Checked
			}
		}
		rows = append(rows, r)
	}
	if !opts.IO.OutTTY {
		return writePlain(opts, rows)
	}
	return writeTable(opts, rows)
}

// writePlain writes one tab-separated line per mission, for scripts: id,
// title, objectives passed at the last check, objectives in all, and when
// that check ran (RFC 3339, empty when never); a broken file's line says
// "error" and why.
func writePlain(opts *Options, rows []row) error {
	var b strings.Builder
	for _, r := range rows {
		if r.broken {
			fmt.Fprintf(&b, "%s\terror\t%s\n", r.id, r.title)
			continue
		}
		when := ""
		if !r.checkedAt.IsZero() {
			when = r.checkedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "%s\t%s\t%d\t%d\t%s\n", r.id, r.title, r.passed, r.total, when)
	}
	_, err := fmt.Fprint(opts.IO.Out, b.String())
	return err
}

// writeTable writes the missions aligned in columns that fit the terminal:
// the time of the last check is left out first, then titles are cut; a
// broken file's error is wrapped in the title's column and beyond.
func writeTable(opts *Options, rows []row) error {
	p := lesson.NewPalette(opts.IO)
	width := lesson.Width(opts.IO)
	if len(rows) == 0 {
		_, err := fmt.Fprintln(opts.IO.Out, "No missions found.")
		return err
	}
	const gap = "  "
	idW, progW, whenW := len("MISSION"), len("PROGRESS"), len("LAST CHECK")
	titleW := len("TITLE")
	for _, r := range rows {
		idW = max(idW, lesson.TextWidth(r.id))
		progW = max(progW, lesson.TextWidth(progressOf(r)))
		whenW = max(whenW, lesson.TextWidth(r.checked))
		if !r.broken {
			titleW = max(titleW, lesson.TextWidth(r.title))
		}
	}
	// What is left for the title once the other columns have theirs.
	room := width - idW - progW - 2*len(gap)
	anyChecked := false
	for _, r := range rows {
		anyChecked = anyChecked || r.checked != ""
	}
	// Titles that do not fit and begin alike ("Zone 7: Global Distribution
	// — …") lose what they share, not what tells them apart.
	if titleW > room {
		cuts := sharedPrefixes(rows)
		titleW = len("TITLE")
		for i := range rows {
			if rows[i].broken {
				continue
			}
			if cuts[i] > 0 {
				rows[i].title = "…" + rows[i].title[cuts[i]:]
			}
			titleW = max(titleW, lesson.TextWidth(rows[i].title))
		}
	}
	// The time of the last check is shown when the titles keep room enough
	// to tell the missions apart.
	showWhen := false
	if whenRoom := room - whenW - len(gap); anyChecked {
		showWhen = whenRoom >= titleW || whenRoom >= 12 && distinct(rows, whenRoom)
	}
	if showWhen {
		room -= whenW + len(gap)
	}
	titleW = min(titleW, max(room, 10))

	var b strings.Builder
	header := lesson.Pad("MISSION", idW) + gap + lesson.Pad("TITLE", titleW) + gap + lesson.Pad("PROGRESS", progW)
	if showWhen {
		header += gap + "LAST CHECK"
	}
	b.WriteString(p.Bold(strings.TrimRight(header, " ")) + "\n")
	for _, r := range rows {
		id := lesson.Pad(r.id, idW)
		if r.broken {
			lines := strings.Split(lesson.WrapHard(r.title, width-idW-len(gap)), "\n")
			for i, l := range lines {
				lead := id + gap
				if i > 0 {
					lead = strings.Repeat(" ", idW) + gap
				}
				b.WriteString(lead + p.Red(l) + "\n")
			}
			continue
		}
		line := id + gap + lesson.Pad(lesson.Truncate(r.title, titleW), titleW) + gap
		prog := progressOf(r)
		if r.total > 0 && r.passed == r.total {
			prog = p.Green(lesson.Pad(prog, progW))
		} else {
			prog = lesson.Pad(prog, progW)
		}
		line += prog
		if showWhen {
			line += gap + p.Dim(r.checked)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("\n" + p.Dim(lesson.Next("Read a mission's briefing:", opts.Flags.Command("show", "MISSION"), width, "")) + "\n")
	b.WriteString(p.Dim(lesson.Next("Check your work:", opts.Flags.Command("check", "MISSION"), width, "")) + "\n")
	_, err := fmt.Fprint(opts.IO.Out, b.String())
	return err
}

// sharedPrefixes says, for each row, the length in bytes of the words its
// title begins with that another title begins with too ("Zone 7: Global
// Distribution — "): 0 when it shares none, or nothing would be left.
func sharedPrefixes(rows []row) []int {
	cuts := make([]int, len(rows))
	for i, r := range rows {
		if r.broken {
			continue
		}
		for j, o := range rows {
			if i == j || o.broken {
				continue
			}
			n := 0
			for n < len(r.title) && n < len(o.title) && r.title[n] == o.title[n] {
				n++
			}
			cut := strings.LastIndex(r.title[:n], " ") + 1 // at a word's start
			if strings.TrimSpace(r.title[cut:]) != "" {
				cuts[i] = max(cuts[i], cut)
			}
		}
	}
	return cuts
}

// distinct says whether the titles of rows, cut to w columns, still tell
// the missions apart.
func distinct(rows []row, w int) bool {
	seen := map[string]bool{}
	for _, r := range rows {
		if r.broken {
			continue
		}
		t := lesson.Truncate(r.title, w)
		if seen[t] {
			return false
		}
		seen[t] = true
	}
	return true
}

// progressOf is the progress cell: "—" before any check, "2/3", "3/3 ✓".
func progressOf(r row) string {
	switch {
	case r.broken:
		return ""
	case r.checked == "":
		return "—"
	case r.passed == r.total:
		return fmt.Sprintf("%d/%d ✓", r.passed, r.total)
	}
	return fmt.Sprintf("%d/%d", r.passed, r.total)
}
