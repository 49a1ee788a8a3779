package reset

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/academy-dev/academy/pkg/check"
	checkcmd "github.com/academy-dev/academy/pkg/cmd/check"
	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmd/setup"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/lab"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// Options are everything `academy reset` needs, parsed and validated.
type Options struct {
	IO         *cmdutil.IOStreams
	Catalog    func() *mission.Catalog
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)

	MissionID string
	Objective string // "" for every objective
	Dir       string
	Lab       setup.LabFlags
	// Yes removes without asking; DryRun only lists.
	Yes, DryRun bool
	// All also removes what setup made.
	All bool
	// Flags are the learner's, repeated in every command printed.
	Flags lesson.Flags
}

// NewCmdReset returns the reset command. runF replaces the run function in
// tests of flag parsing.
func NewCmdReset(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, OpenDaemon: f.OpenDaemon}
	cmd := &cobra.Command{
		Use:   "reset MISSION [OBJECTIVE]",
		Short: "Undo what a mission's objectives created, and nothing else",
		Long: `Reset lists what the objectives of MISSION (or only OBJECTIVE) created and that
exists now — zone7: the tags cloudcorp/my-app:latest and :1.0.0, and my-app.tar
in --dir — asks, then removes exactly that. A tag is removed as a name (docker
rmi NAME:TAG): an image other names still use keeps them and its data. Nothing
the mission does not name is touched; --all also removes the images setup made,
while they still are academy's.

On a terminal reset asks before removing; elsewhere it needs --yes.

Exit codes: 0 done (or nothing to do), 1 something could not be removed,
2 usage error or unknown mission or objective, 3 the Docker daemon could not be
reached or answered with an error, 130 interrupted.`,
		Example: `  academy reset zone7 --dry-run
  academy reset zone7 multi-tag
  academy reset zone7 --all --yes -C ~/lab`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.Usagef("reset needs a mission and at most one objective, e.g. academy reset zone7 multi-tag")
			}
			return nil
		},
		ValidArgsFunction: setup.MissionArg(func() []string { return f.Catalog().IDs() }),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MissionID = args[0]
			if len(args) == 2 {
				opts.Objective = args[1]
			}
			if err := opts.Lab.Parse(); err != nil {
				return err
			}
			if opts.Yes && opts.DryRun {
				return cmdutil.Usagef("--yes and --dry-run: give one of them")
			}
			if fi, err := os.Stat(opts.Dir); err != nil || !fi.IsDir() {
				return cmdutil.Usagef("-C %s: no such folder", opts.Dir)
			}
			opts.Flags = lesson.FlagsOf(cmd, opts.MissionID)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	opts.Lab.Bind(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&opts.Dir, "dir", "C", ".", "the `FOLDER` where the mission's files (e.g. my-app.tar) are")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "remove without asking")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "only list what would be removed")
	fl.BoolVar(&opts.All, "all", false, "also remove the images setup made")
	return cmd
}

