// Package show is `academy show MISSION`: the mission's briefing and
// objectives, and with --reveal their solutions.
package show

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/progress"
)

// Options are what `academy show` needs.
type Options struct {
	IO      *cmdutil.IOStreams
	Catalog func() *mission.Catalog

	MissionID string
	Vars      map[string]string
	// Reveal adds each objective's solution.
	Reveal bool
	// Flags are the learner's, repeated in every command printed.
	Flags lesson.Flags
}

// NewCmdShow returns the show command. runF replaces the run function in
// tests of argument parsing.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog}
	var vars []string
	cmd := &cobra.Command{
		Use:   "show MISSION",
		Short: "Show a mission's briefing and objectives",
		Long: `Show prints the briefing of MISSION and each of its objectives: its id, what
to do, its points, how many hints it has, and whether your last check passed it.
Solutions stay hidden unless you ask for them with --reveal; academy hint gives
them one step at a time.`,
		Example: `  academy show zone7
  academy show zone7 --reveal
  academy show zone7 --var image=shop:v2`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return cmdutil.Usagef("show needs a mission, e.g. academy show zone7 (academy missions lists them)")
			case 1:
				return nil
			}
			return cmdutil.Usagef("show takes one mission; for an objective's hints: academy hint %s %s", args[0], args[1])
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return f.Catalog().IDs(), cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MissionID = args[0]
			var err error
			if opts.Vars, err = lesson.ParseVars(vars); err != nil {
				return err
			}
			opts.Flags = lesson.FlagsOf(cmd, opts.MissionID)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Reveal, "reveal", false, "also show each objective's solution")
	cmd.Flags().StringArrayVar(&vars, "var", nil, "override a mission variable, `KEY=VALUE` (repeatable), as for check")
	return cmd
}

// Run prints the mission.
func Run(_ context.Context, opts *Options) error {
	p, err := lesson.Plan(opts.Catalog(), opts.MissionID, opts.Vars)
	if err != nil {
		return err
	}
	m := p.Mission
	st := &progress.Mission{}
	if store, err := progress.Default(); err != nil {
		progress.Warn(opts.IO.ErrOut, err)
	} else {
		st, err = store.Load(m.ID)
		progress.Warn(opts.IO.ErrOut, err)
	}
	v := view{reveal: opts.Reveal, width: lesson.Width(opts.IO), p: lesson.NewPalette(opts.IO),
		flags: opts.Flags, overrides: opts.Vars, pulls: p.Pulls()}
	_, err = fmt.Fprint(opts.IO.Out, render(m, st, v))
	return err
}

// view is how a mission is shown: for whom, and how wide.
type view struct {
	reveal bool // with each objective's solution
	width  int  // 0: as written
	p      lesson.Palette
	flags  lesson.Flags
	// overrides are the variables the learner gave with --var.
	overrides map[string]string
	// pulls are the images the mission needs from a registry.
	pulls []mission.ImageRef
}

// render lays the mission out in v's width columns (0: as written).
func render(m *mission.Mission, st *progress.Mission, v view) string {
	var b strings.Builder
	p, width, reveal := v.p, v.width, v.reveal
	points := 0
	for _, o := range m.Objectives {
		points += o.Points
	}
	b.WriteString(p.Bold(lesson.Wrap(m.Title, width, "")) + "\n")
	b.WriteString(p.Dim(lesson.Wrap(fmt.Sprintf("%s · %s · %s", lesson.Line(m.ID),
		lesson.Count(len(m.Objectives), "objective"), lesson.Count(points, "point")), width, "")) + "\n\n")
	if strings.TrimSpace(m.Briefing) != "" {
		b.WriteString(lesson.Wrap(m.Briefing, width, "") + "\n\n")
	}
	b.WriteString(lab(m, v))

	b.WriteString(p.Bold("Objectives") + "\n")
	idW := 0
	for _, o := range m.Objectives {
		idW = max(idW, lesson.TextWidth(lesson.Line(o.ID)))
	}
	const indent = "  "
	// Wide, the title follows the id and its lines hang under its first
	// word; narrow, it goes under the id, so lines keep room for words.
	compact := width > 0 && width < 80
	for i, o := range m.Objectives {
		mark := " "
		switch st.Status(o.ID) {
		case check.Pass:
			mark = p.Green("✓")
		case check.Fail:
			mark = p.Red("✗")
		}
		id := lesson.Line(o.ID)
		num := fmt.Sprintf("%d.", i+1)
		if compact {
			hang := strings.Repeat(" ", len(indent)+2+4)
			b.WriteString(fmt.Sprintf("%s%s %-3s %s", indent, mark, num, p.Bold(id)) + "\n")
			b.WriteString(hang + titleWithPoints(o, width, hang, p) + "\n")
			b.WriteString(details(m, o, v, hang))
			continue
		}
		hang := strings.Repeat(" ", len(indent)+2+4+idW+2)
		b.WriteString(fmt.Sprintf("%s%s %-3s %s  ", indent, mark, num, lesson.Pad(id, idW)))
		b.WriteString(titleWithPoints(o, width, hang, p) + "\n")
		b.WriteString(details(m, o, v, hang))
	}
	b.WriteString("\n")
	b.WriteString(p.Dim(lesson.Next("Check your work:", v.flags.Command("check", m.ID), width, "")) + "\n")
	if !reveal {
		b.WriteString(p.Dim(lesson.Next("Stuck?", v.flags.Command("hint", m.ID), width, "")) + "\n")
	}
	return b.String()
}

