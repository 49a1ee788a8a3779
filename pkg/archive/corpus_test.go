package archive

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpus judges every archive of testdata/archives, written by real
// tools (testdata/archives/README.md says which, how, and what Docker
// 20.10 and Docker 29 with either image store made of each), and expects
// the loaders' verdict: valid with the right names and IDs where a loader
// takes it, invalid where none does.
func TestCorpus(t *testing.T) {
	const (
		appConfig     = "sha256:461ecf8779064e9327bdbe8e11f7ec02760349cab223dc0048835fc8662a1ee9"
		ociAppConfig  = "sha256:9e1999211ddf4126e6926417ad00faa3d044565aa07c7686e0d32924d0790607" // skopeo and podman convert the config to OCI
		ociAppTarget  = "sha256:3f2ba1c5d8cac53956c342afb2b7451a244988bd9521a776ad1e405092febfaa"
		craneConfig   = "sha256:8fb5ed9766e47808f08b7765a6599b5ee4d4593f3f16dff8c40c2013b47dc33b"
		ggcrImage1    = "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e"
		tooShortNames = "docker load keeps it as written"
	)
	valid := []struct {
		file, format, compression string
		config, target            string
		tags, names, warning      string
	}{
		{"docker20-app.tar.gz", "docker", "gzip", appConfig, "", "academy-fixture/app:v1", "", ""},
		{"docker20-app-long27.tar.zst", "docker", "zstd", appConfig, "", "academy-fixture/app:v1", "", ""},
		{"docker20-app-ultra22.tar.zst", "docker", "zstd", appConfig, "", "academy-fixture/app:v1", "", ""},
		{"docker20-app-pzstd.tar.zst", "docker", "zstd", appConfig, "", "academy-fixture/app:v1", "", ""},
		{"docker29-graphdriver-app.tar", "oci", "", appConfig, "sha256:1f824f6b19e6112c0a11c609a20ee3a7eefb6479b385b75eb3f1a2c02b288c56",
			"academy-fixture/app:v1", "docker.io/academy-fixture/app:v1", ""},
		{"docker29-containerd-app.tar", "containerd", "", appConfig, "sha256:b4f38244b54d502d33617a4f30dcf17594f8bc5dc8cdc360547a512b900be1bf",
			"academy-fixture/app:v1", "docker.io/academy-fixture/app:v1", ""},
		{"docker29-containerd-two-tags.tar", "containerd", "", appConfig, "sha256:b4f38244b54d502d33617a4f30dcf17594f8bc5dc8cdc360547a512b900be1bf",
			"academy-fixture/app:v1,academy-fixture/app:latest", "docker.io/academy-fixture/app:v1,docker.io/academy-fixture/app:latest", ""},
		{"docker29-containerd-by-id.tar", "containerd", "", appConfig, "sha256:b4f38244b54d502d33617a4f30dcf17594f8bc5dc8cdc360547a512b900be1bf", "", "", ""},
		{"podman-docker.tar", "podman", "", appConfig, "", "localhost/academy-fixture/app:v1", "", ""},
		{"podman-oci.tar", "oci-layout", "", ociAppConfig, ociAppTarget, "", "localhost/academy-fixture/app:v1", ""},
		{"skopeo-docker.tar", "podman", "", appConfig, "", "docker.io/academy-fixture/app:v1", "", ""},
		{"skopeo-oci.tar", "oci-layout", "", ociAppConfig, ociAppTarget, "", "", tooShortNames},
		{"buildah-oci.tar", "oci-layout", "", "sha256:2eff08fb828eb0e1e91ea37338c118fde62077fdc91085d28c0739e115451601",
			"sha256:bd73edeac8a3b13d01df22663858f49d3bcec120acdb7cc89208a5f42d24c632", "", "", tooShortNames},
		{"umoci-oci.tar", "oci-layout", "", "sha256:4c29aeb468725959fd7a604176a8ad3e3d49d99ce0c4fc4e1598cf1a12b17d5e",
			"sha256:a52f3782523a8198e8bb7e4eeaad4f53e8df5c5de13ffc3cb05f2333bb43771f", "", "", "docker.io/library/v1:latest"},
		{"crane-docker.tar", "docker", "", craneConfig, "", "academy-fixture/crane:v1", "", ""},
		{"crane-oci-base.tar", "docker", "", craneConfig, "", "academy-fixture/crane:v1", "", ""},
		{"crane-oci.tar", "oci-layout", "", craneConfig, "sha256:6dc5797114a8732163bdf999c22136bcd5512308b4b33e52277c6d4ea0250c5a", "", "", ""},
		{"ggcr-hello-world-v25.tar", "oci", "", "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44", "", "", "", ""},
		{"ggcr-test_image_1.tar", "docker", "", ggcrImage1, "", "bazel/v1/tarball:test_image_1", "", ""},
		{"ggcr-test_image_2.tar", "docker", "", "sha256:930705ce23e3b6ed4c08746b6fe880089c864fbaf62482702ae3fdd66b8c7fe9", "", "bazel/v1/tarball:test_image_2", "", ""},
		{"ggcr-test_link.tar", "docker", "", ggcrImage1, "", "bazel/v1/tarball:test_image_1", "", ""},
		{"ggcr-test_load_manifest.tar", "docker", "", ggcrImage1, "", "bazel/v1/tarball:test_image_1", "", ""},
	}
	for _, tc := range valid {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := VerifyFile(context.Background(), filepath.Join(corpus, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := verifyBoth(t, readFixture(t, tc.file)); err != nil {
				t.Fatal(err)
			}
			if string(rep.Format) != tc.format || rep.Compression != tc.compression {
				t.Errorf("format %q compression %q, want %q %q", rep.Format, rep.Compression, tc.format, tc.compression)
			}
			img := rep.Images[0]
			if string(img.Config) != tc.config || string(img.Target) != tc.target {
				t.Errorf("config %s target %s, want %s %s", img.Config, img.Target, tc.config, tc.target)
			}
			if got := strings.Join(img.RepoTags, ","); !strings.HasPrefix(got, tc.tags) {
				t.Errorf("RepoTags %q, want %q", got, tc.tags)
			}
			if got := strings.Join(img.Names, ","); got != tc.names {
				t.Errorf("Names %q, want %q", got, tc.names)
			}
			if got := strings.Join(rep.Warnings, "\n"); (tc.warning == "") != (got == "") || !strings.Contains(got, tc.warning) {
				t.Errorf("warnings %q, want one saying %q", got, tc.warning)
			}
		})
	}

	for _, tc := range []struct{ file, want string }{
		{"docker20-app-long28.tar.zst", "256.0 MiB window, more than the 128.0 MiB academy accepts"},
		{"skopeo-oci-no-layout.tar", "no oci-layout file"},
		{"ggcr-no_manifest.tar", "neither manifest.json nor index.json"},
		{"ggcr-null_manifest.tar", "manifest.json"},
		{"ggcr-test_bundle.tar", "names the image test_image_2 without a tag"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := verifyBoth(t, readFixture(t, tc.file))
			wantInvalid(t, err, tc.want)
		})
	}
}