// Run lists, asks and removes.
func Run(ctx context.Context, opts *Options) error {
	var only []string
	if opts.Objective != "" {
		only = []string{opts.Objective}
	}
	p, err := checkcmd.Plan(opts.Catalog(), opts.MissionID, opts.Lab.Vars, only)
	if err != nil {
		return err
	}
	d, err := opts.Lab.Open(opts.IO, opts.OpenDaemon)
	if err != nil {
		return err
	}
	defer d.Close()
	rp, err := lab.PlanReset(ctx, d, p, opts.Dir, only, opts.All)
	if err != nil {
		return err
	}
	width := lesson.Width(opts.IO)
	say := func(s string) { fmt.Fprintln(opts.IO.Out, lesson.Hang(s, width, "", "  ")) }
	what := "mission " + clean(p.Mission.ID)
	if opts.Objective != "" {
		what = "objective " + clean(opts.Objective) + " of " + what
	}
	for _, l := range rp.Left {
		say(fmt.Sprintf("Left alone: %s %s — %s", l.Kind, clean(l.Name), clean(l.Why)))
	}
	// What the mission starts from, when it is not all there: a check
	// would pass objectives that ask for a name to be gone.
	start := func() {
		if gone := missingStart(ctx, d, p); len(gone) > 0 {
			say(fmt.Sprintf("The starting state is not all here (%s %s gone): %s brings it back.",
				strings.Join(gone, ", "), isAre(len(gone)), opts.Flags.Command("setup", p.Mission.ID)))
		}
	}
	if len(rp.Items) == 0 {
		say(fmt.Sprintf("Nothing to reset: nothing the %s creates exists%s.", what, setupNote(opts.All)))
		start()
		return nil
	}
	verb := "removes"
	if opts.DryRun {
		verb = "would remove"
	}
	say(fmt.Sprintf("Reset of the %s %s:", what, verb))
	for _, it := range rp.Items {
		// The kind is a column: the first line's indent, so wrapping
		// keeps its padding.
		kind, text := line(it, opts.Dir)
		fmt.Fprintln(opts.IO.Out, lesson.Hang(text, width, "  "+kind+"  ", "             "))
	}
	switch {
	case opts.DryRun:
		say("Nothing was removed (--dry-run).")
		return nil
	case opts.Yes:
	case !opts.IO.InTTY || !opts.IO.ErrTTY:
		return cmdutil.Usagef("not asking on a non-terminal: pass --yes to remove these %d, or --dry-run to only list them", len(rp.Items))
	default:
		ok, err := confirm(ctx, opts.IO, len(rp.Items))
		if err != nil {
			return err
		}
		if !ok {
			say("Nothing was removed.")
			return nil
		}
	}
	failed, removed := 0, 0
	for _, r := range rp.Apply(ctx, d, dockerstate.NewWriter(d)) {
		if r.Err != nil {
			if errors.Is(r.Err, context.Canceled) {
				return r.Err
			}
			failed++
			fmt.Fprintln(opts.IO.ErrOut, lesson.Hang(fmt.Sprintf("academy: %s %s was not removed: %s", r.Kind, clean(r.Name), clean(r.Err.Error())), lesson.ErrWidth(opts.IO), "", "  "))
			continue
		}
		removed++
	}
	say(fmt.Sprintf("Removed %d of %d.", removed, len(rp.Items)))
	start()
	if failed > 0 {
		return cmdutil.ErrFailed
	}
	return nil
}

// missingStart lists the images the mission starts from that are gone from
// the daemon.
func missingStart(ctx context.Context, d *dockerstate.Daemon, p *check.Plan) []string {
	var gone []string
	for _, si := range p.Mission.Setup.Images {
		if _, err := d.Image(ctx, string(si.Ref)); errors.Is(err, dockerstate.ErrNotFound) {
			gone = append(gone, clean(string(si.Ref)))
		}
	}
	return gone
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func setupNote(all bool) string {
	if all {
		return ", and setup's images are gone or not academy's"
	}
	return " (setup's images stay: --all removes them too)"
}

// line is one item of the list: its kind, padded to a column, and what it
// is.
func line(it lab.Item, dir string) (kind, text string) {
	name := clean(it.Name)
	switch it.Kind {
	case "file":
		if dir != "." && dir != "" {
			name = clean(strings.TrimSuffix(dir, "/") + "/" + it.Name)
		}
		return "file     ", fmt.Sprintf("%s (%s)", name, clean(it.Detail))
	case "container":
		return "container", fmt.Sprintf("%s (%s)", name, clean(it.Detail))
	}
	kind = "tag      "
	if it.Setup {
		kind = "setup tag"
	}
	return kind, fmt.Sprintf("%s → %s", name, clean(it.Detail))
}

// confirm asks on the terminal; Enter alone is no. Ctrl-C ends it at once.
func confirm(ctx context.Context, streams *cmdutil.IOStreams, n int) (bool, error) {
	fmt.Fprintf(streams.ErrOut, "Remove %s? [y/N] ", plural(n))
	answer := make(chan string, 1)
	go func() {
		l, err := bufio.NewReader(streams.In).ReadString('\n')
		if err != nil && err != io.EOF {
			l = ""
		}
		answer <- l
	}()
	select {
	case a := <-answer:
		a = strings.ToLower(strings.TrimSpace(a))
		return a == "y" || a == "yes", nil
	case <-ctx.Done():
		fmt.Fprintln(streams.ErrOut)
		return false, ctx.Err()
	}
}

func plural(n int) string {
	if n == 1 {
		return "it"
	}
	return fmt.Sprintf("these %d", n)
}

func clean(s string) string { return report.CleanLine(s) }
