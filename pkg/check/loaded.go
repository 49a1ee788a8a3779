package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/academy-dev/academy/pkg/archive"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func init() {
	register(Kind{
		Name:    "loaded",
		Summary: "an image the daemon has under a name is the one a docker save archive in the lab's folder holds: it was loaded from that file",
		New:     func() Spec { return &loadedSpec{} },
	})
}

// loadedSpec expects the daemon's image under Ref to be the one the archive
// at Path holds under that name: the learner's file and the daemon agree.
type loadedSpec struct {
	// Path is the archive loaded from, relative to the lab's folder.
	Path mission.FileName `yaml:"path" check:"required"`
	// Ref is the name the image has in the archive and on the daemon.
	Ref mission.ImageRef `yaml:"ref" check:"required"`
}

func (s *loadedSpec) Check(ctx context.Context, lab *Lab) Outcome {
	name, ref := string(s.Path), string(s.Ref)
	// The daemon's image is compared with the one the archive holds.
	out := Outcome{Subject: ref, Command: fmt.Sprintf("docker image inspect --format '{{.Id}}' %s; tar -xOf %s manifest.json", ref, name)}
	load := "docker load -i " + name
	rep, o, ok := readArchive(ctx, lab, name, "docker save -o "+name+" "+ref)
	if !ok {
		o.Subject, o.Command = ref, out.Command
		return o
	}
	img, found := findImage(rep, ref)
	if !found {
		out.Expected, out.Actual = ref, joinTags(rep)
		return out.fail("%s holds %s, not %s — it is not the archive of %s", name, describeTags(rep), ref, ref)
	}
	out.Expected = string(img.Config)
	live, err := lab.Image(ctx, ref)
	switch {
	case errors.Is(err, dockerstate.ErrNotFound):
		return out.fail("%s is not on this daemon — load it: %s", ref, load)
	case err != nil:
		return daemonFailure(ref, err)
	}
	out.Actual = live.ID
	if lab.containerdStore(ctx) {
		out.Command = strings.Replace(out.Command, " manifest.json", " index.json", 1)
	}
	// The classic store's ID is the config digest; the containerd store's
	// the index.json entry's (or the manifest's).
	for _, d := range []string{string(img.Config), string(img.Target), string(img.Manifest)} {
		if d != "" && d == live.ID {
			out.Expected = d
			written := modTime(lab, name)
			loaded, when, known, err := loadedSince(ctx, lab, written, ref, live.ID, string(img.Config), string(img.Target), string(img.Manifest))
			switch {
			case err != nil:
				return Outcome{Subject: ref, Status: Error, Command: out.Command,
					Message: fmt.Sprintf("could not read the daemon's events to tell whether %s was loaded from %s: %v", ref, name, err)}
			case known && !loaded:
				// The same image, but the daemon remembers no removal and
				// load of it since the archive was written: it never left,
				// or came back another way.
				return out.fail("%s is the image %s holds, but the daemon has no record of it being removed and then loaded since %s was written (at %s; Docker remembers only its last 256 events, and none from before it restarted: if you did, do it again) — remove it, then load it: docker rmi %s, then %s",
					ref, name, name, written.Local().Format("15:04:05"), ref, load)
			case known:
				return out.pass("%s is the image %s holds (%s), loaded at %s", ref, name, short(live.ID), when.Local().Format("15:04:05"))
			}
			if !live.LastTagTime.IsZero() && !written.IsZero() && live.LastTagTime.Before(written) {
				// The same image, but named before the archive existed: it
				// was never loaded from it.
				return out.fail("%s is the image %s holds, but it has not been loaded since %s was written (it was named %s, the file written %s) — remove it, then load it: docker rmi %s, then %s",
					ref, name, name, live.LastTagTime.Local().Format("15:04:05"), written.Local().Format("15:04:05"), ref, load)
			}
			return out.pass("%s is the image %s holds (%s)", ref, name, short(live.ID))
		}
	}
	if imported(live) {
		return out.fail("the daemon's %s is %s, which docker import made, not the image %s holds (%s): import builds a new image from a tar's files; load keeps the image — docker rmi %s, then %s",
			ref, short(live.ID), name, short(string(img.Config)), ref, load)
	}
	return out.fail("the daemon's %s is %s, not the image %s holds (%s) — load it: docker rmi %s, then %s",
		ref, short(live.ID), name, short(string(img.Config)), ref, load)
}

