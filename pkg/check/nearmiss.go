package check

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/distribution/reference"

	"github.com/academy-dev/academy/pkg/dockerstate"
)

// Lister is a daemon that can list its images. When the daemon given to the
// runner is one, a check that misses a name looks for near misses — a name
// the learner made that is close to the one wanted — and says so.
type Lister interface {
	Images(ctx context.Context) ([]dockerstate.ImageSummary, error)
}

// Bounds on the search for near misses: the names the daemon lists are
// capped by dockerstate; here, how many are shown, how long a name may be
// to be compared, how many close names are looked at closer, and how many
// folder entries are read.
const (
	maxNearMisses  = 3
	maxComparedLen = 256
	maxParsed      = 256
	maxDirEntries  = 1000
)

// nearMissNames lists, closest first, the daemon's names that are near
// misses of ref, which the daemon does not have. Nothing is found when the
// daemon cannot list its images or fails to: a near miss is a courtesy,
// never a reason for a check to fail or err.
func (l *Lab) nearMissNames(ctx context.Context, ref string) []string {
	lister, ok := l.shared.daemon.(Lister)
	if !ok {
		return nil
	}
	// Listed once per run, however many checks miss a name.
	l.shared.names.once.Do(func() { l.shared.names.val, l.shared.names.err = lister.Images(ctx) })
	images, err := l.shared.names.val, l.shared.names.err
	if err != nil {
		return nil
	}
	var names []string
	for _, img := range images {
		names = append(names, img.RepoTags...)
	}
	return closeNames(ref, names)
}

// closeNames returns, closest first and at most maxNearMisses, the names
// among names that a learner may have typed when they meant want: one or
// two characters off (cloudcorp/myapp:latest, cloudcorp/my-app:1.0 for
// :1.0.0), the same repository under another tag when want names no tag
// (nginx:alpine for nginx), or the same name without its namespace
// (my-app:1.0.0 for cloudcorp/my-app:1.0.0). Another namespace is not a
// near miss: it is someone else's image.
func closeNames(want string, names []string) []string {
	w, ok := parseName(want)
	if !ok || w.digest {
		return nil
	}
	limit := 1
	if len(w.familiar) >= 6 {
		limit = 2
	}
	type candidate struct {
		name string
		dist int
	}
	var found []candidate
	// Podman and the containerd store print names in full: one name may
	// come twice, in two forms.
	seen := map[string]bool{}
	parsed := 0
	for _, n := range names {
		// A name is parsed, which costs more than all the rest, only when
		// a cheap look at it as written says it may be near, and at most
		// maxParsed names are: a daemon of many close names costs no more.
		if len(n) > maxComparedLen || parsed == maxParsed || !w.mayBeNear(n, limit) {
			continue
		}
		parsed++
		c, ok := parseName(n)
		if !ok || c.full == w.full || seen[c.full] {
			continue
		}
		seen[c.full] = true
		dist := -1
		switch {
		case c.repo == w.repo && !w.tagged:
			dist = limit + 1 // nginx:alpine when nginx (latest) is wanted
		case c.tag == w.tag && c.repo == "docker.io/library/"+w.base:
			dist = limit + 1 // my-app:1.0.0 when cloudcorp/my-app:1.0.0 is wanted
		case abs(len(c.familiar)-len(w.familiar)) <= limit:
			// Cheap length test first: only names of about the wanted
			// length cost a distance.
			if d := levenshtein.ComputeDistance(c.familiar, w.familiar); d <= limit {
				dist = d
			}
		}
		if dist >= 0 {
			found = append(found, candidate{c.familiar, dist})
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].dist != found[j].dist {
			return found[i].dist < found[j].dist
		}
		return found[i].name < found[j].name
	})
	out := make([]string, 0, min(len(found), maxNearMisses))
	for _, c := range found[:min(len(found), maxNearMisses)] {
		out = append(out, c.name)
	}
	return out
}

