package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// The release configuration at the root of the repository.
const releaseConfig = "../../.goreleaser.yaml"

// goreleaserVersion is the goreleaser the configuration is written for.
const goreleaserVersion = "v2.15.1"

// The release's ldflags put the version where `academy version` reads it:
// a binary built with them, the version in place of {{.Version}}, says it.
func TestReleaseEmbedsTheVersion(t *testing.T) {
	data, err := os.ReadFile(releaseConfig)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			Main    string   `yaml:"main"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", releaseConfig, err)
	}
	if len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/academy" {
		t.Fatalf("want one build of ./cmd/academy, got %+v", cfg.Builds)
	}
	b := cfg.Builds[0]
	if strings.Join(b.Goos, ",") != "linux,darwin,windows" || strings.Join(b.Goarch, ",") != "amd64,arm64" {
		t.Errorf("targets %v × %v, want linux, darwin, windows × amd64, arm64", b.Goos, b.Goarch)
	}
	const version = "v9.8.7-release-test"
	ldflags := strings.ReplaceAll(strings.Join(b.Ldflags, " "), "{{.Version}}", version)
	if !strings.Contains(ldflags, "version.Version="+version) {
		t.Fatalf("the ldflags do not set the version: %q", ldflags)
	}
	bin := filepath.Join(t.TempDir(), "academy")
	// Without the release's -trimpath, which would compile every package
	// afresh: the ldflags are what is checked here.
	build := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", ldflags, err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "academy "+version+"\n" {
		t.Errorf("academy version = %q, %v; want %q", out, err, "academy "+version+"\n")
	}
}

// goreleaser accepts the configuration. It is built from the module proxy
// once, into the user's cache, unless $GORELEASER names one (CI installs
// it beforehand).
func TestGoreleaserCheck(t *testing.T) {
	bin := os.Getenv("GORELEASER")
	if bin == "" {
		bin = buildGoreleaser(t)
	}
	cmd := exec.Command(bin, "check", "--config", ".goreleaser.yaml")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "1 configuration file(s) validated") {
		t.Errorf("goreleaser check did not say the configuration is valid:\n%s", out)
	}
}

func buildGoreleaser(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	bin := filepath.Join(cache, "academy-test", "goreleaser-"+goreleaserVersion, "goreleaser")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	// Building it takes minutes: .ci/run does it once, into that cache.
	t.Skipf("no goreleaser %s at %s: build it with `GOBIN=%s go install github.com/goreleaser/goreleaser/v2@%s` (.ci/run does), or set GORELEASER",
		goreleaserVersion, bin, filepath.Dir(bin), goreleaserVersion)
	return ""
}

// academy builds for every operating system the release names, not only
// the one the tests run on: a unix-only call outside a unix-only file
// breaks the Windows release, which nothing else here would notice.
func TestBuildsForEveryReleaseOS(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles academy (-short)")
	}
	for _, target := range [][2]string{{"windows", "amd64"}, {"darwin", "arm64"}} {
		build := exec.Command("go", "build", "-o", os.DevNull, ".")
		build.Env = append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1], "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Errorf("GOOS=%s GOARCH=%s go build: %v\n%s", target[0], target[1], err, out)
		}
	}
}
