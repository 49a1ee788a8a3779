package class

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/academy-dev/academy/missions"
	"github.com/academy-dev/academy/pkg/check"
	"github.com/academy-dev/academy/pkg/dockerstate"
	"github.com/academy-dev/academy/pkg/mission"
)

func TestParseHosts(t *testing.T) {
	good := `# the class of Tuesday
pc1 tcp://10.0.0.1:2376
  pc2   ssh://ada@pc2   digest=nginx@sha256:abc   # Ada answered by mail
unix:///var/run/docker.sock

`
	hosts, err := ParseHosts("class.txt", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 3 || hosts[0].Name != "pc1" || hosts[1].Endpoint != "ssh://ada@pc2" ||
		hosts[1].Answers["digest"] != "nginx@sha256:abc" || hosts[2].Name != "unix:///var/run/docker.sock" {
		t.Errorf("hosts = %+v", hosts)
	}
	bad := []struct{ in, want string }{
		{"pc1\n", "class.txt:1: expected '[NAME] ENDPOINT'"},
		{"pc1 tcp://a\npc1 tcp://b\n", "class.txt:2: the name pc1 is already used on line 1"},
		{"a tcp://x\nb tcp://x\n", "class.txt:2: the endpoint tcp://x is already on line 1"},
		{"pc1 tcp://a oops\n", `class.txt:1: "oops": after the endpoint, only answers`},
		{"p\x1bc tcp://a\n", "class.txt:1: the name"},
		{"# nobody\n", "class.txt:1: no hosts"},
		{strings.Repeat("x", 5000) + "\n", "class.txt:1: a line is longer than 4096 bytes"},
	}
	for _, tt := range bad {
		_, err := ParseHosts("class.txt", strings.NewReader(tt.in))
		var fe *FileError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// daemon is a simulated Docker 20.10 on loopback: every request takes delay;
// hang makes it never answer. The zone7 lab on it is complete but for the
// archive.
type daemon struct {
	delay    time.Duration
	hang     bool
	requests atomic.Int64
}

func (d *daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.requests.Add(1)
	if d.hang {
		<-r.Context().Done()
		return
	}
	select {
	case <-time.After(d.delay):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Api-Version", "1.41")
	w.Header().Set("Server", "Docker/20.10.24 (linux)")
	path := r.URL.Path
	if i := strings.Index(path[1:], "/"); strings.HasPrefix(path, "/v1.") && i > 0 {
		path = path[i+1:]
	}
	switch {
	case path == "/_ping":
		fmt.Fprint(w, "OK")
	case path == "/info":
		fmt.Fprint(w, `{"ServerVersion":"20.10.24","Driver":"overlay2","DriverStatus":[]}`)
	case strings.HasPrefix(path, "/images/") && strings.HasSuffix(path, "/json"):
		ref, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(path, "/images/"), "/json"))
		if !strings.Contains(ref, ":") {
			ref += ":latest" // as the daemon prints a name it was asked by
		}
		img := map[string]any{"Id": "sha256:" + strings.Repeat("a", 64), "RepoTags": []string{ref},
			"RepoDigests": []string{"nginx@sha256:" + strings.Repeat("b", 64)}, "Os": "linux", "Architecture": "amd64"}
		json.NewEncoder(w).Encode(img)
	default:
		http.NotFound(w, r)
	}
}

func zone7Plan(t testing.TB) *check.Plan {
	m, err := mission.NewCatalog(missions.FS).Find("zone7")
	if err != nil {
		t.Fatal(err)
	}
	x, err := m.Expand(nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := check.Compile(x)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func serve(t testing.TB, d *daemon) string {
	s := httptest.NewServer(d)
	t.Cleanup(s.Close)
	return "tcp://" + strings.TrimPrefix(s.URL, "http://")
}

func open(h Host) (Daemon, error) {
	return dockerstate.Open(dockerstate.Options{Host: h.Endpoint, Timeout: 5 * time.Second})
}

// Healthy, slow, hanging and unreachable hosts in one class: each gets its
// row, the hanging one within its deadline, and none holds up the others.
func TestCheckMixedClass(t *testing.T) {
	hang := &daemon{hang: true}
	hosts := []Host{
		{Name: "healthy", Endpoint: serve(t, &daemon{})},
		{Name: "slow", Endpoint: serve(t, &daemon{delay: 50 * time.Millisecond})},
		{Name: "hanging", Endpoint: serve(t, hang)},
		{Name: "off", Endpoint: "tcp://127.0.0.1:1"},
		{Name: "answered", Endpoint: serve(t, &daemon{}), Answers: map[string]string{"digest": "nginx@sha256:" + strings.Repeat("b", 64)}},
	}
	p := zone7Plan(t)
	const deadline = 500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rs, err := Check(ctx, p, nil, hosts, Options{Open: open, HostTimeout: deadline, Dir: t.TempDir(), Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the class was not done before the test's own deadline")
	}
	status := func(r *check.Result, id string) check.Status {
		for _, o := range r.Objectives {
			if o.ID == id {
				return o.Status
			}
		}
		return ""
	}
	for i, want := range []struct {
		multiTag, digest check.Status
		says             string
	}{
		{check.Pass, check.Fail, ""},
		{check.Pass, check.Fail, ""},
		{check.Error, check.Error, "did not finish in time"},
		{check.Error, check.Error, "docker daemon at tcp://127.0.0.1:1"},
		{check.Pass, check.Pass, ""},
	} {
		r := rs[i]
		if r.Host != hosts[i].Name {
			t.Errorf("result %d is for %q, want %q", i, r.Host, hosts[i].Name)
		}
		if got := status(r, "multi-tag"); got != want.multiTag {
			t.Errorf("%s: multi-tag = %s, want %s", r.Host, got, want.multiTag)
		}
		if got := status(r, "digest"); got != want.digest {
			t.Errorf("%s: digest = %s, want %s", r.Host, got, want.digest)
		}
		if want.says != "" && !strings.Contains(r.Objectives[0].Checks[0].Message, want.says) {
			t.Errorf("%s: message %q, want it to say %q", r.Host, r.Objectives[0].Checks[0].Message, want.says)
		}
	}
}

// Ctrl-C ends a class at once, hanging hosts and all.
func TestCheckYieldsToCancel(t *testing.T) {
	var hosts []Host
	for i := range 40 {
		hosts = append(hosts, Host{Name: fmt.Sprint("pc", i), Endpoint: serve(t, &daemon{hang: true})})
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := Check(ctx, zone7Plan(t), nil, hosts, Options{Open: open, HostTimeout: time.Hour, Dir: t.TempDir()})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the class went on after cancellation")
	}
}

// BenchmarkClass checks 200 simulated daemons that take 50 ms to answer each
// request, with the default concurrency, against one such daemon alone (the
// baseline): the ratio says how many single checks a class costs.
//
//	go test -run '^$' -bench Class -benchtime 3x ./pkg/class/
func BenchmarkClass(b *testing.B) {
	p := zone7Plan(b)
	dir := b.TempDir()
	mk := func(n int) []Host {
		hosts := make([]Host, n)
		for i := range hosts {
			hosts[i] = Host{Name: fmt.Sprint("pc", i), Endpoint: serve(b, &daemon{delay: 50 * time.Millisecond})}
		}
		return hosts
	}
	one, class := mk(1), mk(200)
	run := func(hosts []Host) time.Duration {
		start := time.Now()
		if _, err := Check(context.Background(), p, nil, hosts, Options{Open: open, HostTimeout: 30 * time.Second, Dir: dir}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var single, whole time.Duration
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range b.N {
		single += run(one)
		whole += run(class)
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(whole.Milliseconds())/float64(b.N), "ms/class")
	b.ReportMetric(float64(single.Milliseconds())/float64(b.N), "ms/host")
	b.ReportMetric(float64(whole)/float64(single), "class/host")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/200/1024, "KiB/host")
}

func TestExpandDirStaysInTheClassFolder(t *testing.T) {
	for name, want := range map[string]string{
		"pc7": "labs/pc7",
		"tcp://127.0.0.1:2375/../../../../tmp/secret": "labs/tcp___127.0.0.1_2375_.._.._.._.._tmp_secret",
		"..": "labs/_..",
	} {
		if got := ExpandDir("labs/{name}", Host{Name: name}); got != want {
			t.Errorf("ExpandDir(%q) = %q, want %q", name, got, want)
		}
	}
}
