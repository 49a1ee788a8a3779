package dockerstate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// DefaultTimeout limits each Engine API request unless Options says otherwise.
const DefaultTimeout = 10 * time.Second

// DefaultContext is the docker CLI's name for the context made of flags,
// environment and the platform default rather than of a context file.
const DefaultContext = "default"

// Options say how to reach the daemon. Host and Context are the docker
// CLI's --host and --context flags; everything else comes from the
// environment (through Getenv) and the docker CLI's configuration files.
type Options struct {
	// Host is the endpoint URL (unix://, tcp://, ssh://), as -H/--host.
	Host string
	// HostSource is what Endpoint.Source calls Host; empty means
	// "--host flag". A caller with a list of hosts names its line.
	HostSource string
	// Context names a docker CLI context, as --context.
	Context string
	// Getenv reads the environment (DOCKER_HOST, DOCKER_CONTEXT,
	// DOCKER_CONFIG, HOME, DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH,
	// DOCKER_API_VERSION); nil means os.Getenv.
	Getenv func(string) string
	// Timeout limits each request; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient replaces the transport; tests point it at a fake Engine API.
	HTTPClient *http.Client
}

// Target is an endpoint resolved from Options as the docker CLI resolves
// one, before anything is dialled.
type Target struct {
	// Host is the endpoint URL, normalised as the docker CLI does
	// (tcp://localhost:2375 for tcp://, unix:///var/run/docker.sock for unix://).
	Host string
	// Source says where Host came from: "--host flag", "DOCKER_HOST",
	// `context "lab" (DOCKER_CONTEXT)`, "default".
	Source string
	// Context is the docker CLI context used, DefaultContext when none.
	Context string
	// TLS says whether the connection uses TLS (tcp:// only).
	TLS bool
	// APIVersion is the version DOCKER_API_VERSION pins; empty: negotiated.
	APIVersion string
	// Warnings are what the user should know about the resolution, one line
	// each, e.g. that DOCKER_HOST overrides the context DOCKER_CONTEXT names.
	Warnings []string

	tls *tlsMaterial
}

// tlsMaterial is what a TLS connection is made with: PEM bytes read from
// DOCKER_CERT_PATH or a context's TLS store.
type tlsMaterial struct {
	ca, cert, key []byte
	skipVerify    bool
	from          string // where the files are, for messages
}

// ConfigError says the endpoint configuration is wrong: a flag, an
// environment variable or a docker CLI configuration file. Nothing was
// dialled; it is a usage error.
type ConfigError struct {
	Source string // what is wrong: "DOCKER_HOST", "--host flag", `context "lab"`…
	Err    error  // what is wrong with it
	Hint   string // what to try, may be empty
}

// Error is one line: where, what, what to try.
func (e *ConfigError) Error() string {
	msg := oneLine(fmt.Sprintf("%s: %v", e.Source, e.Err))
	if e.Hint != "" {
		msg += " — " + e.Hint
	}
	return msg
}

// Unwrap gives the underlying error.
func (e *ConfigError) Unwrap() error { return e.Err }

// Limits on what is read from the docker CLI's files: each is a few hundred
// bytes in practice.
const (
	maxConfigFile = 4 << 20
	maxMetaFile   = 1 << 20
	maxPEMFile    = 1 << 20
)

// Resolve finds the endpoint Options name, in the docker CLI's order:
// --context, then --host, DOCKER_HOST (both the default context), then
// DOCKER_CONTEXT, then currentContext in $DOCKER_CONFIG/config.json
// (default ~/.docker), then the default context. It reads only the
// environment Getenv gives and the files under the configuration
// directory; it dials nothing.
func Resolve(opts Options) (Target, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if opts.Context != "" && opts.Host != "" {
		return Target{}, &ConfigError{Source: "--host and --context",
			Err:  errors.New("conflicting options: cannot specify both --host and --context"),
			Hint: "give one of them"}
	}
	apiVersion, err := pinnedAPIVersion(getenv("DOCKER_API_VERSION"))
	if err != nil {
		return Target{}, err
	}
	r := resolver{getenv: getenv, opts: opts}
	t, err := r.resolve()
	if err != nil {
		return Target{}, err
	}
	t.APIVersion = apiVersion
	return t, nil
}

type resolver struct {
	getenv   func(string) string
	opts     Options
	warnings []string
}

func (r *resolver) warn(format string, a ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf(format, a...))
}

