package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/academy-dev/academy/internal/testlab"
	"github.com/academy-dev/academy/pkg/dockerstate"
)

func TestCloseNames(t *testing.T) {
	tests := []struct {
		name  string
		want  string
		names []string
		close []string // closest first
	}{
		{"a shorter tag", "cloudcorp/my-app:1.0.0", []string{"cloudcorp/my-app:1.0", "cloudcorp/my-app:latest", "my-app:v1"}, []string{"cloudcorp/my-app:1.0"}},
		{"a v in front", "cloudcorp/my-app:1.0.0", []string{"cloudcorp/my-app:v1.0.0"}, []string{"cloudcorp/my-app:v1.0.0"}},
		{"a dash left out", "cloudcorp/my-app:latest", []string{"cloudcorp/myapp:latest", "nginx:latest"}, []string{"cloudcorp/myapp:latest"}},
		{"two letters swapped", "cloudcorp/my-app:latest", []string{"cloudcrop/my-app:latest"}, []string{"cloudcrop/my-app:latest"}},
		{"no namespace", "cloudcorp/my-app:1.0.0", []string{"my-app:1.0.0"}, []string{"my-app:1.0.0"}},
		{"another namespace is someone else's", "alice/cloudcorp/my-app:1.0.0", []string{"bob/cloudcorp/my-app:1.0.0", "cloudcorp/my-app:1.0.0"}, nil},
		{"another tag of a name wanted without one", "nginx", []string{"nginx:alpine", "nginx:1.27", "redis:latest"}, []string{"nginx:1.27", "nginx:alpine"}},
		{"fully qualified names, as Podman prints them", "cloudcorp/my-app:latest", []string{"docker.io/cloudcorp/myapp:latest"}, []string{"cloudcorp/myapp:latest"}},
		{"one name in two forms", "cloudcorp/my-app:latest", []string{"docker.io/cloudcorp/myapp:latest", "cloudcorp/myapp:latest"}, []string{"cloudcorp/myapp:latest"}},
		{"closest first, at most three", "cloudcorp/my-app:1.0.0", []string{"cloudcorp/my-app:1.0", "cloudcorp/my-app:1.0.1", "cloudcorp/my-app:1.0.2", "cloudcorp/my-app:1.0.3", "my-app:1.0.0"},
			[]string{"cloudcorp/my-app:1.0.1", "cloudcorp/my-app:1.0.2", "cloudcorp/my-app:1.0.3"}},
		{"nothing close", "cloudcorp/my-app:1.0.0", []string{"nginx:latest", "cloudcorp/my-app:latest", "cloudcorp/other:2.0.0"}, nil},
		{"a short name needs a closer miss", "ab:v1", []string{"a:v1", "ac:v2"}, []string{"a:v1"}},
		{"the name itself is no near miss", "nginx", []string{"docker.io/library/nginx:latest"}, nil},
		{"dangling and invalid names are skipped", "my-app:v1", []string{"<none>:<none>", "My-App:v1", ""}, nil},
		{"a digest is not guessed at", "nginx@sha256:" + strings.Repeat("a", 64), []string{"nginx:latest"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := closeNames(tt.want, tt.names)
			if fmt.Sprint(got) != fmt.Sprint(tt.close) {
				t.Errorf("closeNames(%q) = %q, want %q", tt.want, got, tt.close)
			}
		})
	}
}

// Near-miss search is bounded by what it compares, not by a clock: a
// hostile daemon's longest names are never compared, and a name of another
// length costs no distance.
func TestCloseNamesSkipsOverlongNames(t *testing.T) {
	long := "cloudcorp/my-app:" + strings.Repeat("1", 300)
	if got := closeNames("cloudcorp/my-app:1.0.0", []string{long}); len(got) != 0 {
		t.Errorf("an overlong name was compared: %q", got)
	}
	many := make([]string, dockerstate.MaxListedTags)
	for i := range many {
		many[i] = fmt.Sprintf("someone/else-%d:latest", i)
	}
	if got := closeNames("cloudcorp/my-app:1.0.0", many); len(got) != 0 {
		t.Errorf("found %q among unrelated names", got)
	}
}

func TestNearMissNote(t *testing.T) {
	tests := []struct {
		ref    string
		misses []string
		want   string
	}{
		{"cloudcorp/my-app:1.0.0", nil, ""},
		{"cloudcorp/my-app:1.0.0", []string{"cloudcorp/my-app:1.0"}, " (did you mean cloudcorp/my-app:1.0? the name must match exactly)"},
		{"cloudcorp/my-app:1.0.0", []string{"a:1", "b:1", "c:1"}, " (did you mean a:1, b:1 or c:1? the name must match exactly)"},
		{"nginx", []string{"nginx:alpine"}, " (you have nginx:alpine; nginx alone means nginx:latest)"},
		{"nginx", []string{"nginx:alpine", "ngnix:latest"}, " (did you mean nginx:alpine or ngnix:latest? the name must match exactly)"},
	}
	for _, tt := range tests {
		if got := nearMissNote(tt.ref, tt.misses); got != tt.want {
			t.Errorf("nearMissNote(%q, %q) = %q, want %q", tt.ref, tt.misses, got, tt.want)
		}
	}
}