// lab is the section on the learner's lab: the mission's variables, name =
// value, those given with --var marked, and how to set the lab up — what
// academy setup makes, what must come from a registry.
func lab(m *mission.Mission, v view) string {
	p, width := v.p, v.width
	var b strings.Builder
	const indent = "  "
	if len(m.Vars) > 0 {
		b.WriteString(p.Bold("Your lab") + p.Dim(" (--var NAME=VALUE changes one)") + "\n")
		nameW := 0
		for _, k := range m.VarNames() {
			nameW = max(nameW, lesson.TextWidth(lesson.Line(k)))
		}
		for _, k := range m.VarNames() {
			line := lesson.Pad(lesson.Line(k), nameW) + " = " + lesson.Line(m.Vars[k])
			if _, given := v.overrides[k]; given {
				line += p.Dim("  (your --var)")
			}
			b.WriteString(indent + line + "\n")
		}
	}
	if len(m.Setup.Images) > 0 {
		var made []string
		for _, si := range m.Setup.Images {
			made = append(made, lesson.Line(string(si.Ref)))
		}
		b.WriteString(lesson.Hang("Start with "+v.flags.Command("setup", m.ID)+" — it makes "+strings.Join(made, " and ")+", offline.", width, indent, indent+"  ") + "\n")
	}
	for _, r := range v.pulls {
		ref := lesson.Line(string(r))
		b.WriteString(lesson.Hang(ref+" must come from a registry: docker pull "+ref, width, indent, indent+"  ") + "\n")
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// details are the lines under an objective's title, each starting with
// indent: how many hints it has and, with reveal, its solution.
func details(m *mission.Mission, o mission.Objective, v view, indent string) string {
	var b strings.Builder
	p, width := v.p, v.width
	n, solution := len(lesson.Hints(&o)), strings.TrimSpace(o.Solution) != ""
	if n > 0 || solution {
		var what string
		switch {
		case !solution:
			what = lesson.Count(n, "hint") + ":"
		case n == 0:
			what = "a solution:"
		default:
			what = lesson.Count(n, "hint") + " and the solution:"
		}
		b.WriteString(indent + p.Dim(lesson.Next(what, v.flags.Command("hint", m.ID, o.ID), width, indent)) + "\n")
	}
	if v.reveal && solution {
		b.WriteString(indent + p.Yellow("solution:") + "\n")
		b.WriteString(lesson.Command(o.Solution, width, indent+"  ") + "\n")
	}
	return b.String()
}

// titleWithPoints wraps the objective's title under hang and ends it with
// its points, kept whole: on the title's last line when they fit there.
func titleWithPoints(o mission.Objective, width int, hang string, p lesson.Palette) string {
	points := "(" + lesson.Count(o.Points, "point") + ")"
	title := lesson.Wrap(lesson.Line(o.Title), width, hang)
	// Every line takes hang's columns: the first after the objective's
	// number and id, the others as their indent.
	last := title[strings.LastIndex(title, "\n")+1:]
	used := lesson.TextWidth(last)
	if !strings.Contains(title, "\n") {
		used += lesson.TextWidth(hang)
	}
	if width > 0 && used+1+len(points) > min(width, 80) {
		return title + "\n" + hang + p.Dim(points)
	}
	return title + " " + p.Dim(points)
}
