// Package hint is `academy hint MISSION [OBJECTIVE]`: the next hint, one
// step further at each call, the last step being the solution.
package hint

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/progress"
)

// Options are what `academy hint` needs.
type Options struct {
	IO      *cmdutil.IOStreams
	Catalog func() *mission.Catalog
	// Now is the time the last check is told against.
	Now func() time.Time

	MissionID string
	// Objective is the objective asked for; "" for the first one not
	// passing at the last check.
	Objective string
	Vars      map[string]string
	// Flags are the learner's, repeated in every command printed.
	Flags lesson.Flags
}

// NewCmdHint returns the hint command. runF replaces the run function in
// tests of argument parsing.
func NewCmdHint(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, Now: time.Now}
	var vars []string
	cmd := &cobra.Command{
		Use:   "hint MISSION [OBJECTIVE]",
		Short: "Give the next hint for an objective, one step further each time",
		Long: `Hint gives the next hint for the first objective of MISSION that your last
check did not pass, or for OBJECTIVE when you name it. Each call goes one step
further; the last step is the solution.

academy remembers the steps you have seen, and what your last check found, in
$XDG_STATE_HOME/academy (by default ~/.local/state/academy), one file per
mission: remove it to start the mission's hints over.`,
		Example: `  academy hint zone7
  academy hint zone7 digest`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return cmdutil.Usagef("hint needs a mission, e.g. academy hint zone7 (academy missions lists them)")
			case 1, 2:
				return nil
			}
			return cmdutil.Usagef("hint takes a mission and at most one objective, not %d", len(args)-1)
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			switch len(args) {
			case 0:
				return f.Catalog().IDs(), cobra.ShellCompDirectiveNoFileComp
			case 1:
				m, err := f.Catalog().Find(args[0])
				if err != nil {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				ids := make([]string, 0, len(m.Objectives))
				for _, o := range m.Objectives {
					ids = append(ids, o.ID+"\t"+lesson.Line(o.Title))
				}
				return ids, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MissionID = args[0]
			if len(args) == 2 {
				opts.Objective = args[1]
			}
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
	cmd.Flags().StringArrayVar(&vars, "var", nil, "override a mission variable, `KEY=VALUE` (repeatable), as for check")
	return cmd
}

// Run gives the next step for the objective and remembers it.
func Run(_ context.Context, opts *Options) error {
	m, err := lesson.Find(opts.Catalog(), opts.MissionID, opts.Vars)
	if err != nil {
		return err
	}
	var o *mission.Objective
	if opts.Objective != "" {
		if o, err = lesson.Objective(m, opts.Objective); err != nil {
			return err
		}
	}
	store, err := progress.Default()
	progress.Warn(opts.IO.ErrOut, err)
	st := &progress.Mission{}
	if store != nil {
		st, err = store.Load(m.ID)
		progress.Warn(opts.IO.ErrOut, err)
	}
	p, width := lesson.NewPalette(opts.IO), lesson.Width(opts.IO)
	w := &screen{p: p, width: width}

	if o == nil {
		o = firstNotPassing(m, st)
		if o == nil {
			w.line(p.Green(fmt.Sprintf("Every objective of %s passed at your last check (%s).", lesson.Line(m.ID), lesson.Ago(opts.Now().Sub(st.Checked)))))
			w.line(p.Dim(lesson.Next("Name one to see its hints again:", opts.Flags.Command("hint", m.ID, "OBJECTIVE"), width, "")))
			return w.flush(opts.IO)
		}
	}

	steps := stepsOf(o)
	w.line(p.Bold(lesson.Line(o.ID)) + p.Dim(" — ") + lesson.Wrap(lesson.Line(o.Title), width-lesson.TextWidth(o.ID)-3, ""))
	state := st.Objective(o.ID)
	if opts.Objective == "" && st.Checked.IsZero() && state.Hints == 0 {
		w.line(p.Dim(lesson.Wrap("No check yet, so hints start at the first objective.", width, "")))
	}
	if len(steps) == 0 {
		w.line(lesson.Next("This objective has no hints. Its briefing:", opts.Flags.Command("show", m.ID), width, ""))
		return w.flush(opts.IO)
	}
	n := state.Hints // steps already given
	again := n >= len(steps)
	if again {
		n = len(steps) - 1
	}
	step := steps[n]
	hints := len(steps)
	if steps[len(steps)-1].solution {
		hints--
	}
	w.blank()
	if step.solution {
		label := "Solution:"
		if hints > 0 {
			label = fmt.Sprintf("Solution (after %s):", lesson.Count(hints, "hint"))
		}
		w.line(p.Yellow(label))
		w.line(lesson.Command(step.text, width, "  "))
	} else {
		label := fmt.Sprintf("Hint %d of %d:", n+1, hints)
		text := lesson.Wrap(label+" "+step.text, width, "")
		w.line(p.Bold(label) + strings.TrimPrefix(text, label))
	}
	w.blank()
	switch {
	case again:
		w.line(p.Dim(lesson.Wrap("That was the last step: you have seen every hint and the solution.", width, "")))
	case n+1 < len(steps) && steps[n+1].solution:
		w.line(p.Dim(lesson.Next("Next, the solution:", opts.Flags.Command("hint", m.ID, o.ID), width, "")))
	case n+1 < len(steps):
		w.line(p.Dim(lesson.Next("Next hint:", opts.Flags.Command("hint", m.ID, o.ID), width, "")))
	}
	w.line(p.Dim(lesson.Next("Check your work:", opts.Flags.Command("check", m.ID, o.ID), width, "")))
	if err := w.flush(opts.IO); err != nil {
		return err
	}
	if !again && store != nil {
		state.Hints = n + 1
		progress.Warn(opts.IO.ErrOut, store.Save(m.ID, st))
	}
	return nil
}

// step is one step of an objective's hints: a hint, or the solution last.
type step struct {
	text     string
	solution bool
}

func stepsOf(o *mission.Objective) []step {
	var steps []step
	for _, h := range lesson.Hints(o) {
		steps = append(steps, step{text: h})
	}
	if strings.TrimSpace(o.Solution) != "" {
		steps = append(steps, step{text: o.Solution, solution: true})
	}
	return steps
}

// firstNotPassing is the first objective, in the mission's order, that the
// last check did not pass; nil when every one did.
func firstNotPassing(m *mission.Mission, st *progress.Mission) *mission.Objective {
	for i := range m.Objectives {
		if st.Status(m.Objectives[i].ID) != check.Pass {
			return &m.Objectives[i]
		}
	}
	return nil
}

// screen gathers what the command prints, written at once.
type screen struct {
	b     strings.Builder
	p     lesson.Palette
	width int
}

func (s *screen) line(l string) { s.b.WriteString(l + "\n") }
func (s *screen) blank()        { s.b.WriteString("\n") }

func (s *screen) flush(ios *cmdutil.IOStreams) error {
	_, err := fmt.Fprint(ios.Out, s.b.String())
	return err
}