func TestCloseFile(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		dirs  []string
		want  string
	}{
		{"a dash left out", []string{"myapp.tar", "notes.txt"}, nil, "myapp.tar"},
		{"another archive ending", []string{"my-app.tar.gz"}, nil, "my-app.tar.gz"},
		{"the closer of two", []string{"my-ap.tar", "myapp.tar", "my-app.tgz"}, nil, "my-ap.tar"},
		{"upper case", []string{"My-App.tar"}, nil, "My-App.tar"},
		{"nothing close", []string{"backup.tar", "my-application.tar"}, nil, ""},
		{"a folder is not an archive", nil, []string{"myapp.tar"}, ""},
		{"hidden files are left alone", []string{".my-app.tar"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range tt.dirs {
				if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if got := closeFile(dir, "my-app.tar"); got != tt.want {
				t.Errorf("closeFile = %q, want %q", got, tt.want)
			}
		})
	}
	if got := closeFile(filepath.Join(t.TempDir(), "nope"), "my-app.tar"); got != "" {
		t.Errorf("a missing folder gave %q", got)
	}
}

// A folder with more entries than are read is searched no further.
func TestCloseFileReadsABoundedFolder(t *testing.T) {
	dir := t.TempDir()
	for i := range maxDirEntries + 50 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Whether myapp.tar is among the entries read depends on the folder's
	// order; what matters is that the search ends, and finds nothing false.
	if got := closeFile(dir, "my-app.tar"); got != "" {
		t.Errorf("closeFile = %q, want nothing", got)
	}
}

func TestInvalidArchiveMessages(t *testing.T) {
	save := "docker save -o my-app.tar my-app:v1"
	tests := []struct{ reason, want string }{
		{"not a docker save archive: not a tar file (nor gzip, bzip2, xz or zstd-compressed)",
			"my-app.tar is not a docker save archive: it is not a tar file (nor gzip, bzip2, xz or zstd-compressed) — make it with: " + save},
		{"the archive is truncated: abc/layer.tar declares 2048 bytes, more than the file holds",
			"my-app.tar is incomplete: abc/layer.tar declares 2048 bytes, more than the file holds — was the save or the copy cut short? Save it again: " + save},
		{"the archive is truncated after blobs/sha256/ab",
			"my-app.tar is incomplete: it ends after blobs/sha256/ab — was the save or the copy cut short? Save it again: " + save},
		{"the archive is an empty tar file, not a docker save archive",
			"my-app.tar is not a docker save archive: it is an empty tar file — make it with: " + save},
		{"the archive is empty", "my-app.tar is empty, not a docker save archive — make it with: " + save},
		{"blobs/sha256/ab is corrupted: its content hashes to sha256:cd",
			"my-app.tar is damaged: blobs/sha256/ab is corrupted: its content hashes to sha256:cd — save it again: " + save},
		{"the archive is corrupted after blobs/sha256/ab: flate: corrupt input",
			"my-app.tar is damaged after blobs/sha256/ab: flate: corrupt input — save it again: " + save},
		{"manifest.json names the image \"x\" without a tag",
			"my-app.tar is not a valid docker save archive: manifest.json names the image \"x\" without a tag — save it again: " + save},
	}
	for _, tt := range tests {
		got := invalidArchive("my-app.tar", save, tt.reason)
		if got != tt.want {
			t.Errorf("reason %q:\n got  %q\n want %q", tt.reason, got, tt.want)
		}
		// What is wrong is said once.
		if strings.Count(got, "docker save archive") > 1 || strings.Count(got, "truncated") > 0 {
			t.Errorf("reason %q: the message repeats itself: %q", tt.reason, got)
		}
	}
}

func TestThatIsNamesTheOtherImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("4f", 32)
	tests := []struct {
		name string
		img  dockerstate.Image
		want string
	}{
		{"another tag", dockerstate.Image{RepoTags: []string{"cloudcorp/my-app:latest", "docker.io/library/nginx:latest"}}, " (that is nginx:latest)"},
		{"only a digest", dockerstate.Image{RepoTags: []string{"cloudcorp/my-app:latest"}, RepoDigests: []string{"nginx@" + digest}}, " (that is nginx@sha256:4f4f4f4f4f4f…)"},
		{"no other name", dockerstate.Image{RepoTags: []string{"cloudcorp/my-app:latest"}}, " (an image with no other name)"},
		// The containerd store lists a name pulled by digest among the tags.
		{"a digest among the tags", dockerstate.Image{RepoTags: []string{"cloudcorp/my-app:latest", "docker.io/library/nginx@" + digest}}, " (that is nginx@sha256:4f4f4f4f4f4f…)"},
	}
	for _, tt := range tests {
		if got := thatIs(tt.img, "cloudcorp/my-app:latest"); got != tt.want {
			t.Errorf("%s: thatIs = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// listingDaemon is the fake daemon that also lists its images, as the real
// one does.
type listingDaemon struct {
	fakeDaemon
	listed  []dockerstate.ImageSummary
	listErr error
}

func (d *listingDaemon) Images(context.Context) ([]dockerstate.ImageSummary, error) {
	return d.listed, d.listErr
}

// Through the runner, each kind that misses an image names its near misses;
// a daemon that cannot list leaves the message as it was.
func TestNearMissesInDiagnoses(t *testing.T) {
	app := image("9a2e", "my-app:v1")
	near := image("4f1c", "cloudcorp/my-app:1.0", "cloudcorp/myapp:latest")
	alpine := image("5e1f", "nginx:alpine")
	listed := []dockerstate.ImageSummary{{ID: app.ID, RepoTags: app.RepoTags}, {ID: near.ID, RepoTags: near.RepoTags}, {ID: alpine.ID, RepoTags: alpine.RepoTags}}
	tests := []struct {
		name      string
		objective string
		listErr   error
		want      []string // a substring of each check's message
	}{
		{"tags", "multi-tag", nil, []string{
			"cloudcorp/my-app:latest does not exist (did you mean cloudcorp/myapp:latest? the name must match exactly) — create it: docker tag my-app:v1 cloudcorp/my-app:latest",
			"cloudcorp/my-app:1.0.0 does not exist (did you mean cloudcorp/my-app:1.0? the name must match exactly) — create it",
		}},
		{"digest image", "digest", nil, []string{
			"nginx is not on this daemon (you have nginx:alpine; nginx alone means nginx:latest) — pull it from a registry: docker pull nginx",
			"your answer can be checked once nginx is on this daemon: docker pull nginx",
		}},
		{"listing fails", "multi-tag", errors.New("boom"), []string{
			"cloudcorp/my-app:latest does not exist — create it", "cloudcorp/my-app:1.0.0 does not exist — create it",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &listingDaemon{fakeDaemon: fakeDaemon{images: map[string]dockerstate.Image{"my-app:v1": app}}, listed: listed, listErr: tt.listErr}
			r := &Runner{Daemon: d, Answers: map[string]string{"digest": "nginx@" + nginxDigest}}
			res, err := r.Run(context.Background(), zone7(t), []string{tt.objective})
			assertNoError(t, err)
			for i, want := range tt.want {
				c := res.Objectives[0].Checks[i]
				if c.Status != Fail || !strings.Contains(c.Message, want) {
					t.Errorf("check %d = %s %q\nwant fail containing %q", i, c.Status, c.Message, want)
				}
			}
		})
	}
}

func TestMissingArchiveMessages(t *testing.T) {
	dir := t.TempDir()
	r := &Runner{Daemon: &fakeDaemon{}, Dir: dir}
	run := func() string {
		res, err := r.Run(context.Background(), zone7(t), []string{"export"})
		assertNoError(t, err)
		return res.Objectives[0].Checks[0].Message
	}
	if got, want := run(), "my-app.tar is not in "+dir+" — export it: docker save -o my-app.tar my-app:v1; if you saved it in another folder, point academy there: -C FOLDER"; got != want {
		t.Errorf("message = %q\nwant      %q", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "my app.tar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := run(), "my-app.tar is not in "+dir+", but my app.tar is — rename it: mv '"+dir+"/my app.tar' "+dir+"/my-app.tar (or save again: docker save -o my-app.tar my-app:v1)"; got != want {
		t.Errorf("message = %q\nwant      %q", got, want)
	}
}

// On the real daemon: a learner's near misses — a tag one character off,
// an archive saved under a close name, an archive cut short — are each
// named in the diagnosis, and the daemon is left as it was.
func TestNearMissesOnRealDaemon(t *testing.T) {
	lab := testlab.New(t)
	image := lab.Name("my-app:v1")
	repo := lab.Name("cloudcorp/my-app")
	lab.Build(image, "near misses")
	lab.Tag(image, repo+":1.0")
	lab.Tag(image, lab.Name("cloudcorp/myapp:latest"))
	dir := t.TempDir()
	lab.Save(filepath.Join(dir, "myapp.tar"), image)

	d, err := dockerstate.Open(dockerstate.Options{})
	assertNoError(t, err)
	defer d.Close()
	readOnly := lab.WatchReadOnly(image, repo+":1.0", lab.Name("cloudcorp/myapp:latest"), repo+":latest", repo+":1.0.0")
	p := plan(t, map[string]string{"image": image, "repo": repo})
	res, err := (&Runner{Daemon: d, Dir: dir}).Run(context.Background(), p, []string{"multi-tag", "export"})
	assertNoError(t, err)
	want := []string{
		repo + ":latest does not exist (did you mean " + lab.Name("cloudcorp/myapp:latest") + "?",
		repo + ":1.0.0 does not exist (did you mean " + repo + ":1.0?",
		"my-app.tar is not in " + dir + ", but myapp.tar is — rename it: mv " + dir + "/myapp.tar " + dir + "/my-app.tar",
	}
	var got []string
	for _, o := range res.Objectives {
		for _, c := range o.Checks {
			got = append(got, c.Message)
		}
	}
	for i, w := range want {
		if i >= len(got) || !strings.Contains(got[i], w) {
			t.Errorf("check %d: %q\nwant it to contain %q", i, got, w)
		}
	}

	// A save cut short, as a full disk or an interrupted copy leaves it.
	data, err := os.ReadFile(filepath.Join(dir, "myapp.tar"))
	assertNoError(t, err)
	assertNoError(t, os.WriteFile(filepath.Join(dir, "my-app.tar"), data[:len(data)/2], 0o644))
	res, err = (&Runner{Daemon: d, Dir: dir}).Run(context.Background(), p, []string{"export"})
	assertNoError(t, err)
	msg := res.Objectives[0].Checks[0].Message
	if !strings.HasPrefix(msg, "my-app.tar is incomplete") || !strings.Contains(msg, "Save it again: docker save -o my-app.tar "+image) {
		t.Errorf("a truncated archive: %q", msg)
	}
	readOnly.Check()
}

// With no answer and no image, the answer check says what comes first,
// without repeating the image check's diagnosis.
func TestNoAnswerNoImage(t *testing.T) {
	r := &Runner{Daemon: &fakeDaemon{}}
	res, err := r.Run(context.Background(), zone7(t), []string{"digest"})
	assertNoError(t, err)
	want := "no answer given — once nginx is pulled (docker pull nginx), find its digest with docker inspect --format='{{index .RepoDigests 0}}' nginx and pass it as --answer digest=VALUE"
	if c := res.Objectives[0].Checks[1]; c.Status != Fail || c.Message != want {
		t.Errorf("answer check = %s %q\nwant fail %q", c.Status, c.Message, want)
	}
}

// On the real daemon, a wrong tag on an image pulled by digest (no other
// tag) is named by that digest.
func TestThatIsByDigestOnRealDaemon(t *testing.T) {
	lab := testlab.New(t)
	image := lab.Name("my-app:v1")
	repo := lab.Name("cloudcorp/my-app")
	lab.Build(image, "that is")
	ref, repoDigest := lab.Pulled("nginx", "nginx "+lab.Prefix)
	lab.Tag(ref, repo+":latest")
	lab.Untag(ref)
	// Pulled again by digest: the image's only other name is its digest.
	if out, err := exec.Command("docker", "pull", "-q", repoDigest).CombinedOutput(); err != nil {
		t.Fatalf("docker pull %s: %v\n%s", repoDigest, err, out)
	}
	d, err := dockerstate.Open(dockerstate.Options{})
	assertNoError(t, err)
	defer d.Close()
	res, err := (&Runner{Daemon: d}).Run(context.Background(), plan(t, map[string]string{"image": image, "repo": repo}), []string{"multi-tag"})
	assertNoError(t, err)
	name, dgst, _ := strings.Cut(repoDigest, "@")
	want := fmt.Sprintf("(that is %s@%s…), not at %s", name, dgst[:len("sha256:")+12], image)
	if msg := res.Objectives[0].Checks[0].Message; !strings.Contains(msg, want) {
		t.Errorf("message %q\nwant it to contain %q", msg, want)
	}
}

// In the current folder, the message says so, and the rename is relative.
func TestMissingArchiveInTheCurrentFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := &Runner{Daemon: &fakeDaemon{}, Dir: "."}
	res, err := r.Run(context.Background(), zone7(t), []string{"export"})
	assertNoError(t, err)
	if got, want := res.Objectives[0].Checks[0].Message, "my-app.tar is not in the current folder ("+dir+") — export it"; !strings.HasPrefix(got, want) {
		t.Errorf("message = %q, want it to start %q", got, want)
	}
	assertNoError(t, os.WriteFile("myapp.tar", nil, 0o644))
	res, err = r.Run(context.Background(), zone7(t), []string{"export"})
	assertNoError(t, err)
	if got, want := res.Objectives[0].Checks[0].Message, "but myapp.tar is — rename it: mv myapp.tar my-app.tar (or save again"; !strings.Contains(got, want) {
		t.Errorf("message = %q, want it to contain %q", got, want)
	}
}
