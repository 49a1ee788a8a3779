package class

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Limits on a hosts file: a class is tens of laptops, a big one hundreds.
const (
	// MaxHosts bounds the endpoints of one run.
	MaxHosts = 5000
	// maxLine bounds one line of a hosts file.
	maxLine = 4096
	// maxFileSize bounds a hosts file.
	maxFileSize = 1 << 20
)

// Host is one learner's endpoint.
type Host struct {
	// Name is how reports call the host: the NAME column, or the endpoint.
	Name string
	// Endpoint is the daemon's URL: unix://, tcp://, ssh://.
	Endpoint string
	// Answers are this host's answers by objective id, from ID=VALUE
	// columns; they override the answers given for the whole class.
	Answers map[string]string
}

// FileError is a mistake in a hosts file, at a line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

var (
	hostName    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$`) })
	schemePart  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]+://`) })
	answerField = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-z0-9][a-z0-9-]*)=(.*)$`) })
)

// seenAt is where an endpoint was first given: its line, its index in hosts.
type seenAt struct{ line, host int }

// ParseHosts reads a hosts file: one host per line, '[NAME] ENDPOINT
// [ID=ANSWER...]', blank lines and '#' comments ignored. name is the file's
// name, for messages. Names must be unique; so must daemons: two spellings
// of one endpoint (see DaemonKey) are refused, so that one learner's daemon
// cannot be graded as two rows.
func ParseHosts(name string, r io.Reader) ([]Host, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxFileSize+1))
	sc.Buffer(make([]byte, 0, 1024), maxLine)
	var (
		hosts     []Host
		names     = map[string]int{}
		endpoints = map[string]seenAt{} // DaemonKey → where first given
		read      int
		n         int
	)
	for sc.Scan() {
		n++
		read += len(sc.Bytes()) + 1
		if read > maxFileSize {
			return nil, &FileError{File: name, Line: n, Msg: fmt.Sprintf("the file is larger than %d KiB", maxFileSize>>10)}
		}
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		h, err := parseHost(fields)
		if err != nil {
			return nil, &FileError{File: name, Line: n, Msg: err.Error()}
		}
		if prev, dup := names[h.Name]; dup {
			return nil, &FileError{File: name, Line: n, Msg: fmt.Sprintf("the name %s is already used on line %d", h.Name, prev)}
		}
		key := DaemonKey(h.Endpoint)
		if prev, dup := endpoints[key]; dup {
			if given := hosts[prev.host].Endpoint; given != h.Endpoint {
				return nil, &FileError{File: name, Line: n, Msg: fmt.Sprintf("the endpoint %s is the daemon of line %d, spelt %s there", h.Endpoint, prev.line, given)}
			}
			return nil, &FileError{File: name, Line: n, Msg: fmt.Sprintf("the endpoint %s is already on line %d", h.Endpoint, prev.line)}
		}
		names[h.Name], endpoints[key] = n, seenAt{line: n, host: len(hosts)}
		if len(hosts) == MaxHosts {
			return nil, &FileError{File: name, Line: n, Msg: fmt.Sprintf("more than %d hosts", MaxHosts)}
		}
		hosts = append(hosts, h)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &FileError{File: name, Line: n + 1, Msg: fmt.Sprintf("a line is longer than %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(hosts) == 0 {
		return nil, &FileError{File: name, Line: n, Msg: "no hosts: write one '[NAME] ENDPOINT' per line"}
	}
	return hosts, nil
}

func parseHost(fields []string) (Host, error) {
	var h Host
	switch {
	case schemePart().MatchString(fields[0]):
		h.Endpoint, h.Name = fields[0], fields[0]
		fields = fields[1:]
	case len(fields) > 1 && schemePart().MatchString(fields[1]):
		h.Name, h.Endpoint = fields[0], fields[1]
		if !hostName().MatchString(h.Name) {
			return Host{}, fmt.Errorf("the name %q must be letters, digits, _ . @ and -", h.Name)
		}
		fields = fields[2:]
	default:
		return Host{}, fmt.Errorf("expected '[NAME] ENDPOINT' with ENDPOINT such as tcp://pc7:2376 or ssh://me@pc7, not %q", strings.Join(fields, " "))
	}
	for _, f := range fields {
		m := answerField().FindStringSubmatch(f)
		if m == nil {
			return Host{}, fmt.Errorf("%q: after the endpoint, only answers: OBJECTIVE=VALUE", f)
		}
		if h.Answers == nil {
			h.Answers = map[string]string{}
		}
		h.Answers[m[1]] = m[2]
	}
	return h, nil
}

// FromEndpoints makes hosts of endpoints given on the command line (-H),
// each named by its endpoint. Two spellings of one daemon are refused.
func FromEndpoints(endpoints []string) ([]Host, error) {
	hosts := make([]Host, 0, len(endpoints))
	seen := map[string]string{} // DaemonKey → as given
	for _, e := range endpoints {
		key := DaemonKey(e)
		if prev, dup := seen[key]; dup {
			if prev != e {
				return nil, fmt.Errorf("--host %s and --host %s are the same daemon; give it once", prev, e)
			}
			return nil, fmt.Errorf("--host %s is given twice", e)
		}
		seen[key] = e
		hosts = append(hosts, Host{Name: e, Endpoint: e})
	}
	return hosts, nil
}

// DaemonKey names the daemon an endpoint reaches, so that two spellings of
// one compare equal:
//   - unix://PATH: a socket that exists is its file, by device and inode
//     where the platform has them, so every link to it compares equal
//     (/var/run/docker.sock and /run/docker.sock, where /var/run links to
//     /run; a hard link to the socket); else the path absolute, its links
//     resolved (/var/run//docker.sock; /var/run/./docker.sock), or only
//     cleaned when it cannot be resolved (a socket not there yet);
//   - tcp://HOST[:PORT][/PATH]: the host in lower case, an IP address in
//     its one canonical form ([::1] and [0:0::1]; ::ffff:127.0.0.1 and
//     127.0.0.1), the port made explicit (2375, the docker CLI's default,
//     as dockerstate dials it), the path cleaned;
//   - ssh://[USER@]HOST[:PORT][/PATH]: the user as given, the host as for
//     tcp, the port made explicit (22), the remote socket's path cleaned
//     (not resolved: it is on the other machine).
//
// Names are never looked up: localhost and 127.0.0.1, or two names of one
// machine, stay two keys. Anything else, or an endpoint that does not
// parse, is its own key.
func DaemonKey(endpoint string) string {
	scheme, rest, ok := strings.Cut(endpoint, "://")
	if !ok {
		return endpoint
	}
	switch scheme {
	case "unix":
		if rest == "" {
			return endpoint
		}
		// Links first, as the kernel follows them (link/.. is the link's
		// target's parent); lexical cleaning only when that fails.
		p := filepath.Clean(rest)
		if real, err := filepath.EvalSymlinks(rest); err == nil {
			p = real
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if fi, err := os.Stat(p); err == nil {
			if id, ok := fileID(fi); ok {
				return "unix-file://" + id
			}
		}
		return "unix://" + p
	case "tcp", "ssh":
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" {
			return endpoint
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"tcp": "2375", "ssh": "22"}[scheme]
		}
		user := ""
		if u.User != nil {
			user = u.User.Username() + "@"
		}
		p := ""
		if u.Path != "" && u.Path != "/" {
			p = path.Clean(u.Path)
		}
		return scheme + "://" + user + net.JoinHostPort(canonicalHost(u.Hostname()), port) + p
	}
	return endpoint
}

// canonicalHost is host in lower case, or, for an IP address, its
// canonical form (an IPv6 zone, an interface's name, kept as given). A name
// is not looked up.
func canonicalHost(host string) string {
	addr, zone, _ := strings.Cut(host, "%")
	ip := net.ParseIP(addr)
	if ip == nil {
		return strings.ToLower(host)
	}
	if zone != "" {
		return ip.String() + "%" + zone
	}
	return ip.String()
}

// ExpandDir fills {name} in a folder template with the host's name, so a
// class's archives can sit in one folder per learner: -C labs/{name}. A
// name is one folder: a host named by its endpoint (tcp://pc7:2376/x/..)
// has every character that is not a letter, digit, _ . @ or - made _, so
// it can never lead out of the class's folder.
func ExpandDir(template string, h Host) string {
	return strings.ReplaceAll(template, "{name}", folderName(h.Name))
}

func folderName(name string) string {
	safe := []rune(name)
	for i, r := range safe {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.@-", r)) {
			safe[i] = '_'
		}
	}
	out := string(safe)
	if out == "" || out[0] == '.' {
		out = "_" + out
	}
	return out
}
