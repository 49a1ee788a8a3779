package fakeengine

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Engine is a fake Docker daemon speaking one Engine API version.
type Engine struct {
	t          testing.TB
	apiVersion string
	profile    string      // folder under testdata/engine, "" for New
	headers    http.Header // sent with every answer
	ping       http.Header // sent with /_ping answers
	server     *httptest.Server

	mu       sync.Mutex
	stubs    []*stub
	requests []string
	uris     []string
}

type stub struct {
	method, path string
	respond      http.HandlerFunc
	used         bool
}

// The recorded engines (folders of testdata/engine; its README says how
// each was made).
const (
	Docker2010         = "docker-20.10"         // Debian's Docker 20.10.24, API 1.41, overlay2 (recorded)
	Docker29Containerd = "docker-29-containerd" // Docker 29.1, API 1.52, containerd image store (documented shapes)
	Podman43           = "podman-4.3"           // Debian's Podman 4.3.1, API 1.41 (recorded)
	Podman58           = "podman-5.8"           // Podman 5.8, API 1.44 (documented shapes)
)

const (
	headerAPIVersion    = "Api-Version"
	headerContentLength = "Content-Length"
)

// New starts an engine whose /_ping announces apiVersion (e.g. "1.41") in
// its Api-Version header and says nothing else of itself: no Server header,
// so the engine is unknown. Requests for a newer version are refused with
// the daemon's "client version … is too new" error. The engine stops when
// the test ends; a registered response that nobody asked for then fails
// the test.
func New(t testing.TB, apiVersion string) *Engine {
	t.Helper()
	h := http.Header{}
	h.Set(headerAPIVersion, apiVersion)
	h.Set("Ostype", "linux")
	return start(t, "", apiVersion, h, http.Header{})
}

// Start starts an engine that answers as the recorded one in
// testdata/engine/PROFILE: its /_ping carries the recorded headers (Server,
// Api-Version, Libpod-Api-Version…), and Recorded serves its answers.
func Start(t testing.TB, profile string) *Engine {
	t.Helper()
	all, err := readHeaders(Path(t, filepath.Join(profile, "ping.http")))
	if err != nil {
		t.Fatalf("fakeengine: %v", err)
	}
	every, ping := http.Header{}, http.Header{}
	for k, v := range all {
		switch k {
		case headerContentLength, "Content-Type":
		case "Cache-Control", "Pragma", "Builder-Version", "Buildkit-Version", "Swarm":
			ping[k] = v
		default:
			every[k] = v
		}
	}
	v := every.Get(headerAPIVersion)
	if v == "" {
		t.Fatalf("fakeengine: %s/ping.http has no Api-Version", profile)
	}
	return start(t, profile, v, every, ping)
}

func start(t testing.TB, profile, apiVersion string, every, ping http.Header) *Engine {
	e := &Engine{t: t, profile: profile, apiVersion: apiVersion, headers: every, ping: ping}
	e.server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(func() {
		e.server.CloseClientConnections()
		e.server.Close()
		e.verify()
	})
	return e
}

// readHeaders reads a header block as `curl -sI` prints it.
func readHeaders(path string) (http.Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := textproto.NewReader(bufio.NewReader(f))
	if _, err := r.ReadLine(); err != nil { // the status line
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h, err := r.ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return http.Header(h), nil
}

// Path is the path of a file under the repository's testdata/engine,
// found from the test's working directory up.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "engine", rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("fakeengine: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Host is the endpoint to give the client, as tcp://127.0.0.1:port.
func (e *Engine) Host() string {
	return "tcp://" + strings.TrimPrefix(e.server.URL, "http://")
}

// Client is an HTTP client that reaches the engine.
func (e *Engine) Client() *http.Client { return e.server.Client() }

// APIVersion is the version the engine announces.
func (e *Engine) APIVersion() string { return e.apiVersion }

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

// RequestURIs lists the requests received so far with their queries, as
// "GET /v1.41/events?filters=…".
func (e *Engine) RequestURIs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.uris...)
}

// Recorded answers 200 with the file name from the engine's recorded
// folder (Start only).
func (e *Engine) Recorded(name string) http.HandlerFunc {
	e.t.Helper()
	if e.profile == "" {
		e.t.Fatalf("fakeengine: Recorded(%s) on an engine made by New, which has no recordings", name)
	}
	return File(e.t, Path(e.t, filepath.Join(e.profile, name)))
}

// RecordedStatus answers status with the file name from the engine's
// recorded folder: the daemon's own error body.
func (e *Engine) RecordedStatus(status int, name string) http.HandlerFunc {
	e.t.Helper()
	body, err := os.ReadFile(Path(e.t, filepath.Join(e.profile, name)))
	if err != nil {
		e.t.Fatalf("fakeengine: %v", err)
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// versionOf splits /v1.41/info into "1.41" and "/info".
func versionOf(path string) (version, rest string) {
	p, ok := strings.CutPrefix(path, "/v")
	if !ok {
		return "", path
	}
	v, tail, ok := strings.Cut(p, "/")
	major, minor, dot := strings.Cut(v, ".")
	if _, err := strconv.Atoi(major); !ok || !dot || err != nil {
		return "", path
	}
	if _, err := strconv.Atoi(minor); err != nil {
		return "", path
	}
	return v, "/" + tail
}

func (e *Engine) serve(w http.ResponseWriter, r *http.Request) {
	version, path := versionOf(r.URL.Path)
	tooNew := version != "" && newer(version, e.apiVersion)
	e.mu.Lock()
	e.requests = append(e.requests, r.Method+" "+r.URL.Path)
	e.uris = append(e.uris, r.Method+" "+r.URL.RequestURI())
	var match *stub
	for _, s := range e.stubs {
		if !tooNew && !s.used && s.method == r.Method && s.path == path {
			match = s
			s.used = true
			break
		}
	}
	e.mu.Unlock()

	for k, v := range e.headers {
		w.Header()[k] = v
	}
	if path == "/_ping" {
		for k, v := range e.ping {
			w.Header()[k] = v
		}
	}
	switch {
	case tooNew:
		// The daemon's own words (daemon/server/middleware/version.go).
		Error(http.StatusBadRequest, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", version, e.apiVersion))(w, r)
	case match != nil:
		match.respond(w, r)
	case path == "/_ping":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
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

// Hang never answers: it waits until the client gives up.
func Hang() http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
}

// Stream answers 200 as an event stream does: contentType
// (application/json before API 1.52; application/x-ndjson,
// application/jsonl or application/json-seq after), then body, flushed,
// then nothing until the client goes away.
func Stream(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		<-r.Context().Done()
	}
}
