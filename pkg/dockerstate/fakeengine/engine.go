package fakeengine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Engine is a fake Docker daemon speaking one Engine API version.
type Engine struct {
	t          testing.TB
	apiVersion string
	server     *httptest.Server

	mu       sync.Mutex
	stubs    []*stub
	requests []string
}

type stub struct {
	method, path string
	respond      http.HandlerFunc
	used         bool
}

// New starts an engine whose /_ping announces apiVersion (e.g. "1.41") in
// its API-Version header, as the daemon does. Requests for a newer version
// are refused with the daemon's "client version … is too new" error. The
// engine stops when the test ends; a registered response that nobody asked
// for then fails the test.
func New(t testing.TB, apiVersion string) *Engine {
	t.Helper()
	e := &Engine{t: t, apiVersion: apiVersion}
	e.server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(func() {
		e.server.Close()
		e.verify()
	})
	return e
}

// Host is the endpoint to give the client, as tcp://127.0.0.1:port.
func (e *Engine) Host() string {
	return "tcp://" + strings.TrimPrefix(e.server.URL, "http://")
}

// Client is an HTTP client that reaches the engine.
func (e *Engine) Client() *http.Client { return e.server.Client() }

// Register answers the next request for method and path with respond. The
// path is unversioned ("/info", "/images/nginx:latest/json") and matches
// with or without the /v1.xx prefix. Each registration answers once;
// register twice to answer twice. Registering "/_ping" replaces the
// built-in answer for one ping.
func (e *Engine) Register(method, path string, respond http.HandlerFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stubs = append(e.stubs, &stub{method: method, path: path, respond: respond})
}

// Requests lists the requests received so far, as "GET /v1.41/info".
func (e *Engine) Requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.requests...)
}

var versioned = regexp.MustCompile(`^/v(1\.[0-9]+)(/.*)$`)

func (e *Engine) serve(w http.ResponseWriter, r *http.Request) {
	path, version := r.URL.Path, ""
	if m := versioned.FindStringSubmatch(path); m != nil {
		version, path = m[1], m[2]
	}
	tooNew := version != "" && newer(version, e.apiVersion)
	e.mu.Lock()
	e.requests = append(e.requests, r.Method+" "+r.URL.Path)
	var match *stub
	for _, s := range e.stubs {
		if !tooNew && !s.used && s.method == r.Method && s.path == path {
			match = s
			s.used = true
			break
		}
	}
	e.mu.Unlock()

	w.Header().Set("API-Version", e.apiVersion)
	w.Header().Set("OSType", "linux")
	switch {
	case tooNew:
		// The daemon's own words (daemon/server/middleware/version.go).
		Error(http.StatusBadRequest, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", version, e.apiVersion))(w, r)
	case match != nil:
		match.respond(w, r)
	case path == "/_ping":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte("OK"))
		}
	default:
		e.t.Errorf("fakeengine: no response registered for %s %s", r.Method, r.URL.Path)
		Error(http.StatusNotImplemented, "fakeengine: no response registered for "+r.Method+" "+path)(w, r)
	}
}

func (e *Engine) verify() {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.stubs {
		if !s.used {
			e.t.Errorf("fakeengine: %s %s was registered but never requested", s.method, s.path)
		}
	}
}

// newer reports whether API version a is after b ("1.52" after "1.41").
func newer(a, b string) bool {
	var amaj, amin, bmaj, bmin int
	fmt.Sscanf(a, "%d.%d", &amaj, &amin)
	fmt.Sscanf(b, "%d.%d", &bmaj, &bmin)
	return amaj > bmaj || amaj == bmaj && amin > bmin
}

// JSON answers 200 with body as application/json.
func JSON(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}

// File answers 200 with the JSON in the file at path, read now.
func File(t testing.TB, path string) http.HandlerFunc {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fakeengine: %v", err)
	}
	return JSON(body)
}

// Error answers status with the daemon's error body, {"message": …}.
func Error(status int, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
	}
}

// Slow waits for d, or until the client gives up, before answering with
// respond.
func Slow(d time.Duration, respond http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			respond(w, r)
		case <-r.Context().Done():
		}
	}
}
