package fakeengine

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recorder notes the errors the engine reports instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}

func get(t *testing.T, e *Engine, method, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestUnusedAndUnexpected(t *testing.T) {
	r := &recorder{TB: t}
	e := New(r, "1.41")
	e.Register("GET", "/info", JSON([]byte(`{}`)))
	e.Register("GET", "/images/nginx/json", JSON([]byte(`{}`)))

	if got := get(t, e, "GET", "/v1.41/info").StatusCode; got != http.StatusOK {
		t.Errorf("registered GET /v1.41/info = %d, want 200", got)
	}
	if got := get(t, e, "GET", "/v1.41/info").StatusCode; got != http.StatusNotImplemented {
		t.Errorf("second GET /v1.41/info = %d, want 501: each registration answers once", got)
	}
	if got := get(t, e, "GET", "/v1.52/images/nginx/json").StatusCode; got != http.StatusBadRequest {
		t.Errorf("GET at a newer API version = %d, want 400", got)
	}
	e.verify()

	want := []string{
		"no response registered for GET /v1.41/info",
		"GET /images/nginx/json was registered but never requested",
	}
	if len(r.errors) != len(want) {
		t.Fatalf("errors = %q, want %d", r.errors, len(want))
	}
	for i, w := range want {
		if !strings.Contains(r.errors[i], w) {
			t.Errorf("error %d = %q, want it to contain %q", i, r.errors[i], w)
		}
	}
	// Everything is used now, so the cleanup's own check stays quiet.
	get(t, e, "GET", "/v1.41/images/nginx/json")
	r.errors = nil
}

// Every recorded engine answers its ping with the recorded headers, and
// the same identity headers on every other answer, as the daemons do.
func TestStartRecorded(t *testing.T) {
	tests := []struct {
		profile, apiVersion, server, libpod string
	}{
		{Docker2010, "1.41", "Docker/20.10.24+dfsg1 (linux)", ""},
		{Docker29Containerd, "1.52", "Docker/29.1.3 (linux)", ""},
		{Podman43, "1.41", "Libpod/4.3.1 (linux)", "4.3.1"},
		{Podman58, "1.44", "Libpod/5.8.2 (linux)", "5.8.2"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			e := Start(t, tt.profile)
			e.Register("GET", "/info", e.Recorded("info.json"))
			if e.APIVersion() != tt.apiVersion {
				t.Errorf("APIVersion = %s, want %s", e.APIVersion(), tt.apiVersion)
			}
			for _, path := range []string{"/_ping", "/v" + tt.apiVersion + "/info"} {
				resp := get(t, e, "GET", path)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s = %d", path, resp.StatusCode)
				}
				h := resp.Header
				if h.Get("Api-Version") != tt.apiVersion || h.Get("Server") != tt.server || h.Get("Libpod-Api-Version") != tt.libpod {
					t.Errorf("%s headers = %v", path, h)
				}
			}
		})
	}
}

func TestVersionOf(t *testing.T) {
	for path, want := range map[string][2]string{
		"/v1.41/info":              {"1.41", "/info"},
		"/_ping":                   {"", "/_ping"},
		"/v1.x/info":               {"", "/v1.x/info"},
		"/volumes":                 {"", "/volumes"},
		"/v1.52/images/a:b/json":   {"1.52", "/images/a:b/json"},
		"/v10.0/containers/x/json": {"10.0", "/containers/x/json"},
	} {
		v, rest := versionOf(path)
		if v != want[0] || rest != want[1] {
			t.Errorf("versionOf(%s) = %q, %q; want %q", path, v, rest, want)
		}
	}
}