// loadedSince asks the daemon's memory of events whether the image (any of
// ids, or a name for ref) was removed and then loaded since the archive
// was written. known is false when the engine keeps no such memory (the
// caller then judges by what the image says of itself); err when the
// memory could not be read, which is no evidence either way.
func loadedSince(ctx context.Context, lab *Lab, written time.Time, ref string, ids ...string) (loaded bool, when time.Time, known bool, err error) {
	h, ok := lab.shared.daemon.(dockerstate.HistoryReader)
	if !ok || written.IsZero() {
		return false, time.Time{}, false, nil
	}
	// A file dated in the future proves nothing that happens before then:
	// the span starts now at the latest (and the daemon refuses a start
	// after its end).
	since := written
	if now := time.Now(); since.After(now) {
		since = now
	}
	// Docker calls a load load; Podman loadfromarchive.
	evs, err := h.PastEvents(ctx, dockerstate.EventFilter{Types: []string{"image"},
		Actions: []string{"untag", "delete", "load", "loadfromarchive"}, Since: since})
	switch {
	case errors.Is(err, dockerstate.ErrNoHistory):
		return false, time.Time{}, false, nil
	case err != nil:
		return false, time.Time{}, true, err
	}
	f, _ := formsOf(ref)
	about := func(e dockerstate.Event) bool {
		actor := withAlgorithm(e.ActorID)
		for _, id := range ids {
			if id != "" && actor == id {
				return true
			}
		}
		return e.Name != "" && (e.Name == f.full || e.Name == f.familiar)
	}
	removed := false
	for _, e := range evs {
		switch e.Action {
		case "untag", "delete":
			removed = removed || about(e)
		case "load", "loadfromarchive":
			// Podman's loadfromarchive names no image (its name is the
			// uploaded file's temporary path).
			if removed && (e.ActorID == "" || about(e)) {
				return true, e.Time, true, nil
			}
		}
	}
	return false, time.Time{}, true, nil
}

// readArchive verifies the docker save archive name in the lab's folder.
// When it cannot be used, ok is false and the outcome says why, ending with
// make: the command that makes the archive.
func readArchive(ctx context.Context, lab *Lab, name, make string) (rep *archive.Report, o Outcome, ok bool) {
	o = Outcome{Subject: name, Command: "tar -xOf " + name + " manifest.json"}
	path, err := lab.Path(name)
	if err != nil {
		return nil, o.fail("%v — put the archive itself there", err), false
	}
	// Stat, then open only a regular file: opening a FIFO would wait for
	// a writer that never comes.
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, missingArchive(o, lab.Dir(), name, make), false
	case err != nil:
		return nil, o.fail("cannot read %s: %v", name, err), false
	case fi.IsDir():
		return nil, o.fail("%s is a folder, not a docker save archive — %s", name, make), false
	case !fi.Mode().IsRegular():
		return nil, o.fail("%s is not a regular file (%s) — %s", name, fi.Mode().Type(), make), false
	}
	deadline := lab.FileTimeout() + time.Duration(fi.Size()/minReadRate)*time.Second
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	rep, err = archive.VerifyFile(ctx, path, archive.Options{})
	var invalid *archive.InvalidError
	switch {
	case errors.As(err, &invalid):
		return nil, o.fail("%s", invalidArchive(name, make, invalid.Reason)), false
	case errors.Is(err, context.DeadlineExceeded):
		// Not the learner's failure: the archive may be valid, only slow
		// to read (a big, strongly compressed one).
		return nil, Outcome{Subject: name, Status: Error, Command: o.Command,
			Message: fmt.Sprintf("could not finish reading %s within %s (%s) — raise --timeout, or check it with academy archive verify %s",
				name, deadline.Round(time.Second), archive.HumanSize(fi.Size()), name)}, false
	case errors.Is(err, context.Canceled):
		return nil, Outcome{Subject: name, Status: Error, Message: err.Error()}, false
	case err != nil:
		return nil, o.fail("cannot read %s: %v", name, err), false
	}
	return rep, o, true
}

// modTime is when the file was last written; zero when it cannot be told.
func modTime(lab *Lab, name string) time.Time {
	path, err := lab.Path(name)
	if err != nil {
		return time.Time{}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}
