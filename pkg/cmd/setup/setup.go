package setup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	checkcmd "github.com/academy-dev/academy/pkg/cmd/check"
	"github.com/academy-dev/academy/pkg/cmd/internal/lesson"
	"github.com/academy-dev/academy/pkg/cmdutil"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/lab"
	"github.com/academy-dev/academy/pkg/mission"
	"github.com/academy-dev/academy/pkg/report"
)

// Options are everything `academy setup` needs, parsed and validated.
type Options struct {
	IO         *cmdutil.IOStreams
	Catalog    func() *mission.Catalog
	OpenDaemon func(dockerstate.Options) (*dockerstate.Daemon, error)

	MissionID string
	Lab       LabFlags
	// Force replaces a name that holds another image than academy's.
	Force bool
	// Flags are the learner's, repeated in every command printed.
	Flags lesson.Flags
}

// NewCmdSetup returns the setup command. runF replaces the run function in
// tests of flag parsing.
func NewCmdSetup(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Catalog: f.Catalog, OpenDaemon: f.OpenDaemon}
	cmd := &cobra.Command{
		Use:   "setup MISSION",
		Short: "Create a mission's starting state on the daemon, offline",
		Long: `Setup makes the images MISSION starts from (zone7: my-app:v1), offline: academy
writes them itself and loads them, so no registry is needed. They are small,
labelled as academy's (dev.academy.mission, dev.academy.builtin), and run a tiny
program that says which image it is and waits for docker stop.

Running setup again changes nothing. A name that already holds another image
is not replaced unless --force; the other image then keeps its other names.

Exit codes: 0 the lab is set up, 1 a name holds another image (nothing was
changed), 2 usage error or unknown mission, 3 the Docker daemon could not be
reached or answered with an error, 130 interrupted.`,
		Example: `  academy setup zone7
  academy setup zone7 --force
  academy setup zone7 --var image=shop:v2`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("setup needs one mission, e.g. academy setup zone7")
			}
			return nil
		},
		ValidArgsFunction: MissionArg(func() []string { return f.Catalog().IDs() }),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.MissionID = args[0]
			if err := opts.Lab.Parse(); err != nil {
				return err
			}
			opts.Flags = lesson.FlagsOf(cmd, opts.MissionID)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	opts.Lab.Bind(cmd)
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a name that holds another image than academy's")
	return cmd
}

// Run sets the lab up and says what it did.
func Run(ctx context.Context, opts *Options) error {
	p, err := checkcmd.Plan(opts.Catalog(), opts.MissionID, opts.Lab.Vars, nil)
	if err != nil {
		return err
	}
	d, err := opts.Lab.Open(opts.IO, opts.OpenDaemon)
	if err != nil {
		return err
	}
	defer d.Close()
	ep, err := d.Endpoint(ctx)
	if err != nil {
		return err
	}
	width := lesson.Width(opts.IO)
	out := opts.IO.Out
	say := func(s string) { fmt.Fprintln(out, lesson.Hang(s, width, "", "  ")) }
	item := func(s string) { fmt.Fprintln(out, lesson.Hang(s, width, "  ", "    ")) }
	m := p.Mission
	say(fmt.Sprintf("Setting up %s on %s", clean(m.ID), clean(ep.Host)))
	res, err := lab.Setup(ctx, d, dockerstate.NewWriter(d), m, lab.SetupOptions{Force: opts.Force})
	var conflict *lab.ConflictError
	if errors.As(err, &conflict) {
		ew := lesson.ErrWidth(opts.IO)
		fmt.Fprintln(opts.IO.ErrOut, lesson.Hang("academy: "+clean(err.Error()), ew, "", "  "))
		fmt.Fprintln(opts.IO.ErrOut, lesson.Hang("To replace: "+opts.Flags.Command("setup", m.ID)+" --force", ew, "", "  "))
		return cmdutil.ErrFailed
	}
	if res != nil {
		for _, img := range res.Images {
			item(describe(ctx, d, img))
		}
	}
	if err != nil {
		return err
	}
	if len(res.Images) == 0 {
		item(clean(m.ID) + " starts from an empty lab: nothing to make")
	} else if !res.Images[0].Runnable {
		item(fmt.Sprintf("(this daemon is %s: academy's images hold a program for amd64 and arm64 only, so a container of them does not run)", clean(res.Arch)))
	}
	for _, r := range pulls(ctx, d, p.Pulls()) {
		item(fmt.Sprintf("%s must come from a registry (academy cannot make it offline): docker pull %s", clean(r), clean(r)))
	}
	say("Ready. To see what is left to do: " + opts.Flags.Command("check", m.ID))
	return nil
}

// describe says what set-up did with one image. An image --force took the
// name from, left with no name at all, is said to be there still: docker
// images lists it as <none>.
func describe(ctx context.Context, d *dockerstate.Daemon, img lab.SetupImage) string {
	name, id := clean(img.Ref), shortID(img.ID)
	switch img.Action {
	case lab.Unchanged:
		return fmt.Sprintf("%s is academy's image already (%s): unchanged", name, id)
	case lab.Replaced:
		prev := shortID(img.Previous)
		if old, err := d.Image(ctx, img.Previous); err == nil && len(old.RepoTags) == 0 {
			return fmt.Sprintf("%s made (%s), replacing %s, which has no name left: docker images lists it as <none>, and docker rmi %s removes it", name, id, prev, prev)
		}
		return fmt.Sprintf("%s made (%s), replacing %s, which keeps its other names", name, id, prev)
	}
	return fmt.Sprintf("%s made (%s)", name, id)
}

// pulls are the images the mission needs from a registry, which no set-up
// can make offline, that are not here.
func pulls(ctx context.Context, d *dockerstate.Daemon, refs []mission.ImageRef) []string {
	var missing []string
	for _, r := range refs {
		img, err := d.Image(ctx, string(r))
		if err == nil && len(img.RepoDigests) > 0 {
			continue
		}
		missing = append(missing, string(r))
	}
	return missing
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func clean(s string) string { return report.CleanLine(s) }