// configDir is $DOCKER_CONFIG, else ~/.docker; empty when neither is known.
func (r *resolver) configDir() string {
	if dir := r.getenv("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	if home := r.getenv("HOME"); home != "" {
		return filepath.Join(home, ".docker")
	}
	return ""
}

func (r *resolver) resolve() (Target, error) {
	name, why, err := r.contextName()
	if err != nil {
		return Target{}, err
	}
	var t Target
	if name == DefaultContext {
		t, err = r.defaultContext()
	} else {
		t, err = r.namedContext(name, why)
	}
	if err != nil {
		return Target{}, err
	}
	t.Context = name
	t.Warnings = r.warnings
	return t, nil
}

// contextName is the docker CLI's resolveContextName; why says what chose
// a named context.
func (r *resolver) contextName() (name, why string, err error) {
	switch {
	case r.opts.Context != "":
		return r.opts.Context, "--context flag", nil
	case r.opts.Host != "":
		return DefaultContext, "", nil
	case r.getenv("DOCKER_HOST") != "":
		// The docker CLI says so in `docker context ls`; a check says it
		// at once, since the learner may think a context is in use.
		if c := r.getenv("DOCKER_CONTEXT"); c != "" && c != DefaultContext {
			r.warn("DOCKER_HOST overrides DOCKER_CONTEXT=%s, as for the docker CLI; unset DOCKER_HOST to use the context", c)
		} else if c := r.currentContext(); c != "" && c != DefaultContext {
			r.warn("DOCKER_HOST overrides the current context %q, as for the docker CLI; unset DOCKER_HOST to use the context", c)
		}
		return DefaultContext, "", nil
	case r.getenv("DOCKER_CONTEXT") != "":
		return r.getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT", nil
	}
	if c := r.currentContext(); c != "" {
		return c, "currentContext in " + filepath.Join(r.configDir(), "config.json"), nil
	}
	return DefaultContext, "", nil
}

// currentContext reads currentContext from config.json. A missing file is
// no context; an unreadable one is a warning, as the docker CLI prints.
func (r *resolver) currentContext() string {
	dir := r.configDir()
	if dir == "" {
		return ""
	}
	path := filepath.Join(dir, "config.json")
	data, err := readCapped(path, maxConfigFile)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		r.warn("ignoring %s: %v", path, err)
		return ""
	}
	return cfg.CurrentContext
}

// defaultContext is the docker CLI's default context: -H, else DOCKER_HOST,
// else the platform default, with TLS from DOCKER_TLS_VERIFY, DOCKER_TLS
// and DOCKER_CERT_PATH.
func (r *resolver) defaultContext() (Target, error) {
	host, source := r.opts.Host, r.opts.HostSource
	if source == "" {
		source = "--host flag"
	}
	if host == "" {
		host, source = r.getenv("DOCKER_HOST"), "DOCKER_HOST"
	}
	verify := r.getenv("DOCKER_TLS_VERIFY") != ""
	useTLS := verify || r.getenv("DOCKER_TLS") != ""
	tlsVar := "DOCKER_TLS_VERIFY"
	if !verify {
		tlsVar = "DOCKER_TLS"
	}
	if strings.TrimSpace(host) == "" {
		source = DefaultContext
	}
	parsed, err := parseHost(host, useTLS)
	if err != nil {
		return Target{}, &ConfigError{Source: sourceValue(source, host), Err: err, Hint: hostHint}
	}
	t := Target{Host: parsed, Source: source}
	certPath := r.getenv("DOCKER_CERT_PATH")
	if !strings.HasPrefix(parsed, "tcp://") {
		return t, nil
	}
	if !useTLS {
		if certPath != "" {
			r.warn("DOCKER_CERT_PATH is set but TLS is off, as for the docker CLI; set DOCKER_TLS_VERIFY=1 to use it")
		}
		return t, nil
	}
	from := "DOCKER_CERT_PATH"
	if certPath == "" {
		certPath, from = r.configDir(), "the docker configuration directory"
	}
	m := &tlsMaterial{skipVerify: !verify, from: certPath}
	// As the docker CLI: the CA file must be there; the client
	// certificate and key only if they exist.
	if m.ca, err = readCapped(filepath.Join(certPath, "ca.pem"), maxPEMFile); err != nil {
		return Target{}, &ConfigError{Source: tlsVar, Err: fmt.Errorf("reading the CA certificate in %s (%s): %w", from, certPath, err),
			Hint: "point DOCKER_CERT_PATH at the folder with ca.pem, cert.pem and key.pem"}
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"cert.pem", &m.cert}, {"key.pem", &m.key}} {
		data, err := readCapped(filepath.Join(certPath, f.name), maxPEMFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return Target{}, &ConfigError{Source: "DOCKER_CERT_PATH", Err: err}
		default:
			*f.dst = data
		}
	}
	if _, err := m.config(); err != nil {
		return Target{}, &ConfigError{Source: "DOCKER_CERT_PATH", Err: err,
			Hint: "point DOCKER_CERT_PATH at the folder with ca.pem, cert.pem and key.pem"}
	}
	t.TLS, t.tls = true, m
	return t, nil
}

