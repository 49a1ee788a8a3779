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

func TestUnusedAndUnexpected(t *testing.T) {
	r := &recorder{TB: t}
	e := New(r, "1.41")
	e.Register("GET", "/info", JSON([]byte(`{}`)))
	e.Register("GET", "/images/nginx/json", JSON([]byte(`{}`)))

	get := func(path string) int {
		resp, err := e.Client().Get(e.server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/v1.41/info"); got != http.StatusOK {
		t.Errorf("registered GET /v1.41/info = %d, want 200", got)
	}
	if got := get("/v1.41/info"); got != http.StatusNotImplemented {
		t.Errorf("second GET /v1.41/info = %d, want 501: each registration answers once", got)
	}
	if got := get("/v1.52/images/nginx/json"); got != http.StatusBadRequest {
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
	get("/v1.41/images/nginx/json")
	r.errors = nil
}
