package dockerstate

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/academy-dev/academy/pkg/dockerstate/fakeengine"
)

func TestWriterRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		register func(e *fakeengine.Engine)
		call     func(w *Writer) error
		want     string // the request, with its query
	}{
		{
			name: "tag",
			register: func(e *fakeengine.Engine) {
				e.Register("POST", "/images/my-app:v1/tag", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) })
			},
			call: func(w *Writer) error { return w.Tag(ctx, "my-app:v1", "cloudcorp/my-app:latest") },
			want: "POST /v1.41/images/my-app:v1/tag?repo=docker.io%2Fcloudcorp%2Fmy-app&tag=latest",
		},
		{
			name: "untag: noprune, never force",
			register: func(e *fakeengine.Engine) {
				e.Register("DELETE", "/images/cloudcorp/my-app:latest", fakeengine.JSON([]byte(`[{"Untagged":"cloudcorp/my-app:latest"}]`)))
			},
			call: func(w *Writer) error { return w.Untag(ctx, "cloudcorp/my-app:latest") },
			want: "DELETE /v1.41/images/cloudcorp/my-app:latest?noprune=1",
		},
		{
			name: "remove a container",
			register: func(e *fakeengine.Engine) {
				e.Register("DELETE", "/containers/web", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
			},
			call: func(w *Writer) error { return w.RemoveContainer(ctx, "web", true) },
			want: "DELETE /v1.41/containers/web?force=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fakeengine.Start(t, fakeengine.Docker2010)
			tt.register(e)
			w := NewWriter(openFake(t, e, 0))
			if err := tt.call(w); err != nil {
				t.Fatal(err)
			}
			uris := e.RequestURIs()
			if got := uris[len(uris)-1]; got != tt.want {
				t.Errorf("request = %s, want %s", got, tt.want)
			}
		})
	}
}

// Untag takes a NAME:TAG only: an ID or a digest would delete an image
// whatever names it has.
func TestUntagRefusesWhatIsNotATag(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	w := NewWriter(openFake(t, e, 0))
	for _, ref := range []string{
		"my-app",
		"sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e",
		"3b110f1edda6",
		"nginx@sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e",
		"nginx:1.25@sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e",
		"My-App:v1",
		"",
	} {
		if err := w.Untag(context.Background(), ref); err == nil || !strings.Contains(err.Error(), "untagging") {
			t.Errorf("Untag(%q) = %v, want a refusal", ref, err)
		}
	}
	if got := e.Requests(); len(got) != 0 {
		t.Errorf("requests = %q, want none", got)
	}
}

func TestWriterNotFound(t *testing.T) {
	e := fakeengine.Start(t, fakeengine.Docker2010)
	e.Register("POST", "/images/nope:v1/tag", fakeengine.Error(http.StatusNotFound, "No such image: nope:v1"))
	e.Register("DELETE", "/images/nope:v1", fakeengine.Error(http.StatusNotFound, "No such image: nope:v1"))
	e.Register("DELETE", "/containers/nope", fakeengine.Error(http.StatusNotFound, "No such container: nope"))
	w := NewWriter(openFake(t, e, 0))
	ctx := context.Background()
	for name, err := range map[string]error{
		"tag":    w.Tag(ctx, "nope:v1", "x:v1"),
		"untag":  w.Untag(ctx, "nope:v1"),
		"remove": w.RemoveContainer(ctx, "nope", false),
	} {
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%s = %v, want ErrNotFound naming nope", name, err)
		}
	}
}

// A load reports in its answer's stream, not its status: both what was
// loaded and why it failed.
func TestLoad(t *testing.T) {
	stream := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				t.Error(err)
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}
	}
	t.Run("loaded", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		// Docker 20.10's answer to docker load -q of a tagged and an untagged image.
		e.Register("POST", "/images/load", stream(`{"stream":"Loaded image: my-app:v1\n"}`+"\n"+
			`{"stream":"Loaded image ID: sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e\n"}`+"\n"))
		w := NewWriter(openFake(t, e, 0))
		got, err := w.Load(context.Background(), strings.NewReader("a tar"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"my-app:v1", "sha256:3b110f1edda6cb4f3fd93b90374ed63ed85d479ae61ae0846102ca378524162e"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Load = %q, want %q", got, want)
		}
		if uris := e.RequestURIs(); uris[len(uris)-1] != "POST /v1.41/images/load?quiet=1" {
			t.Errorf("request = %s", uris[len(uris)-1])
		}
	})
	t.Run("refused", func(t *testing.T) {
		e := fakeengine.Start(t, fakeengine.Docker2010)
		e.Register("POST", "/images/load", stream(`{"errorDetail":{"message":"invalid diffID for layer 0: expected sha256:aa, got sha256:bb"},"error":"invalid diffID for layer 0: expected sha256:aa, got sha256:bb"}`+"\n"))
		w := NewWriter(openFake(t, e, 0))
		_, err := w.Load(context.Background(), strings.NewReader("a tar"))
		assertRequestError(t, err, e.Host(), "docker load: invalid diffID", "academy archive verify")
	})
}
