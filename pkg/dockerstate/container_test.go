package dockerstate

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

func TestContainer(t *testing.T) {
	tests := []struct {
		name    string
		profile string
		file    string
		want    Container
	}{
		{
			name: "docker 20.10, running", profile: fakeengine.Docker2010, file: "container-running.json",
			want: Container{
				ID:      "5177e6120ebf4ee2e84c704bc2e75b6094bc09b9449786f31c05d0617a5e2a58",
				Name:    "academy-rec-c4f20e6e-web",
				ImageID: "sha256:508f32503c43860381d006fb5a1c1941aa91a0d220ca4551994bd62c3ce63372",
				Image:   "academy-rec-c4f20e6e/app:v1",
				Running: true, Status: "running",
				Labels: map[string]string{"academy.role": "web", "academy.test": "record"},
			},
		},
		{
			name: "docker 20.10, created, never started", profile: fakeengine.Docker2010, file: "container-created.json",
			want: Container{
				ID:      "22e334ddceafcb6f1ff6d99d250a10a53985272d40cdc3c7ee531b27e1f2ebef",
				Name:    "academy-rec-c4f20e6e-idle",
				ImageID: "sha256:508f32503c43860381d006fb5a1c1941aa91a0d220ca4551994bd62c3ce63372",
				Image:   "academy-rec-c4f20e6e/app:v1",
				Status:  "created",
				Labels:  map[string]string{"academy.test": "record"},
			},
		},
		{
			name: "docker 29, containerd store: restarted twice", profile: fakeengine.Docker29Containerd, file: "container-running.json",
			want: Container{
				ID:      "0fa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f",
				Name:    "web",
				ImageID: "sha256:b6f5b9c4d3e2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6",
				Image:   "nginx",
				Running: true, Status: "running", RestartCount: 2,
				Labels: map[string]string{"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>", "academy.role": "web"},
			},
		},
		{
			name: "podman 4.3: the image name fully qualified", profile: fakeengine.Podman43, file: "container-running.json",
			want: Container{
				ID:      "461feb3532c97219da82da2c14b748260daf28fc155e29db629df0df478d744e",
				Name:    "academy-rec-f209fce7-web",
				ImageID: "sha256:2ba0c66705d0c54b491985e5f6343762f71bfc0d5f2dad914215da80332be3f1",
				Image:   "docker.io/academy-rec-f209fce7/app:v1",
				Running: true, Status: "running",
				Labels: map[string]string{"academy.role": "web", "academy.test": "record", "io.buildah.version": "1.28.2"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, tt.profile)
			e.Register("GET", "/containers/web/json", e.Recorded(tt.file))
			d := openFake(t, e, 0)
			got, err := d.Container(context.Background(), "web")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Container =\n%#v\nwant\n%#v", got, tt.want)
			}
			assertRequests(t, e, "HEAD /_ping", "GET /v"+e.APIVersion()+"/containers/web/json")
		})
	}
}

func TestContainerNotFound(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	// The daemon's own words (Docker 20.10).
	e.Register("GET", "/containers/web/json", fakeengine.Error(http.StatusNotFound, "No such container: web"))
	d := openFake(t, e, 0)
	for _, name := range []string{"web", "", "  "} {
		_, err := d.Container(context.Background(), name)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Container(%q) = %v, want ErrNotFound", name, err)
		}
		var reqErr *RequestError
		if errors.As(err, &reqErr) {
			t.Errorf("a missing container is not a daemon error: %v", err)
		}
	}
	// An empty name is not asked of the daemon.
	assertRequests(t, e, "HEAD /_ping", "GET /v1.41/containers/web/json")
}

// A paused container is not running, though the API's State.Running stays
// true; nor is one the daemon could not start, whose error is kept.
func TestContainerPausedIsNotRunning(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/containers/web/json", fakeengine.JSON([]byte(`{"Id":"abc","Name":"/web","Image":"sha256:1",
"State":{"Status":"paused","Running":true,"Paused":true},"Config":{"Image":"app:v1"}}`)))
	e.Register("GET", "/containers/idle/json", fakeengine.JSON([]byte(`{"Id":"def","Name":"/idle","Image":"sha256:1",
"State":{"Status":"created","Running":false,"Error":"could not find bridge docker0"},"Config":{"Image":"app:v1"}}`)))
	d := openFake(t, e, 0)
	c, err := d.Container(context.Background(), "web")
	if err != nil || c.Running || c.Status != "paused" {
		t.Errorf("paused: %+v, %v; want not running", c, err)
	}
	c, err = d.Container(context.Background(), "idle")
	if err != nil || c.Running || c.Error != "could not find bridge docker0" {
		t.Errorf("never started: %+v, %v; want its error", c, err)
	}
}
