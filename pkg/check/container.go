package check

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func init() {
	register(Kind{
		Name:    "container",
		Summary: "a container exists under a name (or does not), is running, runs a given image (by image ID), and has not restarted more than a number of times",
		New:     func() Spec { return &containerSpec{} },
	})
}

// ContainerReader inspects containers by name.
type ContainerReader interface {
	Container(ctx context.Context, nameOrID string) (dockerstate.Container, error)
}

// containerSpec expects a container under Name and, optionally, more of it.
type containerSpec struct {
	// Name is the container's name, as docker run --name gives it.
	Name mission.ContainerName `yaml:"name" check:"required"`
	// Running: the container must be running.
	Running bool `yaml:"running"`
	// Image: the container must run the image this name has now, compared
	// by image ID.
	Image mission.ImageRef `yaml:"image"`
	// MaxRestarts: the container must have restarted at most this many
	// times (0: never).
	MaxRestarts int `yaml:"maxRestarts"`
	// Absent: no container may have the name.
	Absent bool `yaml:"absent"`
	// RunFlags are docker run's flags the lab needs, repeated in the
	// command a failure suggests: "--network none".
	RunFlags string `yaml:"runFlags"`

	restartsGiven bool // maxRestarts was written: 0 is a limit, not unset
}

func (s *containerSpec) Validate(c *mission.Check) error {
	s.restartsGiven = c.Has("maxRestarts")
	if s.Absent && (s.Running || s.Image != "" || s.restartsGiven) {
		return c.Errorf("absent", "absent: a container that must not exist can have nothing else checked")
	}
	if s.MaxRestarts < 0 {
		return c.Errorf("maxRestarts", "maxRestarts must be 0 or more")
	}
	if s.RunFlags != "" && !runFlagsPattern().MatchString(s.RunFlags) {
		return c.Errorf("runFlags", "runFlags must be docker run flags, such as --network none: dashes, letters, digits and . _ : / = , only")
	}
	if err := safeRunFlags(s.RunFlags); err != nil {
		return c.Errorf("runFlags", "runFlags: %v", err)
	}
	return nil
}

// runFlagsAllowed are the docker run flags a suggested command may carry:
// what a lesson's container needs, and nothing that hands it the host (no
// --privileged, --pid, -v, --cap-add, --entrypoint, --device…). A learner
// copies the command; a mission from a stranger must not make it harmful.
var runFlagsAllowed = map[string]bool{
	"--network": true, "-p": true, "--publish": true, "-e": true, "--env": true,
	"--restart": true, "--memory": true, "-m": true, "--cpus": true, "--read-only": true,
	"--init": true, "--hostname": true, "-h": true, "--label": true, "-l": true, "--rm": true,
	"-w": true, "--workdir": true, "--stop-timeout": true,
}

// safeRunFlags refuses a flag outside runFlagsAllowed, and a network that
// is the host's.
func safeRunFlags(flags string) error {
	words := strings.Fields(flags)
	for i := 0; i < len(words); i++ {
		name, value, hasValue := strings.Cut(words[i], "=")
		if !strings.HasPrefix(name, "-") {
			continue // the value of the flag before
		}
		if !runFlagsAllowed[name] {
			return fmt.Errorf("%s is not a flag a suggested docker run may carry (allowed: --network, --publish, --env, --restart, --memory, --cpus, --read-only, --init, --hostname, --label, --rm, --workdir, --stop-timeout)", name)
		}
		if !hasValue && i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
			value = words[i+1]
		}
		if (name == "--network") && (value == "host" || strings.HasPrefix(value, "container:")) {
			return fmt.Errorf("--network %s shares the host's or another container's network; a lesson's container does not need it", value)
		}
	}
	return nil
}