// parsedName is an image name split as near misses compare it.
type parsedName struct {
	full     string // docker.io/library/nginx:latest
	familiar string // nginx:latest
	repo     string // docker.io/library/nginx
	// familiarRepo is repo as docker prints it: nginx.
	familiarRepo string
	base         string // nginx: the last part of the path
	tag          string // latest, also when none was written
	tagged       bool   // whether a tag was written
	digest       bool   // whether it names a digest
}

// mayBeNear says, from the name as the daemon printed it (short or fully
// qualified) and without parsing it, whether n can be a near miss of p:
// every name closeNames keeps passes.
func (p parsedName) mayBeNear(n string, limit int) bool {
	if !p.tagged && (strings.HasPrefix(n, p.familiarRepo+":") || strings.HasPrefix(n, p.repo+":")) {
		return true
	}
	if strings.HasSuffix(n, "/"+p.base+":"+p.tag) || n == p.base+":"+p.tag {
		return true
	}
	for _, form := range []string{p.familiar, p.full} {
		if abs(len(n)-len(form)) <= limit && levenshtein.ComputeDistance(n, form) <= limit {
			return true
		}
	}
	return false
}

func parseName(s string) (parsedName, bool) {
	named, err := reference.ParseNormalizedNamed(strings.TrimSpace(s))
	if err != nil {
		return parsedName{}, false
	}
	p := parsedName{repo: named.Name(), familiarRepo: reference.FamiliarName(named)}
	p.base = p.repo[strings.LastIndex(p.repo, "/")+1:]
	if _, ok := named.(reference.Digested); ok {
		p.digest = true
	}
	if t, ok := named.(reference.Tagged); ok {
		p.tag, p.tagged = t.Tag(), true
	}
	named = reference.TagNameOnly(named)
	if t, ok := named.(reference.Tagged); ok {
		p.tag = t.Tag()
	}
	p.full, p.familiar = named.String(), reference.FamiliarString(named)
	return p, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// nearMissNote says, after "ref does not exist", which near misses the
// daemon has: " (did you mean cloudcorp/my-app:1.0? the name must match
// exactly)". A name written without a tag gets what that means:
// " (you have nginx:alpine; nginx alone means nginx:latest)".
func nearMissNote(ref string, misses []string) string {
	if len(misses) == 0 {
		return ""
	}
	w, _ := parseName(ref)
	sameRepo := !w.tagged
	for _, m := range misses {
		if c, ok := parseName(m); !ok || c.repo != w.repo {
			sameRepo = false
		}
	}
	if sameRepo {
		return " (you have " + orList(misses) + "; " + ref + " alone means " + w.familiar + ")"
	}
	return " (did you mean " + orList(misses) + "? the name must match exactly)"
}

// orList joins names as a sentence does: "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// archiveExts are the endings an archive's file name may have.
var archiveExts = []string{".tar.gz", ".tar.zst", ".tar.xz", ".tar.bz2", ".tgz", ".tar"}

// stem drops an archive ending: my-app.tar.gz is my-app.
func stem(name string) string {
	lower := strings.ToLower(name)
	for _, ext := range archiveExts {
		if strings.HasSuffix(lower, ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}

// closeFile names a file in dir that a learner may have meant as want: its
// name one or two characters off (myapp.tar for my-app.tar), or the same
// name with another archive ending (my-app.tar.gz). At most maxDirEntries
// entries are read; "" when none is close.
func closeFile(dir, want string) string {
	f, err := os.Open(dir)
	if err != nil {
		return ""
	}
	defer f.Close()
	entries, err := f.ReadDir(maxDirEntries)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && len(entries) == 0 {
		return ""
	}
	limit := 1
	if len(want) >= 6 {
		limit = 2
	}
	best, bestDist := "", limit+2
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n == want || len(n) > maxComparedLen || strings.HasPrefix(n, ".") {
			continue
		}
		dist := -1
		switch {
		case stem(n) == stem(want) && stem(n) != n:
			dist = limit + 1
		case abs(len(n)-len(want)) <= limit:
			if d := levenshtein.ComputeDistance(n, want); d <= limit {
				dist = d
			}
		}
		if dist >= 0 && (dist < bestDist || dist == bestDist && n < best) {
			best, bestDist = n, dist
		}
	}
	return best
}
