package builtin

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/academy-dev/academy/pkg/archive"
)

// A builtin image is a docker save archive that academy's own verifier
// accepts, in the layout Docker 25+ writes, naming the image as asked, with
// the IDs Image.Archive says.
func TestBuiltinArchiveIsValid(t *testing.T) {
	for _, tt := range []struct {
		ref, name, arch, platform string
		runnable                  bool
	}{
		{"my-app:v1", "my-app:v1", "amd64", "linux/amd64", true},
		{"cloudcorp/my-app:v1.2.0", "cloudcorp/my-app:v1.2.0", "arm64", "linux/arm64/v8", true},
		{"nginx", "nginx:latest", "amd64", "linux/amd64", true},
		{"127.0.0.1:5000/x/nginx", "127.0.0.1:5000/x/nginx:latest", "amd64", "linux/amd64", true},
		{"my-app:v1", "my-app:v1", "s390x", "linux/s390x", false},
	} {
		t.Run(tt.ref+"/"+tt.arch, func(t *testing.T) {
			b := Image{Ref: tt.ref, Mission: "zone7", Arch: tt.arch, Program: Program{Message: DefaultMessage(tt.ref)}}
			arc, err := b.Archive()
			if err != nil {
				t.Fatal(err)
			}
			if arc.Name != tt.name {
				t.Errorf("name = %s, want %s", arc.Name, tt.name)
			}
			rep, err := archive.Verify(context.Background(), bytes.NewReader(arc.Data), archive.Options{})
			if err != nil {
				t.Fatalf("academy's verifier refuses the builtin archive: %v", err)
			}
			if rep.Format != archive.FormatOCI && rep.Format != archive.FormatContainerd {
				t.Errorf("format = %s, want an OCI layout", rep.Format)
			}
			if len(rep.Images) != 1 {
				t.Fatalf("images = %d, want 1", len(rep.Images))
			}
			img := rep.Images[0]
			if len(img.RepoTags) != 1 || img.RepoTags[0] != tt.name {
				t.Errorf("RepoTags = %v, want [%s]", img.RepoTags, tt.name)
			}
			if img.Config != arc.Config || img.Target != arc.Manifest {
				t.Errorf("archive holds config %s, target %s; Archive said %s, %s", img.Config, img.Target, arc.Config, arc.Manifest)
			}
			if img.Platform != tt.platform {
				t.Errorf("platform = %s, want %s", img.Platform, tt.platform)
			}
			cfg := config(t, arc)
			if cfg.Config.Labels[LabelMission] != "zone7" || cfg.Config.Labels[LabelBuiltin] != tt.name {
				t.Errorf("labels = %v", cfg.Config.Labels)
			}
			if got := len(cfg.Config.Entrypoint) == 1 && cfg.Config.Entrypoint[0] == "/app"; got != tt.runnable {
				t.Errorf("entrypoint %v; runnable %v", cfg.Config.Entrypoint, tt.runnable)
			}
			if !arc.Has(arc.Config.String()) || !arc.Has(arc.Manifest.String()) || arc.Has("sha256:0") {
				t.Error("Has does not know the image's IDs")
			}
		})
	}
}

// The same image is the same bytes, whenever it is made: set-up twice
// gives the same image ID. Another name, mission or architecture is
// another image.
func TestBuiltinIsReproducible(t *testing.T) {
	b := Image{Ref: "my-app:v1", Mission: "zone7", Arch: "amd64", Program: Program{Message: DefaultMessage("my-app:v1")}}
	one, err := b.Archive()
	if err != nil {
		t.Fatal(err)
	}
	two, _ := b.Archive()
	if !bytes.Equal(one.Data, two.Data) {
		t.Fatal("the same builtin image gave two archives")
	}
	for _, other := range []Image{
		{Ref: "my-app:v2", Mission: "zone7", Arch: "amd64", Program: b.Program},
		{Ref: "my-app:v1", Mission: "zone8", Arch: "amd64", Program: b.Program},
		{Ref: "my-app:v1", Mission: "zone7", Arch: "arm64", Program: b.Program},
		{Ref: "my-app:v1", Mission: "zone7", Arch: "amd64", Program: Program{Message: "other\n"}},
	} {
		o, err := other.Archive()
		if err != nil {
			t.Fatal(err)
		}
		if o.Config == one.Config || o.Manifest == one.Manifest {
			t.Errorf("%+v has the ID of %+v", other, b)
		}
	}
	if _, err := (Image{Ref: "my-app@sha256:" + string(bytes.Repeat([]byte("a"), 64)), Arch: "amd64"}).Archive(); err == nil {
		t.Error("a digest reference: no error")
	}
	if _, err := (Image{Ref: "My-App", Arch: "amd64"}).Archive(); err == nil {
		t.Error("an invalid reference: no error")
	}
}

func TestArchOf(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "s390x": "s390x", " X86_64 ": "amd64"} {
		if got := ArchOf(in); got != want {
			t.Errorf("ArchOf(%q) = %q, want %q", in, got, want)
		}
	}
}

type imageConfig struct {
	Config struct {
		Entrypoint []string
		Labels     map[string]string
	} `json:"config"`
}

// config reads the image config out of a builtin archive.
func config(t *testing.T, arc *Archive) imageConfig {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(arc.Data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatal("no config in the archive")
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == blobPath(arc.Config) {
			var c imageConfig
			if err := json.NewDecoder(tr).Decode(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
}
