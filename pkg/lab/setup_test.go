package lab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/builtin"

	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

// On the recorded engines (Docker 20.10 says x86_64, Podman amd64), set-up
// refuses a name that holds another image without sending any load, and
// with Force loads academy's image and checks the ID the daemon gave it.
func TestSetupOnRecordedEngines(t *testing.T) {
	for _, tt := range []struct {
		profile, ref string
	}{
		{fakeengine.Docker2010, "academy-rec-c4f20e6e/my-app:v1"},
		{fakeengine.Podman43, "academy-rec-f209fce7/my-app:v1"},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			ours, err := builtin.Image{Ref: tt.ref, Mission: "zone7", Arch: "amd64", Program: builtin.Program{Message: builtin.DefaultMessage(tt.ref)}}.Archive()
			if err != nil {
				t.Fatal(err)
			}
			inspect := "/images/" + tt.ref + "/json"
			p := planFor(t, "zone7", map[string]string{"image": tt.ref})

			e := fakeengine.Start(t, tt.profile)
			e.Register("GET", "/info", e.Recorded("info.json"))
			e.Register("GET", inspect, e.Recorded("image-imported.json"))
			d := open(t, e)
			_, err = Setup(context.Background(), d, dockerstate.NewWriter(d), p.Mission, SetupOptions{})
			var conflict *ConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("err = %v, want a conflict", err)
			}
			for _, r := range e.Requests() {
				if strings.Contains(r, "/images/load") {
					t.Errorf("a refused set-up sent %s", r)
				}
			}

			e = fakeengine.Start(t, tt.profile)
			e.Register("GET", "/info", e.Recorded("info.json"))
			e.Register("GET", inspect, e.Recorded("image-imported.json"))
			e.Register("POST", "/images/load", fakeengine.JSON([]byte(`{"stream":"Loaded image: `+tt.ref+`\n"}`)))
			e.Register("GET", inspect, fakeengine.JSON([]byte(fmt.Sprintf(`{"Id":%q,"RepoTags":[%q]}`, ours.Config, tt.ref))))
			d = open(t, e)
			res, err := Setup(context.Background(), d, dockerstate.NewWriter(d), p.Mission, SetupOptions{Force: true})
			if err != nil {
				t.Fatal(err)
			}
			if img := res.Images[0]; img.Action != Replaced || img.ID != ours.Config.String() || !img.Runnable || res.Arch != "amd64" {
				t.Errorf("forced set-up: %+v (arch %s)", img, res.Arch)
			}
		})
	}
}

// A load the daemon refuses in its stream, or one after which the name is
// not academy's image, is an error, not a success.
func TestSetupNoticesAFailedLoad(t *testing.T) {
	const ref = "academy-rec-c4f20e6e/my-app:v1"
	p := planFor(t, "zone7", map[string]string{"image": ref})
	inspect := "/images/" + ref + "/json"
	for _, tt := range []struct {
		name  string
		after http.HandlerFunc
		load  string
		want  string
	}{
		{"refused in the stream", nil, `{"errorDetail":{"message":"invalid diffID"},"error":"invalid diffID"}`, "invalid diffID"},
		{"another ID after", fakeengine.JSON([]byte(`{"Id":"sha256:4f1c0000000000000000000000000000000000000000000000000000000000aa","RepoTags":["` + ref + `"]}`)),
			`{"stream":"Loaded image: ` + ref + `\n"}`, "not as academy's image"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, fakeengine.Docker2010)
			e.Register("GET", "/info", e.Recorded("info.json"))
			e.Register("GET", inspect, e.RecordedStatus(http.StatusNotFound, "image-missing.json"))
			e.Register("POST", "/images/load", fakeengine.JSON([]byte(tt.load)))
			if tt.after != nil {
				e.Register("GET", inspect, tt.after)
			}
			d := open(t, e)
			_, err := Setup(context.Background(), d, dockerstate.NewWriter(d), p.Mission, SetupOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func open(t *testing.T, e *fakeengine.Engine) *dockerstate.Daemon {
	t.Helper()
	d, err := dockerstate.Open(dockerstate.Options{Host: e.Host(), HTTPClient: e.Client(), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