// contextMeta is a context's meta.json, as the docker CLI writes it.
type contextMeta struct {
	Name      string
	Endpoints map[string]struct {
		Host          string
		SkipTLSVerify bool
	}
}

// namedContext reads a context from the docker CLI's context store:
// contexts/meta/<sha256 of the name>/meta.json and, for its TLS material,
// contexts/tls/<same>/docker/{ca,cert,key}.pem.
func (r *resolver) namedContext(name, why string) (Target, error) {
	source := fmt.Sprintf("context %q (%s)", name, why)
	dir := r.configDir()
	if dir == "" {
		return Target{}, &ConfigError{Source: source, Err: errors.New("neither DOCKER_CONFIG nor HOME is set, so the context store cannot be found"),
			Hint: "set DOCKER_CONFIG, or use --host"}
	}
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaPath := filepath.Join(dir, "contexts", "meta", id, "meta.json")
	data, err := readCapped(metaPath, maxMetaFile)
	if errors.Is(err, fs.ErrNotExist) {
		return Target{}, &ConfigError{Source: source, Err: fmt.Errorf("context not found: %s does not exist", metaPath),
			Hint: "docker context ls lists the contexts; or use --host"}
	}
	if err != nil {
		return Target{}, &ConfigError{Source: source, Err: err}
	}
	var meta contextMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return Target{}, &ConfigError{Source: source, Err: fmt.Errorf("reading %s: %w", metaPath, err)}
	}
	ep, ok := meta.Endpoints["docker"]
	if !ok {
		return Target{}, &ConfigError{Source: source, Err: errors.New("cannot find docker endpoint in context"),
			Hint: "docker context inspect " + name + " shows it"}
	}
	// The docker CLI passes a context's host to the client unparsed; an
	// empty one is the platform default.
	host := ep.Host
	if host == "" {
		host = client.DefaultDockerHost
	}
	parsed, err := parseHost(host, false)
	if err != nil {
		return Target{}, &ConfigError{Source: source, Err: err, Hint: hostHint}
	}
	t := Target{Host: parsed, Source: source}
	if !strings.HasPrefix(parsed, "tcp://") {
		return t, nil
	}
	tlsDir := filepath.Join(dir, "contexts", "tls", id, "docker")
	m := &tlsMaterial{skipVerify: ep.SkipTLSVerify, from: tlsDir}
	found := false
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"ca.pem", &m.ca}, {"cert.pem", &m.cert}, {"key.pem", &m.key}} {
		data, err := readCapped(filepath.Join(tlsDir, f.name), maxPEMFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return Target{}, &ConfigError{Source: source, Err: err}
		default:
			*f.dst, found = data, true
		}
	}
	// As the docker CLI: without TLS material or SkipTLSVerify, plain HTTP.
	if !found && !ep.SkipTLSVerify {
		return t, nil
	}
	if _, err := m.config(); err != nil {
		return Target{}, &ConfigError{Source: source, Err: err,
			Hint: "docker context inspect " + name + " shows its TLS material"}
	}
	t.TLS, t.tls = true, m
	return t, nil
}

const hostHint = "use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]"

// sourceValue names a setting with its value: DOCKER_HOST="ftp://x".
func sourceValue(source, value string) string {
	if source == DefaultContext {
		return source
	}
	if source == "DOCKER_HOST" {
		return fmt.Sprintf("DOCKER_HOST=%q", value)
	}
	return fmt.Sprintf("%s %q", source, value)
}

