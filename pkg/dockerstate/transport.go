package dockerstate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// MaxResponseBytes caps every Engine API answer but an event stream: real
// ones (/info, an image or container inspect) are a few kilobytes, an image
// with thousands of tags a few hundred.
const MaxResponseBytes = 4 << 20

// MaxInspectBytes caps the answer about one thing (an image, a container,
// the daemon): decoded, an answer costs several times its size in memory,
// and a class asks a few of them of many hosts at once.
const MaxInspectBytes = 1 << 20

// MaxEventBytes caps each line of an event stream.
const MaxEventBytes = 1 << 20

// maxHeaderBytes caps the response headers.
const maxHeaderBytes = 256 << 10

// config makes the TLS configuration the docker CLI makes of the same
// material: the CA (when given) is the only root, the client certificate
// is offered when both halves are there.
func (m *tlsMaterial) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: m.skipVerify} //nolint:gosec // as the docker CLI, on request
	if m.ca != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(m.ca) {
			return nil, fmt.Errorf("ca.pem in %s holds no PEM certificate", m.from)
		}
		cfg.RootCAs = pool
	}
	if m.cert != nil && m.key != nil {
		pair, err := tls.X509KeyPair(m.cert, m.key)
		if err != nil {
			return nil, fmt.Errorf("cert.pem and key.pem in %s: %w", m.from, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// connection is how requests reach a Target.
type connection struct {
	transport  http.RoundTripper
	clientHost string // what the Engine API client is told the host is
	scheme     string // http or https
	closeIdle  func()
}

// connect prepares the transport for t; it dials nothing yet. A non-nil
// base replaces it (tests).
func connect(t Target, base *http.Client) (connection, error) {
	if base != nil {
		rt := base.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		c := connection{transport: rt, clientHost: t.Host, scheme: "http", closeIdle: func() {}}
		if ci, ok := rt.(interface{ CloseIdleConnections() }); ok {
			c.closeIdle = ci.CloseIdleConnections
		}
		if strings.HasPrefix(t.Host, "ssh://") {
			c.clientHost = "http://docker.example.com"
		}
		return c, nil
	}
	tr := &http.Transport{
		MaxIdleConns:           6,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
		// A hostile daemon's gzip bomb is not worth the bytes saved.
		DisableCompression: true,
	}
	c := connection{transport: tr, clientHost: t.Host, scheme: "http", closeIdle: tr.CloseIdleConnections}
	proto, addr, _ := strings.Cut(t.Host, "://")
	switch proto {
	case "unix":
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", addr)
		}
	case "tcp":
		tr.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
		if t.tls != nil {
			cfg, err := t.tls.config()
			if err != nil {
				return connection{}, err
			}
			tr.TLSClientConfig = cfg
			c.scheme = "https"
		}
	case "ssh":
		spec, err := parseSSH(t.Host)
		if err != nil {
			return connection{}, err
		}
		args := spec.args()
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialCommand(ctx, "ssh", args...)
		}
		// As the docker CLI's connection helper: a dummy HTTP host.
		c.clientHost = "http://docker.example.com"
	case "npipe":
		if err := configurePipe(tr, addr); err != nil {
			return connection{}, err
		}
	default:
		return connection{}, fmt.Errorf("unsupported endpoint %s", t.Host)
	}
	return c, nil
}

// tooLargeError is an answer bigger than the cap: a daemon gone wrong or
// something else answering in its place.
type tooLargeError struct {
	endpoint string // GET /v1.41/info
	limit    int64
	line     bool // one line of a stream, not the whole answer
}

func (e *tooLargeError) Error() string {
	what := "an answer"
	if e.line {
		what = "an event line"
	}
	return fmt.Sprintf("%s sent %s larger than %s; refusing to read it", e.endpoint, what, byteSize(e.limit))
}

func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cappedTransport bounds every answer and hands the ping's headers, which
// name the engine, to onPing.
type cappedTransport struct {
	base   http.RoundTripper
	onPing func(http.Header)
	limit  int64 // MaxResponseBytes, lowered by tests
	line   int64 // MaxEventBytes, lowered by tests
}

func (c *cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	endpoint := req.Method + " " + req.URL.Path
	if strings.HasSuffix(req.URL.Path, "/_ping") && c.onPing != nil {
		c.onPing(resp.Header.Clone())
	}
	if resp.Body == nil {
		return resp, nil
	}
	if isStream(req.URL.Path) {
		resp.Body = &lineCappedBody{rc: resp.Body, max: c.line, endpoint: endpoint}
		return resp, nil
	}
	limit := c.limit
	if !isList(req.URL.Path) {
		limit = min(limit, MaxInspectBytes)
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, &tooLargeError{endpoint: endpoint, limit: limit}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: limit, limit: limit, endpoint: endpoint}
	return resp, nil
}

// isList tells the endpoints that list many things: /images/json and
// /containers/json; the others answer about one.
func isList(path string) bool {
	return strings.HasSuffix(path, "/images/json") || strings.HasSuffix(path, "/containers/json")
}

// isStream tells the endpoints whose answers have no end: only events.
func isStream(path string) bool { return strings.HasSuffix(path, "/events") }

// cappedBody fails a read that goes past the cap.
type cappedBody struct {
	rc          io.ReadCloser
	left, limit int64
	endpoint    string
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, &tooLargeError{endpoint: b.endpoint, limit: b.limit}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// lineCappedBody fails a stream whose line (newline or JSON-sequence
// record separator ended) grows past the cap, so a decoder never buffers
// more than that.
type lineCappedBody struct {
	rc       io.ReadCloser
	max      int64
	line     int64
	endpoint string
}

func (b *lineCappedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' || p[i] == 0x1e {
			b.line = 0
			continue
		}
		b.line++
		if b.line > b.max {
			return i, &tooLargeError{endpoint: b.endpoint, limit: b.max, line: true}
		}
	}
	return n, err
}

func (b *lineCappedBody) Close() error { return b.rc.Close() }
