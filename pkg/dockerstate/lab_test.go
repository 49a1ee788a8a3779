package dockerstate

import (
	"context"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

// Lists drop API 1.41's placeholders for images without a name, and
// containers' names their leading slash.
func TestImageAndContainerLists(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("GET", "/images/json", fakeengine.JSON([]byte(`[
		{"Id":"sha256:aa","RepoTags":["<none>:<none>"],"RepoDigests":["<none>@<none>"]},
		{"Id":"sha256:bb","RepoTags":["my-app:v1","cloudcorp/my-app:latest"],"RepoDigests":[],"Labels":{"dev.academy.mission":"zone7"}}]`)))
	e.Register("GET", "/containers/json", fakeengine.JSON([]byte(`[{"Id":"c1","Names":["/my-app"],"ImageID":"sha256:bb","State":"running"}]`)))
	d := openFake(t, e, 0)
	imgs, err := d.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || len(imgs[0].RepoTags) != 0 || len(imgs[0].RepoDigests) != 0 || len(imgs[1].RepoTags) != 2 || imgs[1].Labels["dev.academy.mission"] != "zone7" {
		t.Errorf("images = %+v", imgs)
	}
	ctrs, err := d.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ctrs) != 1 || ctrs[0].Name != "my-app" || ctrs[0].State != "running" || ctrs[0].ImageID != "sha256:bb" {
		t.Errorf("containers = %+v", ctrs)
	}
	for _, r := range e.RequestURIs() {
		if strings.HasPrefix(r, "GET /v1.41/containers/json") && !strings.Contains(r, "all=1") {
			t.Errorf("%s lists running containers only", r)
		}
	}
}

// A push or pull the registry refuses, in the stream, is an error; without
// credentials, the request says so as the docker CLI does.
func TestPushAndPull(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("POST", "/images/127.0.0.1:5000/x/push", fakeengine.JSON([]byte(`{"status":"The push refers to repository [127.0.0.1:5000/x]"}
{"errorDetail":{"message":"connection refused"},"error":"connection refused"}`)))
	e.Register("POST", "/images/create", fakeengine.JSON([]byte(`{"status":"Pulling from x"}
{"status":"Digest: sha256:aa"}`)))
	w := NewWriter(openFake(t, e, 0))
	if err := w.Push(context.Background(), "127.0.0.1:5000/x:latest"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("push: %v, want the registry's refusal", err)
	}
	if err := w.Pull(context.Background(), "127.0.0.1:5000/x:latest"); err != nil {
		t.Errorf("pull: %v", err)
	}
	if err := w.Push(context.Background(), "Not A Ref"); err == nil {
		t.Error("an invalid reference was pushed")
	}
}