// parseHost normalises a host as the docker CLI's ParseHost does: empty is
// the platform default (tcp://localhost:2376 when TLS is on), a bare
// host:port is tcp, a path is a unix socket. Schemes this client cannot
// dial are refused here rather than when dialling.
func parseHost(val string, defaultToTLS bool) (string, error) {
	host := strings.TrimSpace(val)
	if host == "" {
		if defaultToTLS {
			return "tcp://localhost:2376", nil
		}
		return client.DefaultDockerHost, nil
	}
	proto, addr, hasProto := strings.Cut(host, "://")
	if !hasProto {
		addr = proto
		proto = "tcp"
		if strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "./") {
			proto = "unix"
		}
	}
	switch proto {
	case "tcp":
		return parseTCPAddr(addr)
	case "unix":
		if strings.Contains(addr, "://") {
			return "", fmt.Errorf("invalid address %s: expected unix:///path", host)
		}
		if addr == "" {
			addr = "/var/run/docker.sock"
		}
		return "unix://" + addr, nil
	case "ssh":
		if _, err := parseSSH(host); err != nil {
			return "", err
		}
		return host, nil
	case "npipe":
		if runtime.GOOS != "windows" {
			return "", fmt.Errorf("%s is a Windows named pipe, which cannot be reached from here", host)
		}
		if addr == "" {
			addr = "//./pipe/docker_engine"
		}
		return "npipe://" + addr, nil
	case "fd":
		return "", fmt.Errorf("%s is where a daemon listens, not an address to connect to", host)
	case "http", "https":
		return "", fmt.Errorf("unsupported scheme %s:// in %s (Docker endpoints are tcp://, with DOCKER_TLS_VERIFY=1 for TLS)", proto, host)
	default:
		return "", fmt.Errorf("unsupported scheme %q in %s", proto+"://", host)
	}
}

// parseTCPAddr is the docker CLI's ParseTCPAddr: the default host is
// localhost and the default port 2375; a path after the port is kept.
func parseTCPAddr(addr string) (string, error) {
	if addr == "" {
		return "tcp://localhost:2375", nil
	}
	if strings.Contains(addr, "://") {
		return "", fmt.Errorf("invalid address tcp://%s", addr)
	}
	if strings.HasSuffix(addr, "]:") {
		addr += "2375"
	}
	u, err := url.Parse("tcp://" + addr)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", fmt.Errorf("invalid address tcp://%s: %w", addr, err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port, err = net.SplitHostPort(net.JoinHostPort(u.Host, "2375"))
	}
	if err != nil {
		return "", fmt.Errorf("invalid address tcp://%s", addr)
	}
	if host == "" {
		host = "localhost"
	}
	if port == "" {
		port = "2375"
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("invalid port %q in tcp://%s", port, addr)
	}
	return "tcp://" + net.JoinHostPort(host, port) + u.Path, nil
}

// pinnedAPIVersion checks DOCKER_API_VERSION: empty means negotiate.
func pinnedAPIVersion(v string) (string, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if v == "" {
		return "", nil
	}
	source := fmt.Sprintf("DOCKER_API_VERSION=%s", v)
	major, minor, ok := strings.Cut(v, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if !ok || err1 != nil || err2 != nil || ma < 0 || mi < 0 {
		return "", &ConfigError{Source: source, Err: errors.New("not an API version"),
			Hint: "unset it to negotiate, or give MAJOR.MINOR such as 1.41"}
	}
	v = fmt.Sprintf("%d.%d", ma, mi)
	if versions.LessThan(v, client.MinAPIVersion) {
		return "", &ConfigError{Source: source,
			Err:  fmt.Errorf("older than the oldest Engine API this client speaks (%s)", client.MinAPIVersion),
			Hint: "unset DOCKER_API_VERSION to negotiate, or set " + client.MinAPIVersion + " or newer"}
	}
	return v, nil
}

// readCapped reads a small file whole, refusing one larger than max.
func readCapped(path string, max int64) ([]byte, error) {
	// Stat before opening: opening a FIFO would wait for a writer, and no
	// Ctrl-C reaches a goroutine blocked in open(2).
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return data, nil
}

// oneLine folds a message onto one line and escapes what a terminal would
// act on (escape sequences, bidirectional overrides): a daemon's words and
// a user's settings reach stderr through it.
func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Join(strings.Fields(s), " ")
	}
	safe := true
	for _, r := range s {
		if unsafeRune(r) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == utf8.RuneError ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f
}