// runFlagsPattern is what runFlags may hold: flags and plain values, the
// characters of a command a learner can copy safely.
var runFlagsPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^--?[A-Za-z][A-Za-z-]*(?:[ =][A-Za-z0-9._:/=,-]+)?(?: +--?[A-Za-z][A-Za-z-]*(?:[ =][A-Za-z0-9._:/=,-]+)?){0,7}$`)
})

func (s *containerSpec) Check(ctx context.Context, lab *Lab) Outcome {
	name := strings.TrimPrefix(string(s.Name), "/")
	out := Outcome{Subject: name, Command: fmt.Sprintf("docker container inspect --format '{{.Image}} {{.State.Status}} {{.RestartCount}}' %s", name)}
	if s.Image != "" {
		// The image it runs is compared with the one the name gives now.
		out.Command += fmt.Sprintf("; docker image inspect --format '{{.Id}}' %s", s.Image)
	}
	r, ok := lab.shared.daemon.(ContainerReader)
	if !ok {
		return daemonFailure(name, errNoReader)
	}
	c, err := r.Container(ctx, name)
	missing := errors.Is(err, dockerstate.ErrNotFound)
	if err != nil && !missing {
		return daemonFailure(name, err)
	}
	// docker inspect also finds a container by an ID prefix: a name must
	// be the container's name.
	if !missing && c.Name != name {
		missing = true
	}
	if s.Absent {
		if missing {
			return out.pass("no container is named %s", name)
		}
		out.Actual = c.Status
		return out.fail("%s still exists (%s) — remove it: docker rm -f %s", name, c.Status, name)
	}
	run := s.runCommand(name)
	if missing {
		out.Expected = "a container named " + name
		return out.fail("no container is named %s — start one: %s", name, run)
	}
	if s.Image != "" {
		if o, done := s.checkImage(ctx, lab, out, c, name, run); done {
			return o
		}
	}
	if s.Running && !c.Running {
		out.Expected, out.Actual = "running", c.Status
		if c.Error != "" {
			// It never ran: its logs are empty, and docker start would
			// fail the same way. What the daemon said is the lead.
			return out.fail("%s is %s, not running: the daemon could not start it (%s) — fix that, then remove it and run it again: docker rm %s",
				name, c.Status, oneLine(c.Error), name)
		}
		return out.fail("%s is %s, not running — start it: docker start %s (docker logs %s says why it stopped)", name, c.Status, name, name)
	}
	if s.restartsGiven && c.RestartCount > s.MaxRestarts {
		out.Expected, out.Actual = fmt.Sprintf("at most %d restarts", s.MaxRestarts), fmt.Sprint(c.RestartCount)
		return out.fail("%s has restarted %d %s (at most %d allowed): it keeps crashing — docker logs %s says why",
			name, c.RestartCount, plural(c.RestartCount, "time", "times"), s.MaxRestarts, name)
	}
	switch {
	case s.Image != "":
		return out.pass("%s runs %s (%s)%s", name, s.Image, short(c.ImageID), s.state(c))
	case s.Running:
		return out.pass("%s is running", name)
	}
	return out.pass("%s exists (%s)", name, c.Status)
}

// checkImage compares the image the container runs with the one Image
// names now, by ID; done is false when they agree.
func (s *containerSpec) checkImage(ctx context.Context, lab *Lab, out Outcome, c dockerstate.Container, name, run string) (Outcome, bool) {
	ref := string(s.Image)
	want, err := lab.Image(ctx, ref)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		out.Expected = ref
		if setup, ok := lab.SetupMakes(ref); ok {
			return out.fail("%s does not exist, so %s cannot run it — the lab's set-up makes it: %s", ref, name, setup), true
		}
		return out.fail("%s does not exist, so %s cannot run it — build, pull or load %s first", ref, name, ref), true
	case err != nil:
		return daemonFailure(ref, err), true
	}
	out.Expected, out.Actual = want.ID, withAlgorithm(c.ImageID)
	if out.Actual != want.ID {
		return out.fail("%s runs %s%s, not %s (%s) — replace it: docker rm -f %s, then %s",
			name, short(c.ImageID), s.otherImage(ctx, lab, c, ref), ref, short(want.ID), name, run), true
	}
	// The ID agrees. An image academy made under another name and then
	// retagged as ref still says what it was made as. An image built FROM
	// one inherits the label but adds layers (academy's have one): it is
	// the learner's own.
	if made := builtin.MadeAs(want.Labels, want.Layers); made != "" && !hasName([]string{made}, ref) {
		out.Expected, out.Actual = "academy's image made as "+ref, "academy's image made as "+made
		return out.fail("%s runs %s, which is academy's image of %s retagged as %s — run the real %s: docker rm -f %s, then %s",
			name, short(c.ImageID), made, ref, ref, name, run), true
	}
	// A release academy's set-up makes is that very image, by ID: an image
	// built, labelled or committed to look like it is another release.
	if same, builtin := lab.Academys(ref, want); builtin && !same {
		setup, _ := lab.SetupMakes(ref)
		out.Expected = "academy's image made as " + ref
		return out.fail("%s runs %s, but %s is no longer the image the lab's set-up made (%s is another image under its name) — bring it back: %s --force, then docker rm -f %s and %s",
			name, short(c.ImageID), ref, short(want.ID), setup, name, run), true
	}
	return out, false
}

// otherImage names the image a container runs, as the learner knows it:
// " (cloudcorp/my-app:v1.3.0)".
func (s *containerSpec) otherImage(ctx context.Context, lab *Lab, c dockerstate.Container, ref string) string {
	if r, ok := lab.shared.daemon.(ImageReader); ok {
		if img, err := r.Image(ctx, withAlgorithm(c.ImageID)); err == nil {
			f, _ := formsOf(ref)
			for _, t := range img.RepoTags {
				if t != f.full && t != f.familiar {
					return " (" + familiar(t) + ")"
				}
			}
		}
	}
	if c.Image != "" && !strings.HasPrefix(c.Image, "sha256:") {
		return " (started from " + familiar(c.Image) + ")"
	}
	return ""
}

func (s *containerSpec) state(c dockerstate.Container) string {
	if c.Running {
		return ""
	}
	return ", " + c.Status
}

// runCommand is how the learner makes the container the spec expects.
func (s *containerSpec) runCommand(name string) string {
	img := string(s.Image)
	if img == "" {
		img = "IMAGE"
	}
	if s.RunFlags != "" {
		return fmt.Sprintf("docker run -d --name %s %s %s", name, s.RunFlags, img)
	}
	return fmt.Sprintf("docker run -d --name %s %s", name, img)
}

// withAlgorithm writes an image ID as sha256:…, as Docker does; Podman
// may give the bare hex.
func withAlgorithm(id string) string {
	if id != "" && !strings.Contains(id, ":") {
		return "sha256:" + id
	}
	return id
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// oneLine folds what a daemon said onto one line, at most 200 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
